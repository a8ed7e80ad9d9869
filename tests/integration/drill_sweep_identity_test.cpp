// `pgark drill --sweep` judges a scratch database by whether its drill still runs, not by whether the
// process that created it is alive (issue 16, defect 2): a daemon lives on after its drill finished or
// failed to clean up, and that drill's database must still be swept; a running drill's never is.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "pg/scratch_db.h"
#include "support/pg_cluster.h"
#include "support/pgark_cli.h"
#include "support/storage_fixtures.h"
#include "util/temp.h"

using namespace pgark;
using namespace pgark::test;

namespace {

class DrillSweepIdentity : public ::testing::Test {
  protected:
    void SetUp() override {
        repo_ = make_repo_location(Driver::posix, "sweep_identity" + std::to_string(counter_++));
        ASSERT_EQ(pgark({"init"}).exit_code, 0);
        ASSERT_TRUE(PgCluster::shared().scratch_databases().empty()) << "a previous test left one";
        server_ = parse_conninfo(PgCluster::shared().conninfo("postgres"));
        server_.password = PgCluster::shared().password();
    }
    void TearDown() override {
        for (const auto& s : PgCluster::shared().scratch_databases()) PgCluster::shared().drop_database(s);
    }
    CliResult pgark(std::vector<std::string> args) {
        args.insert(args.begin(), {"--repo", repo_.url});
        auto e = PgCluster::shared().client_env("postgres");
        for (const auto& [k, v] : repo_.env) e[k] = v;
        e["TMPDIR"] = spool_parent_.path().string();
        return run_pgark(args, e);
    }
    std::string name(const std::string& what) {
        return "pgark_drill_" + what + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++);
    }

    static inline int counter_ = 0;
    RepoLocation repo_;
    ConnParams server_;
    TempDir spool_parent_{"sweep-identity-spool"};
};

TEST_F(DrillSweepIdentity, SweepsAFinishedDrillsDatabaseWhileItsProcessLivesOn) {
    // This test process plays the daemon: a drill of it ended (its owner object is gone) but left its
    // scratch database, as a failed cleanup does; the process itself keeps running.
    auto leftover = name("finished");
    {
        ScratchDatabase db(server_, leftover, ScratchMark::for_this_process("finished-drill"), "");
        db.keep();
    }
    ASSERT_TRUE(PgCluster::shared().database_exists(leftover));
    auto r = pgark({"drill", "--sweep"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.out.find("Dropped 1"), std::string::npos) << r.out;
    EXPECT_FALSE(PgCluster::shared().database_exists(leftover)) << "a finished drill's database was kept";
}

TEST_F(DrillSweepIdentity, NeverSweepsARunningDrillsDatabaseNorAnUnmarkedOne) {
    auto running = name("running");
    ScratchDatabase db(server_, running, ScratchMark::for_this_process("running-drill"), "");
    auto unmarked = name("unmarked");
    PgCluster::shared().create_database(unmarked);
    auto r = pgark({"drill", "--sweep"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.out.find("No leftover"), std::string::npos) << r.out;
    EXPECT_TRUE(PgCluster::shared().database_exists(running));
    EXPECT_TRUE(PgCluster::shared().database_exists(unmarked));
    PgCluster::shared().drop_database(unmarked);
    db.drop();
    EXPECT_FALSE(PgCluster::shared().database_exists(running));
}

}  // namespace
