// SIGINT stops a backup within seconds whatever the compression level (issue 16, defect 5): at zstd
// level 19 on one thread a job of libzstd's takes tens of seconds, and pgark used to wait for the
// queued ones. Prints the time from the signal to the exit as a bench-style figure.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/pg_cluster.h"
#include "support/pgark_cli.h"
#include "support/proc_util.h"
#include "support/storage_fixtures.h"
#include "util/temp.h"

using namespace pgark;
using namespace pgark::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The process exists and is not a zombie (pg_dump may be done already: pgark still compresses).
bool still_running(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto p = stat.rfind(')');
    return p != std::string::npos && p + 2 < stat.size() && stat[p + 2] != 'Z';
}

class BackupCancelSpeed : public ::testing::TestWithParam<Driver> {
  protected:
    void SetUp() override {
        db_ = "bk_cancel_" + to_string(GetParam());
        auto& pg = PgCluster::shared();
        pg.drop_database(db_);
        pg.create_database(db_);
        // About 40 MB of text that compresses, but slowly at level 19: the backup would run for a
        // long while on one thread.
        pg.psql(
            "CREATE TABLE readings AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS a, "
            "(g % 977) * 1.5 AS v, repeat(chr(65 + g % 26), 1 + g % 40) AS b FROM generate_series(1, "
            "450000) g",
            db_);
        repo_ = make_repo_location(GetParam(), "bk_cancel_" + std::to_string(counter_++));
        ASSERT_EQ(pgark({"init"}).exit_code, 0);
    }
    void TearDown() override { PgCluster::shared().drop_database(db_); }
    std::map<std::string, std::string> env(std::map<std::string, std::string> extra = {}) const {
        auto e = PgCluster::shared().client_env(db_);
        for (const auto& [k, v] : repo_.env) e[k] = v;
        for (const auto& [k, v] : extra) e[k] = v;
        return e;
    }
    CliResult pgark(std::vector<std::string> args) {
        args.insert(args.begin(), {"--repo", repo_.url});
        return run_pgark(args, env());
    }

    static inline int counter_ = 0;
    std::string db_;
    RepoLocation repo_;
    TempDir hooks_{"bk-cancel-hooks"};
};

TEST_P(BackupCancelSpeed, SigintStopsALevel19BackupWithinSeconds) {
    auto go = hooks_.path() / "go";
    auto child =
        start_pgark({"--repo", repo_.url, "backup", "--compression-level", "19", "--threads", "1"},
                    env({{"PGARK_TEST_HOOKS", "1"}, {"PGARK_TEST_BACKUP_STREAMING_WAIT_FOR", go.string()}}),
                    ProcessSpec::Out::null);
    // Paused at the first chunk of pg_dump's output; let it stream and compress for a while.
    ASSERT_TRUE(wait_for_file(go.string() + ".reached", std::chrono::seconds(60)));
    std::ofstream(go) << "go\n";
    std::this_thread::sleep_for(std::chrono::seconds(3));
    ASSERT_TRUE(still_running(child->pid())) << "the backup ended before the signal";
    auto sent = std::chrono::steady_clock::now();
    ::kill(child->pid(), SIGINT);
    auto r = wait_pgark(*child, std::chrono::seconds(150));
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
    char figure[64];
    std::snprintf(figure, sizeof figure, "%.1f s", seconds);
    std::cout << "[ figure ] SIGINT->exit at zstd 19 (" << to_string(GetParam()) << "): " << figure << "\n";
    EXPECT_EQ(r.exit_code, 130) << r.describe();
    EXPECT_LT(seconds, 10.0) << "cancellation waited for the compressor";
    EXPECT_TRUE(descendants_named(child->pid(), "pg_dump").empty());
    auto list = pgark({"list", "--json"});
    ASSERT_EQ(list.exit_code, 0) << list.describe();
    EXPECT_EQ(json::parse(list.out)["backups"].size(), 0u) << list.out;
    std::vector<std::string> stray;
    for (const auto& o : repo_.open()->list(""))
        if (o.key != "pgark.json") stray.push_back(o.key);
    EXPECT_TRUE(stray.empty()) << "left in the repository: " << stray.front();
}

INSTANTIATE_TEST_SUITE_P(Drivers, BackupCancelSpeed, ::testing::ValuesIn(all_drivers()), driver_name);

}  // namespace
