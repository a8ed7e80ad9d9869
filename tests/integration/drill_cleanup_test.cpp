// Drill cleanup as a CREATEDB non-superuser role while autovacuum works in the scratch database (issue
// 16, defect 1): every drill passes, its report is stored, and no scratch database is left. A cleanup
// that truly fails is reported beside the backup's verdict, and the leftover is swept later.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/pg_cluster.h"
#include "support/pgark_cli.h"
#include "support/proc_util.h"
#include "support/sample_db.h"
#include "support/storage_fixtures.h"
#include "util/temp.h"

using namespace pgark;
using namespace pgark::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kRole = "drill_cleaner";
constexpr const char* kRolePassword = "cleaner-pw-3";

class DrillCleanupTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto& pg = PgCluster::shared();
        pg.drop_database(db_);
        load_freshtrack(pg, db_);
        // Many dead rows in the source, and a table big enough that autovacuum wants to visit its
        // restored copy in the scratch database (inserts count towards autovacuum since PG 13).
        pg.psql(
            "CREATE TABLE churn (id int PRIMARY KEY, pad text);"
            "INSERT INTO churn SELECT g, repeat('x', 200) FROM generate_series(1, 150000) g;"
            "UPDATE churn SET pad = repeat('y', 200);",
            db_);
        pg.psql(std::string("DROP ROLE IF EXISTS ") + kRole + "; CREATE ROLE " + kRole +
                " LOGIN CREATEDB PASSWORD '" + kRolePassword + "'");
        // A worker starts within a second and, slowed down, is still in the scratch database when
        // the drill drops it.
        pg.psql(
            "ALTER SYSTEM SET autovacuum_naptime = '1s';"
            "ALTER SYSTEM SET autovacuum_vacuum_cost_delay = '20ms';"
            "ALTER SYSTEM SET autovacuum_vacuum_cost_limit = 20;"
            "SELECT pg_reload_conf()");
        repo_ = make_repo_location(Driver::posix, "drill_cleanup" + std::to_string(counter_++));
        ASSERT_EQ(pgark({"init"}).exit_code, 0);
        ASSERT_TRUE(pg.scratch_databases().empty()) << "a previous test left a scratch database";
    }
    void TearDown() override {
        auto& pg = PgCluster::shared();
        pg.psql(
            "ALTER SYSTEM RESET autovacuum_naptime;"
            "ALTER SYSTEM RESET autovacuum_vacuum_cost_delay;"
            "ALTER SYSTEM RESET autovacuum_vacuum_cost_limit;"
            "SELECT pg_reload_conf()");
        const auto left = pg.scratch_databases();
        EXPECT_TRUE(left.empty()) << "scratch database left behind: " << (left.empty() ? "" : left.front());
        for (const auto& s : left) pg.drop_database(s);
        pg.drop_database(db_);
        pg.psql(std::string("DROP ROLE IF EXISTS ") + kRole);
    }
    std::map<std::string, std::string> env(std::map<std::string, std::string> extra = {}) const {
        auto e = PgCluster::shared().client_env(db_);
        for (const auto& [k, v] : repo_.env) e[k] = v;
        e["TMPDIR"] = spool_parent_.path().string();
        for (const auto& [k, v] : extra) e[k] = v;
        return e;
    }
    CliResult pgark(std::vector<std::string> args, std::map<std::string, std::string> extra = {}) {
        args.insert(args.begin(), {"--repo", repo_.url});
        return run_pgark(args, env(extra));
    }
    std::string target() const {
        return "host=127.0.0.1 port=" + std::to_string(PgCluster::shared().port()) + " user=" + kRole +
               " dbname=postgres";
    }
    // The drill, as the non-superuser role, paused before its cleanup until `go` exists.
    std::unique_ptr<Child> start_drill(const fs::path& go, std::map<std::string, std::string> extra = {}) {
        extra["PGPASSWORD"] = kRolePassword;
        extra["PGARK_TEST_HOOKS"] = "1";
        extra["PGARK_TEST_BEFORE_CLEANUP_WAIT_FOR"] = go.string();
        return start_pgark({"--repo", repo_.url, "drill", "--json", "-q", "--target", target()}, env(extra));
    }
    // Autovacuum workers in pgark's scratch databases right now.
    static int autovacuum_workers_in_scratch() {
        return std::stoi(PgCluster::shared().psql(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' AND datname "
            "LIKE 'pgark\\_drill\\_%'"));
    }
    static bool wait_for_autovacuum(std::chrono::seconds timeout) {
        auto until = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < until) {
            if (autovacuum_workers_in_scratch() > 0) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return false;
    }

    static inline int counter_ = 0;
    std::string db_ = "drill_cleanup_src";
    RepoLocation repo_;
    TempDir spool_parent_{"drill-cleanup-spool"};
    TempDir hooks_{"drill-cleanup-hooks"};
};

TEST_F(DrillCleanupTest, NonSuperuserCleanupSurvivesAutovacuumInTheScratchDatabase) {
    ASSERT_EQ(pgark({"backup", "-q"}).exit_code, 0);
    int with_autovacuum = 0;
    for (int i = 0; i < 4; ++i) {
        auto go = hooks_.path() / ("go" + std::to_string(i));
        auto child = start_drill(go);
        ASSERT_TRUE(wait_for_file(go.string() + ".reached", std::chrono::seconds(120))) << "drill " << i;
        if (wait_for_autovacuum(std::chrono::seconds(30))) ++with_autovacuum;
        std::ofstream(go) << "go\n";
        auto r = wait_pgark(*child, std::chrono::seconds(180));
        EXPECT_EQ(r.exit_code, 0) << "drill " << i << ": " << r.describe();
        json j;
        ASSERT_NO_THROW(j = json::parse(r.out)) << r.describe();
        EXPECT_TRUE(j["ok"].get<bool>()) << j.dump(1).substr(0, 2000);
        EXPECT_TRUE(j.value("cleanup_ok", false)) << j.value("cleanup_error", "");
        EXPECT_FALSE(j["report_key"].get<std::string>().empty());
        EXPECT_TRUE(PgCluster::shared().scratch_databases().empty()) << "drill " << i;
    }
    std::cout << "[ figure ] drills whose cleanup met an autovacuum worker: " << with_autovacuum << " of 4\n";
    // The test means something only when autovacuum really was in the way.
    EXPECT_GT(with_autovacuum, 0);
}

TEST_F(DrillCleanupTest, CleanupThatTrulyFailsIsReportedApartFromTheVerdictAndSweptLater) {
    ASSERT_EQ(pgark({"backup", "-q"}).exit_code, 0);
    auto go = hooks_.path() / "go";
    // A short retry budget: a superuser's session that this role may not end keeps the database busy.
    auto child = start_drill(go, {{"PGARK_TEST_DROP_BUDGET_MS", "1500"}});
    ASSERT_TRUE(wait_for_file(go.string() + ".reached", std::chrono::seconds(120)));
    auto scratch = PgCluster::shared().scratch_databases();
    ASSERT_EQ(scratch.size(), 1u);
    auto holder = start_command(PgCluster::bin("psql"), {"-X", "-q", "-c", "SELECT pg_sleep(120)"},
                                PgCluster::shared().client_env(scratch[0]), ProcessSpec::Out::null);
    for (int i = 0; i < 100; ++i) {
        if (PgCluster::shared().psql("SELECT count(*) FROM pg_stat_activity WHERE datname = " +
                                     PgCluster::quote_literal(scratch[0]) + " AND query LIKE '%pg_sleep%'") ==
            "1")
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::ofstream(go) << "go\n";
    auto r = wait_pgark(*child, std::chrono::seconds(180));
    EXPECT_EQ(r.exit_code, 0) << r.describe();  // the backup is good; the leftover is not its fault
    json j;
    ASSERT_NO_THROW(j = json::parse(r.out)) << r.describe();
    EXPECT_TRUE(j["ok"].get<bool>()) << j.dump(1).substr(0, 2000);
    EXPECT_FALSE(j.value("cleanup_ok", true));
    EXPECT_NE(j.value("cleanup_error", "").find(scratch[0]), std::string::npos)
        << j.value("cleanup_error", "");
    EXPECT_FALSE(j["report_key"].get<std::string>().empty()) << "the report must be stored";
    EXPECT_NE(r.err.find("drill --sweep"), std::string::npos) << r.err;

    // Ending psql alone leaves its backend in pg_sleep (PostgreSQL notices a vanished client only when
    // it next writes), so the superuser ends the session the drill role could not.
    PgCluster::shared().psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = " +
                             PgCluster::quote_literal(scratch[0]));
    holder.reset();
    for (int i = 0; i < 100; ++i) {
        if (PgCluster::shared().psql("SELECT count(*) FROM pg_stat_activity WHERE datname = " +
                                     PgCluster::quote_literal(scratch[0])) == "0")
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    auto sweep = pgark({"drill", "--sweep", "--target", target()}, {{"PGPASSWORD", kRolePassword}});
    EXPECT_EQ(sweep.exit_code, 0) << sweep.describe();
    EXPECT_NE(sweep.out.find("Dropped 1"), std::string::npos) << sweep.out;
    EXPECT_TRUE(PgCluster::shared().scratch_databases().empty());
}

}  // namespace
