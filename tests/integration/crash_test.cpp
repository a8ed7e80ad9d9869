// Crash consistency (issue 8): pgark SIGKILLed at 20 or more points spread across a backup, a drill and a
// `restore --to-new`, on every storage driver. The points are pgark's own crash points (util/test_hooks.h:
// after each chunk streamed, spooled, stored or loaded, between fsync and rename, before the manifest,
// around the scratch database, ...); a first run records which points it passes, then each chosen point
// kills a fresh run with SIGKILL, which no handler or destructor sees. Afterwards every listed backup must
// verify, no partial backup may be listed, the next run must succeed, and what the killed runs left
// (claims, temp files, spools, scratch databases, partial restores, locks) must be removed by the
// mechanisms meant for it.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "core/backup_id.h"
#include "core/manifest.h"
#include "repo/layout.h"
#include "support/pg_cluster.h"
#include "support/pgark_cli.h"
#include "support/sample_db.h"
#include "support/storage_fixtures.h"
#include "support/swift_server.h"
#include "util/temp.h"
#include "util/time.h"

using namespace pgark;
using namespace pgark::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr int kMinPoints = 20;

// `want` distinct points spread evenly over 1..n (all of them when n is smaller).
std::vector<int> spread(int n, int want) {
    std::set<int> pts;
    for (int i = 0; i < want; ++i)
        pts.insert(1 + static_cast<int>(static_cast<long long>(i) * (n - 1) / (want - 1)));
    return {pts.begin(), pts.end()};
}

class CrashTest : public ::testing::TestWithParam<Driver> {
  protected:
    void SetUp() override {
        db_ = "crash_" + std::to_string(counter_++) + "_" + to_string(GetParam());
        target_ = db_ + "_restored";
        pg().drop_database(db_);
        pg().drop_database(target_);
        load_freshtrack(pg(), db_);
        // More rows than the sample has, so a run streams, spools and loads many chunks.
        pg().psql(
            "INSERT INTO sensor_readings (device_id, recorded_at, temperature, humidity, payload) "
            "SELECT 1 + g % 50, timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second', "
            "(g % 400) / 10.0 - 20, (g % 1000) / 10.0, jsonb_build_object('seq', g, 'fw', '1.4.2') "
            "FROM generate_series(1, 60000) AS g",
            db_);
        repo_ = make_repo_location(GetParam(), "crash" + std::to_string(counter_));
        ASSERT_EQ(pgark({"init"}).exit_code, 0);
    }
    void TearDown() override {
        for (const auto& s : scratch_databases()) pg().drop_database(s);
        pg().drop_database(target_);
        pg().drop_database(db_);
    }
    static PgCluster& pg() { return PgCluster::shared(); }

    std::map<std::string, std::string> env(std::map<std::string, std::string> extra = {}) const {
        auto e = pg().client_env(db_);
        for (const auto& [k, v] : repo_.env) e[k] = v;
        e["TMPDIR"] = spool_parent_.path().string();
        e["PGARK_TEST_HOOKS"] = "1";
        // The restore paths of a large table (loaded and read in parts) have their own crash points.
        e["PGARK_TEST_SPLIT_LOAD_BYTES"] = "1048576";
        e["PGARK_TEST_LOAD_BATCH_BYTES"] = "65536";
        for (const auto& [k, v] : extra) e[k] = v;
        return e;
    }
    CliResult pgark(std::vector<std::string> args, std::map<std::string, std::string> extra = {}) {
        args.insert(args.begin(), {"--repo", repo_.url});
        return run_pgark(args, env(extra));
    }

    // The crash points a complete run of `args` passes, in order.
    std::vector<std::string> crash_points(const std::vector<std::string>& args) {
        TempDir dir("crash-log");
        auto log = (dir.path() / "points").string();
        auto r = pgark(args, {{"PGARK_TEST_CRASH_LOG", log}});
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        std::vector<std::string> points;
        std::ifstream in(log);
        for (std::string line; std::getline(in, line);) points.push_back(line);
        return points;
    }
    // Kill points for a run that passes `points`: at least kMinPoints of them, spread over the run.
    std::vector<int> kill_points(const std::vector<std::string>& points) {
        std::ostringstream all;
        for (const auto& p : points) all << "\n  " << p;
        EXPECT_GE(static_cast<int>(points.size()), kMinPoints) << "too few crash points:" << all.str();
        if (static_cast<int>(points.size()) < kMinPoints) return {};
        return spread(static_cast<int>(points.size()), kMinPoints + 4);
    }
    // Runs `args` to be killed at point `k` of the `total` a recorded run passed; true when it was. Runs
    // vary (how many chunks pg_dump's output arrives in, how S3 parts interleave): a run that ends before
    // point `k` succeeds, and is retried aimed at the same relative place in a run like it, after `reset`
    // (which undoes what a successful run left, when that matters).
    bool run_killed_at(
        const std::vector<std::string>& args, int k, int total, const std::function<void()>& reset = [] {}) {
        for (int attempt = 0; attempt < 3; ++attempt) {
            TempDir dir("crash-run");
            const auto log = (dir.path() / "points").string();
            auto r = pgark(args, {{"PGARK_TEST_CRASH_AT", std::to_string(k)}, {"PGARK_TEST_CRASH_LOG", log}});
            EXPECT_TRUE(r.term_signal == SIGKILL || r.exit_code == 0)
                << "point " << k << ": " << r.describe();
            if (r.term_signal == SIGKILL) return true;
            if (r.exit_code != 0) return false;
            int passed = 0;
            std::ifstream in(log);
            for (std::string line; std::getline(in, line);) ++passed;
            if (passed < 1) return false;
            reset();
            k = std::max(1, static_cast<int>(static_cast<long long>(k) * passed / (total + 1)));
        }
        return false;
    }

    // Every listed backup verifies; nothing partial is listed.
    std::vector<std::string> expect_listed_backups_verify(const std::string& when) {
        auto r = pgark({"list", "--json"});
        EXPECT_EQ(r.exit_code, 0) << when << ": " << r.describe();
        std::vector<std::string> ids;
        auto j = json::parse(r.out);
        EXPECT_TRUE(j["problems"].empty()) << when << ": " << j["problems"].dump();
        for (const auto& b : j["backups"]) {
            ids.push_back(b["id"].get<std::string>());
            auto v = pgark({"verify", ids.back(), "-q"});
            EXPECT_EQ(v.exit_code, 0)
                << when << ": listed backup " << ids.back() << " does not verify: " << v.describe();
        }
        return ids;
    }

    // Prune with its clock two days ahead (past retention.incomplete_after) and a policy that keeps every
    // complete backup: what remains in the repository is exactly the complete backups and reports.
    void expect_prune_removes_every_leftover() {
        auto p = pgark(
            {"prune", "--keep-last", "1000", "--json"},
            {{"PGARK_TEST_NOW", format_iso8601(std::chrono::system_clock::now() + std::chrono::hours(48))}});
        EXPECT_EQ(p.exit_code, 0) << p.describe();
        auto ids = expect_listed_backups_verify("after prune");
        std::set<std::string> allowed = {"pgark.json"};
        for (const auto& id : ids) {
            auto bid = *BackupId::parse(id);
            allowed.insert(layout::archive_key(bid));
            allowed.insert(layout::manifest_key(bid));
        }
        for (const auto& o : repo_.open()->list("")) {
            if (o.key.rfind("drills/", 0) == 0) continue;  // drill reports are kept
            EXPECT_TRUE(allowed.count(o.key)) << "left behind: " << o.key;
        }
        if (GetParam() == Driver::s3) {
            EXPECT_TRUE(SwiftServer::shared().list_multipart_uploads(repo_.bucket).empty());
        }
    }

    std::vector<std::string> scratch_databases() const { return pg().scratch_databases(); }
    bool spool_parent_empty() const { return fs::is_empty(spool_parent_.path()); }

    static inline int counter_ = 0;
    std::string db_, target_;
    RepoLocation repo_;
    TempDir spool_parent_{"crash-spool"};
};

TEST_P(CrashTest, BackupKilledAnywhereLeavesOnlyBackupsThatVerify) {
    const std::vector<std::string> backup = {"backup", "-q"};
    auto points = crash_points(backup);
    int kills = 0;
    for (int k : kill_points(points)) {
        kills += run_killed_at(backup, k, static_cast<int>(points.size()));
        expect_listed_backups_verify("after a kill at point " + std::to_string(k) + " (" +
                                     points[static_cast<std::size_t>(k - 1)] + ")");
    }
    EXPECT_GE(kills, kMinPoints) << "too few runs were killed: the crash points did not fire";
    auto before = expect_listed_backups_verify("before the next backup").size();
    auto r = pgark({"backup", "-q"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(expect_listed_backups_verify("after the next backup").size(), before + 1);
    expect_prune_removes_every_leftover();
}

TEST_P(CrashTest, DrillKilledAnywhereIsCleanedUpByTheNext) {
    ASSERT_EQ(pgark({"backup", "-q"}).exit_code, 0);
    const std::vector<std::string> drill = {"drill", "-q"};
    auto points = crash_points(drill);
    int kills = 0;
    for (int k : kill_points(points)) {
        kills += run_killed_at(drill, k, static_cast<int>(points.size()));
        // A killed drill's pg_restore may still run; the sweep stops it and drops the database.
        auto s = pgark({"drill", "--sweep"});
        EXPECT_EQ(s.exit_code, 0) << s.describe();
        const auto left = scratch_databases();
        EXPECT_TRUE(left.empty()) << "point " << k << ": " << (left.empty() ? "" : left.front());
        EXPECT_TRUE(spool_parent_empty()) << "point " << k;
    }
    EXPECT_GE(kills, kMinPoints) << "too few runs were killed: the crash points did not fire";
    auto r = pgark({"drill", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(json::parse(r.out)["ok"].get<bool>());
    EXPECT_TRUE(scratch_databases().empty());
    expect_prune_removes_every_leftover();  // including the killed drills' locks
}

TEST_P(CrashTest, RestoreToNewKilledAnywhereIsReplacedByRunningItAgain) {
    ASSERT_EQ(pgark({"backup", "-q"}).exit_code, 0);
    const std::vector<std::string> restore = {"restore", "latest", "--to-new", target_, "-q"};
    auto points = crash_points(restore);
    pg().drop_database(target_);
    int kills = 0;
    for (int k : kill_points(points)) {
        kills +=
            run_killed_at(restore, k, static_cast<int>(points.size()), [&] { pg().drop_database(target_); });
        // The same command again finishes the job: it replaces what the killed run left.
        auto r = pgark({"restore", "latest", "--to-new", target_, "--level", "content", "--json"});
        ASSERT_EQ(r.exit_code, 0) << "point " << k << ": " << r.describe();
        EXPECT_TRUE(json::parse(r.out)["ok"].get<bool>()) << r.out;
        EXPECT_EQ(pg().psql("SELECT count(*) FROM sensor_readings", target_),
                  pg().psql("SELECT count(*) FROM sensor_readings", db_));
        EXPECT_TRUE(spool_parent_empty()) << "point " << k;
        pg().drop_database(target_);
    }
    EXPECT_GE(kills, kMinPoints) << "too few runs were killed: the crash points did not fire";
    // A database that was not left by a killed restore is never replaced.
    pg().create_database(target_);
    auto r = pgark({"restore", "latest", "--to-new", target_});
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_NE(r.err.find("already exists"), std::string::npos) << r.err;
    expect_prune_removes_every_leftover();
}

INSTANTIATE_TEST_SUITE_P(Drivers, CrashTest, ::testing::ValuesIn(all_drivers()), driver_name);

}  // namespace
