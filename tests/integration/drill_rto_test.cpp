// Only drills that restored measure the RTO (issue 16, defect 3): an archive-level drill restores
// nothing, so `status` and the metrics textfile must not show its download time as "restore took".
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/pg_cluster.h"
#include "support/pgark_cli.h"
#include "support/sample_db.h"
#include "support/storage_fixtures.h"
#include "util/temp.h"

using namespace pgark;
using namespace pgark::test;
using nlohmann::json;

namespace {

class DrillRto : public ::testing::Test {
  protected:
    void SetUp() override {
        PgCluster::shared().drop_database(db_);
        load_freshtrack(PgCluster::shared(), db_);
        repo_ = make_repo_location(Driver::posix, "drill_rto");
        ASSERT_EQ(pgark({"init"}).exit_code, 0);
    }
    void TearDown() override { PgCluster::shared().drop_database(db_); }
    CliResult pgark(std::vector<std::string> args) {
        args.insert(args.begin(), {"--repo", repo_.url});
        auto e = PgCluster::shared().client_env(db_);
        for (const auto& [k, v] : repo_.env) e[k] = v;
        e["TMPDIR"] = spool_parent_.path().string();
        return run_pgark(args, e);
    }
    std::string textfile() const {
        std::ifstream in(metrics_.path() / "pgark.prom");
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

    std::string db_ = "drill_rto_src";
    RepoLocation repo_;
    TempDir spool_parent_{"drill-rto-spool"};
    TempDir metrics_{"drill-rto-metrics"};
};

TEST_F(DrillRto, ArchiveLevelDrillIsNotTheMeasuredRestoreTime) {
    const auto prom = (metrics_.path() / "pgark.prom").string();
    ASSERT_EQ(pgark({"backup", "-q"}).exit_code, 0);
    auto r = pgark({"--metrics-textfile", prom, "drill", "--json", "-q", "--level", "archive"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(json::parse(r.out)["ok"].get<bool>());

    r = pgark({"status", "--json"});
    EXPECT_EQ(r.exit_code, 1) << "an archive drill measured no RTO: " << r.describe();
    auto db = json::parse(r.out)["databases"][0];
    EXPECT_TRUE(db["rto_seconds"].is_null()) << db.dump();
    EXPECT_FALSE(db["rto_ok"].get<bool>());
    EXPECT_TRUE(db["last_successful_drill"].is_null()) << db.dump();
    EXPECT_NE(db["problems"].dump().find("no successful drill"), std::string::npos) << db.dump();
    r = pgark({"status"});
    EXPECT_EQ(r.out.find("restore took"), std::string::npos) << r.out;
    EXPECT_EQ(textfile().find("pgark_drill_last_restore_seconds{"), std::string::npos) << textfile();

    // A drill that restored does count.
    r = pgark({"--metrics-textfile", prom, "drill", "--json", "-q", "--level", "schema"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    auto schema_drill = json::parse(r.out);
    r = pgark({"status", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    db = json::parse(r.out)["databases"][0];
    EXPECT_EQ(db["last_successful_drill"], schema_drill["id"]);
    EXPECT_NEAR(db["rto_seconds"].get<double>(), schema_drill["restore_seconds"].get<double>(), 1e-6);
    EXPECT_NE(textfile().find("pgark_drill_last_restore_seconds{"), std::string::npos) << textfile();

    // And a later archive drill does not replace it.
    ASSERT_EQ(pgark({"drill", "-q", "--level", "archive"}).exit_code, 0);
    r = pgark({"status", "--json"});
    db = json::parse(r.out)["databases"][0];
    EXPECT_EQ(db["last_successful_drill"], schema_drill["id"]);
}

}  // namespace
