// The CLI's configuration behaviour (precedence, origins, exit 2 naming the bad key) and the rule that
// secrets never reach argv of child processes, logs, or `config show`.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/free_port.h"
#include "support/pg_cluster.h"
#include "support/pgark_cli.h"
#include "support/proc_util.h"
#include "support/sample_db.h"
#include "util/temp.h"

using namespace pgark;
using namespace pgark::test;
using nlohmann::json;

namespace {

std::string write_config(const TempDir& dir, const std::string& text, mode_t mode = 0600) {
    auto path = (dir.path() / "pgark.toml").string();
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
}

json setting(const json& show, const std::string& key) {
    for (const auto& s : show["settings"])
        if (s["key"] == key) return s;
    return json();
}

TEST(CliConfig, PrecedenceFlagsOverEnvOverFile) {
    TempDir dir("cfg");
    auto file = write_config(dir,
                             "[database]\nhost = \"filehost\"\nport = 6001\nuser = "
                             "\"fileuser\"\n[backup]\ncompression_level = 7\n");
    auto r = run_pgark({"--config", file, "--host", "flaghost", "config", "show", "--json"},
                       {{"PGHOST", "envhost"}, {"PGPORT", "6002"}});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    auto j = json::parse(r.out);
    EXPECT_EQ(setting(j, "database.host")["value"], "flaghost");
    EXPECT_EQ(setting(j, "database.host")["origin"], "flag --host");
    EXPECT_EQ(setting(j, "database.port")["value"], "6002");
    EXPECT_EQ(setting(j, "database.port")["origin"], "env PGPORT");
    EXPECT_EQ(setting(j, "database.user")["value"], "fileuser");
    EXPECT_EQ(setting(j, "database.user")["origin"], "file " + file + ":4");
    EXPECT_EQ(setting(j, "backup.compression_level")["value"], "7");
    EXPECT_EQ(setting(j, "objectives.rpo")["origin"], "default");
    EXPECT_EQ(j["file"], file);
}

TEST(CliConfig, BadKeyOrValueExitsTwoNamingIt) {
    TempDir dir("cfg");
    auto file = write_config(dir, "[database]\nhost = \"x\"\n\n[backup]\ncompresion_level = 3\n");
    auto r = run_pgark({"--config", file, "config", "show"});
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_NE(r.err.find("pgark.toml:5"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("backup.compresion_level"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("did you mean 'backup.compression_level'"), std::string::npos) << r.err;

    file = write_config(dir, "[s3]\npart_size = \"lots\"\n");
    r = run_pgark({"--config", file, "config", "show"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("s3.part_size"), std::string::npos) << r.err;

    r = run_pgark({"config", "show"}, {{"PGPORT", "70000"}});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("PGPORT"), std::string::npos) << r.err;

    r = run_pgark({"--threads", "x", "backup"});
    EXPECT_EQ(r.exit_code, 2);
    r = run_pgark({"frobnicate"});
    EXPECT_EQ(r.exit_code, 2);
    r = run_pgark({"--config", "/nonexistent.toml", "list"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("does not exist"), std::string::npos);
}

TEST(CliConfig, MissingRepositoryOrDatabaseIsAUsageError) {
    auto r = run_pgark({"list"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--repo"), std::string::npos) << r.err;
    TempDir dir("repo");
    ASSERT_EQ(run_pgark({"init", "--repo", dir.path().string()}).exit_code, 0);
    r = run_pgark({"backup", "--repo", dir.path().string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("PGDATABASE"), std::string::npos) << r.err;
}

TEST(CliConfig, WarnsAboutWorldReadableConfigWithSecrets) {
    TempDir dir("cfg");
    auto file = write_config(dir, "[database]\npassword = \"very-secret-pw-123\"\n", 0644);
    auto r = run_pgark({"--config", file, "config", "show"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.err.find("chmod 600"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("very-secret-pw-123"), std::string::npos);
    EXPECT_EQ(r.err.find("very-secret-pw-123"), std::string::npos);
}

class Secrets : public ::testing::Test {
  protected:
    void SetUp() override {
        PgCluster::shared().drop_database(db_);
        load_freshtrack(PgCluster::shared(), db_);
        ASSERT_EQ(run_pgark({"init", "--repo", repo_.path().string()}).exit_code, 0);
    }
    void TearDown() override { PgCluster::shared().drop_database(db_); }
    std::string db_ = "secrets_db";
    TempDir repo_{"secrets-repo"};
};

TEST_F(Secrets, PasswordNeverInArgvLogsOrConfigShow) {
    const std::string pw = PgCluster::shared().password();
    ASSERT_GE(pw.size(), 8u);
    auto env = PgCluster::shared().client_env(db_);

    // Hold pg_dump on a lock so its command line can be read while it runs.
    auto lock = start_command(
        PgCluster::bin("psql"),
        {"-X", "-q", "-c", "BEGIN; LOCK TABLE devices IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(2); COMMIT;"},
        env, ProcessSpec::Out::null);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    auto child = start_pgark({"--repo", repo_.path().string(), "-v", "backup"}, env);
    ASSERT_GT(wait_for_descendant(child->pid(), "pg_dump", std::chrono::seconds(20), "--format=custom"), 0);
    auto cmdlines = descendant_cmdlines(child->pid());
    ASSERT_GE(cmdlines.size(), 2u);  // pgark and pg_dump at least
    for (const auto& c : cmdlines) EXPECT_EQ(c.find(pw), std::string::npos) << c;
    auto r = wait_pgark(*child);
    lock->wait();
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.err.find(pw), std::string::npos);
    EXPECT_EQ(r.out.find(pw), std::string::npos);
    EXPECT_NE(r.err.find("debug"), std::string::npos);  // -v really logged

    auto show = run_pgark({"config", "show"}, env);
    EXPECT_EQ(show.out.find(pw), std::string::npos);
    EXPECT_NE(show.out.find("********"), std::string::npos);

    // A password inside a URI given as dbname is a secret too.
    std::string uri = "postgresql://postgres:" + pw +
                      "@127.0.0.1:" + std::to_string(PgCluster::shared().port()) + "/" + db_;
    r = run_pgark({"--repo", repo_.path().string(), "-v", "backup", "-d", uri});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    // The flag's own value is on pgark's argv (that is the operator's choice); nothing else may echo it.
    EXPECT_EQ(r.err.find(pw), std::string::npos);
    show = run_pgark({"config", "show", "-d", uri});
    EXPECT_EQ(show.out.find(pw), std::string::npos) << show.out;

    // Nothing in the repository holds it either.
    for (const auto& e : std::filesystem::recursive_directory_iterator(repo_.path())) {
        if (!e.is_regular_file() || e.path().extension() != ".json") continue;
        std::ifstream f(e.path());
        std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        EXPECT_EQ(text.find(pw), std::string::npos) << e.path();
    }
}

// Every output of every job, with every kind of secret configured: the database password, an S3 secret
// key and a webhook URL (whose delivery fails, so its error path is exercised too).
TEST_F(Secrets, NoSecretInAnyJobsOutputReportsOrMetrics) {
    const std::string pw = PgCluster::shared().password();
    const std::string s3_secret = "S3cretKeyThatMustNeverShow0123456789";
    const std::string hook =
        "http://127.0.0.1:" + std::to_string(free_tcp_port()) + "/hooks/T0KEN-never-shown";
    TempDir dir("secrets-metrics");
    const auto textfile = (dir.path() / "pgark.prom").string();
    auto env = PgCluster::shared().client_env(db_);
    env["AWS_SECRET_ACCESS_KEY"] = s3_secret;
    env["PGARK_WEBHOOK_URL"] = hook;
    env["PGARK_METRICS_TEXTFILE"] = textfile;
    env["PGARK_REPOSITORY"] = repo_.path().string();
    env["TMPDIR"] = dir.path().string();
    auto bad = env;
    bad["PGPORT"] = std::to_string(free_tcp_port());  // a backup that fails: its message and webhook path

    std::vector<CliResult> runs;
    runs.push_back(run_pgark({"-v", "backup", "--json"}, env));
    runs.push_back(run_pgark({"-v", "backup"}, bad));
    runs.push_back(run_pgark({"-v", "drill", "--json"}, env));
    runs.push_back(run_pgark({"-v", "prune", "--dry-run", "--json"}, env));
    runs.push_back(run_pgark({"-v", "status", "--json"}, env));
    runs.push_back(run_pgark({"-v", "config", "show", "--json"}, env));
    EXPECT_EQ(runs[0].exit_code, 0) << runs[0].describe();
    EXPECT_EQ(runs[1].exit_code, 1) << runs[1].describe();
    EXPECT_EQ(runs[2].exit_code, 0) << runs[2].describe();
    EXPECT_NE(runs[1].err.find("webhook"), std::string::npos)
        << "the failure tried the webhook: " << runs[1].err;

    std::vector<std::pair<std::string, std::string>> texts;
    for (std::size_t i = 0; i < runs.size(); ++i)
        texts.emplace_back("run " + std::to_string(i), runs[i].out + runs[i].err);
    for (const auto& e : std::filesystem::recursive_directory_iterator(repo_.path())) {
        if (!e.is_regular_file()) continue;
        if (e.path().extension() != ".json") continue;
        std::ifstream f(e.path());
        texts.emplace_back(e.path().string(), std::string((std::istreambuf_iterator<char>(f)), {}));
    }
    std::ifstream tf(textfile);
    texts.emplace_back(textfile, std::string((std::istreambuf_iterator<char>(tf)), {}));
    ASSERT_NE(texts.back().second.find("pgark_backup_failures_total"), std::string::npos)
        << "metrics were written";
    for (const auto& [where, text] : texts)
        for (const auto& secret : {pw, s3_secret, hook, std::string("T0KEN-never-shown")})
            EXPECT_EQ(text.find(secret), std::string::npos) << "a secret in " << where << ":\n" << text;
}

}  // namespace
