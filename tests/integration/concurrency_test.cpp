// Concurrency (issue 8): jobs running at the same time on one repository and database lose or damage no
// backup. A backup held mid-stream and a drill holding its backup's lock while `pgark prune` runs with
// an aggressive policy and its clock two days ahead; several backups at once while prune runs again and
// again. (Backups of one database in the same second: backup_test.cpp; a drill's and a restore's locks
// against prune: prune_test.cpp.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "support/pg_cluster.h"
#include "support/pgark_cli.h"
#include "support/pgark_fixture.h"
#include "support/proc_util.h"
#include "support/sample_db.h"
#include "support/storage_fixtures.h"
#include "util/temp.h"
#include "util/time.h"

using namespace pgark;
using namespace pgark::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

class ConcurrencyTest : public PgarkFixture {
  protected:
    ConcurrencyTest() : PgarkFixture("conc") {}
    // Prune keeping only the newest complete backup, with its clock two days ahead (so every leftover
    // of a killed run would be old enough to go).
    json prune_hard() {
        auto r = pgark(
            {"prune", "--keep-last", "1", "--keep-daily", "0", "--keep-weekly", "0", "--keep-monthly", "0",
             "--json"},
            {{"PGARK_TEST_HOOKS", "1"},
             {"PGARK_TEST_NOW", format_iso8601(std::chrono::system_clock::now() + std::chrono::hours(48))}});
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        return r.exit_code == 0 ? json::parse(r.out) : json::object();
    }
    std::set<std::string> listed_and_verified() {
        auto r = pgark({"list", "--json"});
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        std::set<std::string> ids;
        // Named: a range-for over a temporary's member would read freed memory.
        const auto listing = json::parse(r.out);
        for (const auto& b : listing["backups"]) {
            ids.insert(b["id"].get<std::string>());
            auto v = pgark({"verify", b["id"].get<std::string>(), "-q"});
            EXPECT_EQ(v.exit_code, 0) << b["id"] << " does not verify: " << v.describe();
        }
        return ids;
    }
};

TEST_P(ConcurrencyTest, PruneSparesARunningBackupAndADrilledBackup) {
    const auto drilled = backup();
    const auto older = backup();
    const auto newest = backup();
    ASSERT_FALSE(newest.empty());

    // A drill of the oldest backup, paused after taking its lock; a backup paused mid-stream.
    auto drill_go = tmp_.path() / "drill-go";
    auto drill = start({"drill", drilled, "-q"},
                       {{"PGARK_TEST_HOOKS", "1"}, {"PGARK_TEST_AFTER_LOCK_WAIT_FOR", drill_go.string()}});
    auto backup_go = tmp_.path() / "backup-go";
    auto running = start({"backup", "-q"}, {{"PGARK_TEST_HOOKS", "1"},
                                            {"PGARK_TEST_BACKUP_STREAMING_WAIT_FOR", backup_go.string()}});
    ASSERT_TRUE(wait_for_file(drill_go.string() + ".reached", std::chrono::seconds(60)));
    ASSERT_TRUE(wait_for_file(backup_go.string() + ".reached", std::chrono::seconds(60)));

    auto p = prune_hard();
    std::set<std::string> removed;
    for (const auto& b : p["backups"])
        if (b["action"] == "remove") removed.insert(b["id"].get<std::string>());
    EXPECT_EQ(removed, std::set<std::string>{older})
        << p.dump(2);  // the newest stays, the drilled one is locked
    EXPECT_TRUE(p["abandoned_writes"].empty()) << "the running backup's writes were discarded: " << p.dump(2);

    std::ofstream(drill_go) << "go";
    std::ofstream(backup_go) << "go";
    auto d = wait_pgark(*drill);
    auto b = wait_pgark(*running);
    EXPECT_EQ(d.exit_code, 0) << d.describe();
    EXPECT_EQ(b.exit_code, 0) << b.describe();
    auto ids = listed_and_verified();
    EXPECT_EQ(ids.size(), 3u);
    EXPECT_TRUE(ids.count(drilled) && ids.count(newest) && !ids.count(older));
}

TEST_P(ConcurrencyTest, BackupsAtOnceWhilePruneRunsAgainAndAgainLoseNothing) {
    backup();
    std::vector<std::unique_ptr<Child>> backups;
    for (int i = 0; i < 3; ++i) backups.push_back(start({"backup", "-q"}, {}));
    // Prune while they run: with its clock ahead their claims look old, but their processes are alive.
    std::atomic<bool> done{false};
    std::thread pruner([&] {
        while (!done) {
            auto r = pgark({"prune", "--keep-last", "100", "-q"},
                           {{"PGARK_TEST_HOOKS", "1"},
                            {"PGARK_TEST_NOW",
                             format_iso8601(std::chrono::system_clock::now() + std::chrono::hours(48))}});
            EXPECT_EQ(r.exit_code, 0) << r.describe();
        }
    });
    for (auto& c : backups) {
        auto r = wait_pgark(*c);
        EXPECT_EQ(r.exit_code, 0) << r.describe();
    }
    done = true;
    pruner.join();
    EXPECT_EQ(listed_and_verified().size(), 4u);
}

INSTANTIATE_TEST_SUITE_P(Drivers, ConcurrencyTest, ::testing::ValuesIn(all_drivers()), driver_name);

}  // namespace
