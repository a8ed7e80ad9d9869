// Secrets never reach a child's command line (issue 8): every pg_dump and pg_restore pgark starts, for a
// backup, verify, drill, restore --to-new and a destructive restore with its safety backup, runs through
// a wrapper that records its argv; with a database password, an S3 repository's secret key and a
// webhook URL configured, none appears in any recorded command line. (Logs, reports, manifests and metrics:
// secrets_and_config_test.cpp.)
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/free_port.h"
#include "support/pg_cluster.h"
#include "support/pgark_cli.h"
#include "support/sample_db.h"
#include "support/storage_fixtures.h"
#include "util/temp.h"

using namespace pgark;
using namespace pgark::test;
namespace fs = std::filesystem;

namespace {

TEST(SecretsArgv, NoSecretOnTheCommandLineOfAnyChild) {
    auto& pg = PgCluster::shared();
    const std::string db = "secrets_argv", target = "secrets_argv_restored";
    pg.drop_database(db);
    pg.drop_database(target);
    DropAtExit drop({db, target});
    load_freshtrack(pg, db);
    TempDir dir("secrets-argv");
    const auto log = (dir.path() / "argv.log").string();

    // Wrappers that append their arguments to the log, then run the real tool.
    const auto bin = dir.path() / "bin";
    fs::create_directories(bin);
    for (const char* tool : {"pg_dump", "pg_restore"}) {
        auto script = bin / tool;
        std::ofstream(script) << "#!/bin/sh\nprintf '%s %s\\n' \"" << tool << "\" \"$*\" >> '" << log
                              << "'\nexec '" << PgCluster::bin(tool) << "' \"$@\"\n";
        ::chmod(script.c_str(), 0755);
    }

    // An S3 repository, so that the S3 secret key is in use while the children run.
    const auto loc = make_repo_location(Driver::s3, "secrets-argv");
    const std::string pw = pg.password();
    const std::string s3_secret = loc.env.at("AWS_SECRET_ACCESS_KEY");
    const std::string hook = "http://127.0.0.1:" + std::to_string(free_tcp_port()) + "/hooks/T0KEN-argv";
    auto env = pg.client_env(db);
    for (const auto& [k, v] : loc.env) env[k] = v;
    env["PGARK_WEBHOOK_URL"] = hook;
    env["PGARK_REPOSITORY"] = loc.url;
    env["PGARK_PG_BIN_DIR"] = bin.string();
    env["TMPDIR"] = dir.path().string();
    auto init = run_pgark({"init"}, env);
    EXPECT_EQ(init.exit_code, 0) << init.describe();

    std::vector<std::vector<std::string>> jobs = {
        {"backup"},
        {"verify", "latest"},
        {"drill"},
        {"restore", "latest", "--to-new", target},
        {"restore", "latest", "--mode", "clean", "--target-db", target, "--yes"},  // safety backup first
    };
    for (const auto& args : jobs) {
        auto r = run_pgark(args, env);
        EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.describe();
    }

    std::ifstream in(log);
    std::string line;
    int dumps = 0, restores = 0;
    while (std::getline(in, line)) {
        dumps += line.rfind("pg_dump ", 0) == 0 && line.find("--format=custom") != std::string::npos;
        restores += line.rfind("pg_restore ", 0) == 0 && line.find("--dbname") != std::string::npos;
        for (const auto& secret : {pw, s3_secret, hook, std::string("T0KEN-argv")})
            EXPECT_EQ(line.find(secret), std::string::npos) << "a secret on a command line: " << line;
    }
    EXPECT_GE(dumps, 2) << "the backup and the safety backup ran pg_dump through the wrapper";
    EXPECT_GE(restores, 2) << "the drill and the restores ran pg_restore through the wrapper";
}

}  // namespace
