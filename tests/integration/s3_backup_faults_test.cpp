// pgark backups on S3 under failure, end to end through the CLI: transient faults injected by a proxy
// are absorbed and the backup verifies; permanent ones fail with exit 1, nothing listed and no
// multipart upload left; bad credentials, unreachable endpoints and missing buckets give clear errors.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/fault_proxy.h"
#include "support/pg_cluster.h"
#include "support/pgark_cli.h"
#include "support/sample_db.h"
#include "support/storage_fixtures.h"
#include "support/swift_server.h"
#include "util/temp.h"

using namespace pgark;
using namespace pgark::test;
using nlohmann::json;

namespace {

class S3BackupFaults : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        // Enough incompressible data for a multipart upload with 5 MiB parts.
        PgCluster::shared().drop_database(kDb);
        load_freshtrack(PgCluster::shared(), kDb);
        PgCluster::shared().psql(
            "CREATE TABLE blobs AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) "
            "AS junk "
            "FROM generate_series(1, 250000) g",
            kDb);
    }
    static void TearDownTestSuite() { PgCluster::shared().drop_database(kDb); }

    void SetUp() override {
        repo_ =
            make_repo_location(Driver::s3, ::testing::UnitTest::GetInstance()->current_test_info()->name());
        proxy_ = std::make_unique<FaultProxy>(SwiftServer::shared().port());
        cfg_path_ = (cfg_dir_.path() / "pgark.toml").string();
        std::ofstream(cfg_path_) << "[s3]\npart_size = \"5MiB\"\nparallel_parts = 2\nmax_retries = 4\n"
                                    "connect_timeout = \"2s\"\nlow_speed_time = \"3s\"\n";
        ASSERT_EQ(pgark({"init"}).exit_code, 0);
    }
    std::map<std::string, std::string> env(std::map<std::string, std::string> extra = {}) const {
        auto e = PgCluster::shared().client_env(kDb);
        for (const auto& [k, v] : repo_.env) e[k] = v;
        e["AWS_ENDPOINT_URL"] = proxy_->endpoint();
        for (const auto& [k, v] : extra) e[k] = v;
        return e;
    }
    CliResult pgark(std::vector<std::string> args, std::map<std::string, std::string> extra = {}) {
        args.insert(args.begin(), {"--config", cfg_path_, "--repo", repo_.url});
        return run_pgark(args, env(extra));
    }
    std::size_t listed() {
        auto r = pgark({"list", "--json"});
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        return json::parse(r.out)["backups"].size();
    }

    static constexpr const char* kDb = "s3faults_db";
    RepoLocation repo_;
    std::unique_ptr<FaultProxy> proxy_;
    TempDir cfg_dir_{"cfg"};
    std::string cfg_path_;
};

TEST_F(S3BackupFaults, TransientFaultsAreRetriedAndTheBackupVerifies) {
    proxy_->add(Fault::respond("partNumber=1", 503, "SlowDown"));
    proxy_->add(Fault::respond("partNumber=2", 500, "InternalError"));
    proxy_->add(Fault::drop_request("partNumber=3", 100000));
    proxy_->add(Fault::respond("manifest.json", 503, "ServiceUnavailable"));
    auto r = pgark({"backup", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_GE(proxy_->faults_applied(), 3);
    EXPECT_GT(json::parse(r.out)["archive"]["stored_bytes"].get<std::uint64_t>(),
              5ull << 20);  // really multipart
    auto v = pgark({"verify", "latest"});
    EXPECT_EQ(v.exit_code, 0) << v.describe();
    EXPECT_TRUE(SwiftServer::shared().list_multipart_uploads(repo_.bucket).empty());
}

TEST_F(S3BackupFaults, PersistentFailureFailsCleanly) {
    proxy_->add(Fault::respond("partNumber=2", 500, "InternalError", -1));
    auto r = pgark({"backup"});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find("500"), std::string::npos) << r.err;
    proxy_->clear();
    EXPECT_EQ(listed(), 0u);
    EXPECT_TRUE(SwiftServer::shared().list_multipart_uploads(repo_.bucket).empty());
    // No stray objects either: only the marker.
    auto objects = repo_.open()->list("");
    ASSERT_EQ(objects.size(), 1u) << objects.back().key;
    EXPECT_EQ(objects[0].key, "pgark.json");
}

TEST_F(S3BackupFaults, WrongSecretIsExitOneNamingTheProblem) {
    auto r = pgark({"list"}, {{"AWS_SECRET_ACCESS_KEY", "definitely-wrong-secret"}});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find("SignatureDoesNotMatch"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("secret"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("definitely-wrong-secret"), std::string::npos);
}

TEST_F(S3BackupFaults, UnreachableEndpointIsAClearErrorAfterBoundedRetries) {
    auto start = std::chrono::steady_clock::now();
    auto r = pgark({"list"}, {{"AWS_ENDPOINT_URL", "http://127.0.0.1:9"}});
    auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find("127.0.0.1:9"), std::string::npos) << r.err;
    EXPECT_LT(took, 120.0);
}

TEST_F(S3BackupFaults, MissingBucketIsAClearError) {
    auto r = run_pgark({"--config", cfg_path_, "--repo", "s3://no-such-bucket-here/x", "init"}, env());
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find("no-such-bucket-here"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("NoSuchBucket"), std::string::npos) << r.err;
}

}  // namespace
