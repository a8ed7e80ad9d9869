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

// `config show` is a complete check: schedules and their time zone are parsed (they used to fail only
// once the daemon started), and the drill's SQL checks are listed.
TEST(CliConfig, ShowValidatesSchedulesAndListsTheDrillChecks) {
    TempDir dir("cfg");
    auto file = write_config(dir, "[schedule]\nbackup = \"61 2 * * *\"\n");
    auto r = run_pgark({"--config", file, "config", "show"});
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_NE(r.err.find("schedule.backup"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("61"), std::string::npos) << r.err;

    file = write_config(dir, "[schedule]\ntimezone = \"Europe/Berlni\"\n");
    r = run_pgark({"--config", file, "config", "show"});
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_NE(r.err.find("schedule.timezone"), std::string::npos) << r.err;

    file =
        write_config(dir,
                     "[schedule]\nbackup = \"0 2 * * *\"\ntimezone = \"Europe/Berlin\"\n\n[[drill.checks]]\n"
                     "name = \"devices present\"\nsql = \"SELECT count(*) > 0 FROM devices\"\n");
    r = run_pgark({"--config", file, "config", "show", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    auto j = json::parse(r.out);
    auto check = setting(j, "drill.checks[0]");
    EXPECT_EQ(check["value"], "devices present: SELECT count(*) > 0 FROM devices (expect t)") << j.dump(1);
    EXPECT_NE(check["origin"].get<std::string>().find("pgark.toml:"), std::string::npos) << check.dump();
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

// Hostile values (issue 8) in the file, the environment and on the command line: exit 2 naming the key
// and the file line, variable or flag, before anything runs. The rest of the configuration is complete
// (a repository, a reachable database), so a value that slipped through would start the job and leave
// a backup, a drill report or a database behind.
TEST(CliConfig, HostileValuesExitTwoNamingTheirSourceBeforeAnythingRuns) {
    TempDir repo("hostile-cfg-repo");
    ASSERT_EQ(run_pgark({"init", "--repo", repo.path().string()}).exit_code, 0);
    TempDir dir("hostile-cfg");
    const auto db = "hostile_cfg";
    PgCluster::shared().drop_database(db);
    load_freshtrack(PgCluster::shared(), db);
    DropAtExit drop({db});
    const auto dbs_before =
        PgCluster::shared().psql("SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database");
    struct Case {
        std::string toml;  // written to pgark.toml and passed with --config when not empty
        std::map<std::string, std::string> env;
        std::vector<std::string> args;
        std::vector<std::string> expect;  // in stderr
    };
    const std::vector<Case> cases = {
        {"[backup]\ncompression_level = 1e100\n",
         {},
         {"backup"},
         {"pgark.toml:2", "'backup.compression_level'"}},
        {"[backup]\ncompression_level = -5\n",
         {},
         {"backup"},
         {"pgark.toml:2", "'backup.compression_level'", "out of range"}},
        {"[backup]\ncompression_level = 99999999999999999999\n",
         {},
         {"backup"},
         {"pgark.toml:2", "invalid TOML", "99999999999999999999"}},
        {"[backup]\nthreads = -1\n", {}, {"backup"}, {"pgark.toml:2", "'backup.threads'"}},
        {"[drill]\njobs = 0\n", {}, {"drill"}, {"pgark.toml:2", "'drill.jobs'"}},
        {"[drill]\njobs = 100000\n", {}, {"drill"}, {"pgark.toml:2", "'drill.jobs'"}},
        {"[objectives]\nrpo = \"-5m\"\n", {}, {"status"}, {"pgark.toml:2", "'objectives.rpo'"}},
        {"[objectives]\nrto = \"999999999999h\"\n", {}, {"drill"}, {"pgark.toml:2", "'objectives.rto'"}},
        {"[s3]\npart_size = 0\n", {}, {"backup"}, {"pgark.toml:2", "'s3.part_size'"}},
        {"[s3]\npart_size = \"1TiB\"\n", {}, {"backup"}, {"pgark.toml:2", "'s3.part_size'"}},
        {"[backup]\nthreads = 2\nthread = 3\n",
         {},
         {"backup"},
         {"pgark.toml:3", "'backup.thread'", "did you mean"}},
        {"",
         {{"PGARK_COMPRESSION_LEVEL", "99999999999999999999"}},
         {"backup"},
         {"environment variable PGARK_COMPRESSION_LEVEL", "'backup.compression_level'"}},
        {"",
         {{"PGARK_THREADS", "-1"}},
         {"backup"},
         {"environment variable PGARK_THREADS", "'backup.threads'"}},
        {"",
         {{"PGARK_DRILL_JOBS", "0"}},
         {"drill"},
         {"environment variable PGARK_DRILL_JOBS", "'drill.jobs'"}},
        {"",
         {{"PGARK_RESTORE_JOBS", "100000"}},
         {"restore", "latest", "--to-new", "hostile_cfg_new"},
         {"environment variable PGARK_RESTORE_JOBS", "'restore.jobs'"}},
        {"",
         {},
         {"backup", "--compression-level", "1e100"},
         {"flag --compression-level", "'backup.compression_level'"}},
        {"", {}, {"backup", "--threads=-1"}, {"flag --threads", "'backup.threads'"}},
        {"", {}, {"drill", "--jobs", "100000"}, {"flag --jobs", "'drill.jobs'"}},
        {"", {}, {"drill", "--jobs", "0"}, {"flag --jobs", "'drill.jobs'"}},
        {"",
         {},
         {"restore", "latest", "--to-new", "hostile_cfg_new", "--jobs", "0"},
         {"flag --jobs", "'restore.jobs'"}},
        {"", {}, {"prune", "--keep-last=-1"}, {"flag --keep-last", "'retention.keep_last'"}},
        {"",
         {},
         {"prune", "--keep-daily", "99999999999999999999"},
         {"flag --keep-daily", "'retention.keep_daily'"}},
        {"", {}, {"--port", "0", "backup"}, {"flag --port", "'database.port'"}},
    };
    // A backup to drill, restore and prune if a bad value were let through.
    auto env = PgCluster::shared().client_env(db);
    auto r = run_pgark({"--repo", repo.path().string(), "backup"}, env);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    auto files = [&] {
        std::vector<std::string> out;
        for (const auto& e : std::filesystem::recursive_directory_iterator(repo.path()))
            out.push_back(e.path().string());
        std::sort(out.begin(), out.end());
        return out;
    };
    const auto before = files();
    for (const auto& c : cases) {
        std::vector<std::string> args = {"--repo", repo.path().string()};
        if (!c.toml.empty()) {
            args.push_back("--config");
            args.push_back(write_config(dir, c.toml));
        }
        args.insert(args.end(), c.args.begin(), c.args.end());
        auto e = env;
        for (const auto& [k, v] : c.env) e[k] = v;
        r = run_pgark(args, e);
        const std::string what = c.toml + c.args.back();
        EXPECT_EQ(r.exit_code, 2) << what << ": " << r.describe();
        for (const auto& x : c.expect) EXPECT_NE(r.err.find(x), std::string::npos) << what << ": " << r.err;
    }
    EXPECT_EQ(files(), before) << "a refused command wrote into the repository";
    EXPECT_EQ(PgCluster::shared().psql("SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database"),
              dbs_before);
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
