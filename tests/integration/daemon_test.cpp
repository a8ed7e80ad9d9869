// `pgark daemon` against a real PostgreSQL 15 and a local repository: it serves /healthz and
// /metrics (checked with `promtool check metrics`), a cron firing runs a backup that changes the
// series, a bad configuration on SIGHUP is refused while the old one keeps running, SIGTERM stops
// it cleanly; a failing job posts a webhook message, and after a restart (counters carried in the
// textfile) its recovery posts another.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/free_port.h"
#include "support/pg_cluster.h"
#include "support/pgark_cli.h"
#include "support/sample_db.h"
#include "util/temp.h"

using namespace pgark;
using namespace pgark::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Collects the JSON bodies POSTed to it.
class WebhookReceiver {
  public:
    WebhookReceiver() : port_(free_tcp_port()) {
        server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(mu_);
            bodies_.push_back(json::parse(req.body));
            res.status = 204;
        });
        if (!server_.bind_to_port("127.0.0.1", port_))
            throw std::runtime_error("webhook receiver: bind failed");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
    }
    ~WebhookReceiver() {
        server_.stop();
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
    std::vector<json> bodies() {
        std::lock_guard lock(mu_);
        return bodies_;
    }

  private:
    int port_;
    httplib::Server server_;
    std::thread thread_;
    std::mutex mu_;
    std::vector<json> bodies_;
};

// A unix datagram socket standing in for systemd's notification socket (NOTIFY_SOCKET).
class NotifySocket {
  public:
    explicit NotifySocket(const fs::path& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
            throw std::runtime_error("notify socket: bind failed");
        timeval tv{30, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    ~NotifySocket() { ::close(fd_); }
    std::string receive() {
        char buf[4096];
        auto n = ::recv(fd_, buf, sizeof buf, 0);
        return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
    }
    std::string path() const { return path_.string(); }

  private:
    fs::path path_;
    int fd_ = -1;
};

class DaemonTest : public ::testing::Test {
  protected:
    static PgCluster& pg() { return PgCluster::shared(); }
    void SetUp() override {
        pg().drop_database(db_);
        load_freshtrack(pg(), db_);
        repo_ = (dir_.path() / "repo").string();
        textfile_ = dir_.path() / "pgark.prom";
        ASSERT_EQ(run_pgark({"--repo", repo_, "init"}, env()).exit_code, 0);
    }
    void TearDown() override { pg().drop_database(db_); }
    std::map<std::string, std::string> env(const std::string& db = "") const {
        auto e = pg().client_env(db.empty() ? db_ : db);
        e["PGARK_REPOSITORY"] = repo_;
        e["TMPDIR"] = dir_.path().string();
        return e;
    }
    // A config file with the given [schedule] backup expression; 0600 because it is ours.
    fs::path write_config(const std::string& backup_cron, int port, const std::string& name = "pgark.toml") {
        auto path = dir_.path() / name;
        std::ofstream(path) << "[schedule]\nbackup = \"" << backup_cron << "\"\ndrill = \"\"\nprune = \"\"\n"
                            << "timezone = \"Europe/Berlin\"\n[daemon]\nlisten = \"127.0.0.1:" << port
                            << "\"\n[metrics]\ntextfile = \"" << textfile_.string() << "\"\n";
        ::chmod(path.c_str(), 0600);
        return path;
    }
    static httplib::Result get(int port, const std::string& path) {
        httplib::Client c("127.0.0.1", port);
        c.set_connection_timeout(2);
        c.set_read_timeout(30);
        return c.Get(path);
    }
    static bool wait_healthy(int port, std::chrono::seconds timeout = std::chrono::seconds(30)) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            auto r = get(port, "/healthz");
            if (r && r->status == 200) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return false;
    }
    static void expect_promtool_accepts(const std::string& metrics) {
        auto r = run_command("promtool", {"check", "metrics"}, {}, metrics);
        EXPECT_EQ(r.exit_code, 0) << r.describe() << "\n" << metrics;
    }
    std::string series(const std::string& name, const std::string& extra_labels = "") const {
        return name + "{database=\"" + db_ + "\"" + extra_labels + "}";
    }

    TempDir dir_{"daemon"};
    std::string db_ = "daemon_db";
    std::string repo_;
    fs::path textfile_;
};

bool contains(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
}

TEST_F(DaemonTest, ServesMetricsRunsTheCronScheduleReloadsAndStops) {
    const int port = free_tcp_port();
    auto config = write_config("* * * * *", port);
    NotifySocket notify(dir_.path() / "notify.sock");
    auto e = env();
    e["NOTIFY_SOCKET"] = notify.path();
    // Start well clear of a minute boundary, so the first scrape happens before the first firing.
    while (std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()) % 60 > 30)
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto daemon = start_pgark({"--config", config.string(), "daemon"}, e, ProcessSpec::Out::null);
    EXPECT_TRUE(contains(notify.receive(), "READY=1"));
    ASSERT_TRUE(wait_healthy(port));

    auto health = get(port, "/healthz");
    ASSERT_TRUE(health);
    auto h = json::parse(health->body);
    EXPECT_EQ(h["status"], "ok");
    EXPECT_NE(h["jobs"]["backup"]["next_run"], "");
    EXPECT_EQ(h["jobs"]["drill"]["next_run"], "");  // not scheduled

    auto before = get(port, "/metrics");
    ASSERT_TRUE(before);
    EXPECT_EQ(before->status, 200);
    expect_promtool_accepts(before->body);
    EXPECT_TRUE(contains(before->body, series("pgark_objective_rpo_seconds") + " 86400")) << before->body;
    EXPECT_FALSE(contains(before->body, "pgark_backup_last_success_timestamp_seconds{")) << before->body;
    EXPECT_TRUE(
        contains(before->body, series("pgark_job_runs_total", ",result=\"success\",task=\"backup\"") + " 0"))
        << before->body;

    // The cron firing at the next minute runs a backup.
    std::string after;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
        auto r = get(port, "/metrics");
        if (r &&
            contains(r->body, series("pgark_job_runs_total", ",result=\"success\",task=\"backup\"") + " 1")) {
            after = r->body;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    ASSERT_FALSE(after.empty()) << "no scheduled backup within two minutes";
    expect_promtool_accepts(after);
    EXPECT_TRUE(contains(after, series("pgark_backup_last_success_timestamp_seconds"))) << after;
    EXPECT_TRUE(contains(after, series("pgark_backup_last_run_success") + " 1")) << after;
    EXPECT_TRUE(contains(after, series("pgark_backup_last_size_bytes") + " ") &&
                !contains(after, series("pgark_backup_last_size_bytes") + " 0\n"))
        << after;
    auto list = run_pgark({"list", "--json"}, env());
    EXPECT_EQ(json::parse(list.out)["backups"].size(), 1u) << list.describe();
    // The same metrics went to the textfile for node_exporter.
    std::ifstream tf(textfile_);
    std::string textfile((std::istreambuf_iterator<char>(tf)), {});
    EXPECT_TRUE(contains(textfile, series("pgark_backup_last_success_timestamp_seconds"))) << textfile;

    // A broken configuration on SIGHUP is refused; the daemon keeps serving with the old one.
    std::ofstream(config) << "[schedule]\nbackup = \"61 * * * *\"\n";
    ::kill(daemon->pid(), SIGHUP);
    EXPECT_TRUE(contains(notify.receive(), "RELOADING=1"));
    EXPECT_TRUE(contains(notify.receive(), "READY=1"));  // the reload was handled
    ASSERT_TRUE(wait_healthy(port));

    ::kill(daemon->pid(), SIGTERM);
    auto r = wait_pgark(*daemon, std::chrono::seconds(60));
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(contains(r.err, "keeping the previous one")) << r.err;
    EXPECT_TRUE(contains(r.err, "minute 61")) << r.err;
    EXPECT_TRUE(contains(r.err, "backup of " + db_ + " succeeded")) << r.err;
    EXPECT_TRUE(contains(r.err, "daemon: stopped")) << r.err;
}

TEST_F(DaemonTest, AFailedJobAndItsRecoveryPostWebhookMessagesAcrossARestart) {
    WebhookReceiver hook;
    const int port = free_tcp_port();
    auto config = write_config("0 2 * * *", port);
    auto e = env("no_such_database");
    e["PGARK_WEBHOOK_URL"] = hook.url();
    e["PGARK_TEST_HOOKS"] = "1";
    e["PGARK_TEST_DAEMON_START_JOBS"] = "backup";
    {
        auto daemon = start_pgark({"--config", config.string(), "daemon"}, e, ProcessSpec::Out::null);
        ASSERT_TRUE(wait_healthy(port));
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (hook.bodies().empty() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        auto m = get(port, "/metrics");
        ASSERT_TRUE(m);
        EXPECT_TRUE(contains(m->body, "pgark_backup_last_run_success{database=\"no_such_database\"} 0"))
            << m->body;
        EXPECT_TRUE(contains(m->body, "pgark_backup_failures_total{database=\"no_such_database\"} 1"))
            << m->body;
        // /healthz tells on-call that the last backup failed, and why.
        auto health = get(port, "/healthz");
        ASSERT_TRUE(health);
        auto h = json::parse(health->body);
        EXPECT_EQ(h["status"], "degraded") << h.dump();
        EXPECT_EQ(h["jobs"]["backup"]["last_outcome"], "failed") << h.dump();
        EXPECT_TRUE(contains(h.value("last_error", ""), "backup: ")) << h.dump();
        EXPECT_TRUE(contains(h["jobs"]["backup"].value("last_error", ""), "no_such_database")) << h.dump();
        ::kill(daemon->pid(), SIGTERM);
        EXPECT_EQ(wait_pgark(*daemon, std::chrono::seconds(60)).exit_code, 0);
    }
    auto bodies = hook.bodies();
    ASSERT_EQ(bodies.size(), 1u);
    EXPECT_EQ(bodies[0]["event"], "failure");
    EXPECT_EQ(bodies[0]["job"], "backup");
    EXPECT_EQ(bodies[0]["database"], "no_such_database");
    EXPECT_TRUE(contains(bodies[0]["message"].get<std::string>(), "no_such_database")) << bodies[0].dump();

    // The same database name now exists: the backup succeeds, and because the textfile remembers the
    // failure across the restart, a recovery message goes out.
    pg().psql("CREATE DATABASE no_such_database");
    {
        auto daemon = start_pgark({"--config", config.string(), "daemon"}, e, ProcessSpec::Out::null);
        ASSERT_TRUE(wait_healthy(port));
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (hook.bodies().size() < 2 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        ::kill(daemon->pid(), SIGTERM);
        auto r = wait_pgark(*daemon, std::chrono::seconds(60));
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        EXPECT_TRUE(contains(r.err, "recovery message")) << r.err;
        EXPECT_FALSE(contains(r.err, hook.url())) << "the webhook URL is a secret: " << r.err;
    }
    pg().drop_database("no_such_database");
    std::ifstream tf(textfile_);
    std::string textfile((std::istreambuf_iterator<char>(tf)), {});
    EXPECT_FALSE(contains(textfile, "127.0.0.1:")) << textfile;
    bodies = hook.bodies();
    ASSERT_EQ(bodies.size(), 2u);
    EXPECT_EQ(bodies[1]["event"], "recovery");
    EXPECT_TRUE(bodies[1]["ok"].get<bool>());
}

TEST_F(DaemonTest, TellsSystemdItIsReadyAndCancelsARunningJobWithCleanupOnSigterm) {
    NotifySocket notify(dir_.path() / "notify.sock");
    const int port = free_tcp_port();
    auto config = write_config("0 2 * * *", port);
    WebhookReceiver hook;
    std::ofstream(config, std::ios::app) << "[notify]\nwebhook_url = \"" << hook.url() << "\"\n";
    ASSERT_EQ(run_pgark({"backup", "-q"}, env()).exit_code, 0);
    const auto go = dir_.path() / "go";  // never created: the drill waits until it is cancelled
    auto e = env();
    e["NOTIFY_SOCKET"] = notify.path();
    e["PGARK_TEST_HOOKS"] = "1";
    e["PGARK_TEST_DAEMON_START_JOBS"] = "drill";
    e["PGARK_TEST_AFTER_LOCK_WAIT_FOR"] = go.string();
    auto daemon = start_pgark({"--config", config.string(), "daemon"}, e, ProcessSpec::Out::null);
    EXPECT_TRUE(contains(notify.receive(), "READY=1"));
    ASSERT_TRUE(wait_healthy(port));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!fs::exists(go.string() + ".reached") && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_TRUE(fs::exists(go.string() + ".reached")) << "the drill never started";
    auto health_r = get(port, "/healthz");
    ASSERT_TRUE(health_r);
    auto health = json::parse(health_r->body);
    EXPECT_TRUE(health["jobs"]["drill"]["running"].get<bool>()) << health.dump();
    auto m = get(port, "/metrics");
    ASSERT_TRUE(m);
    EXPECT_TRUE(contains(m->body, series("pgark_job_running", ",task=\"drill\"") + " 1")) << m->body;

    ::kill(daemon->pid(), SIGTERM);
    auto r = wait_pgark(*daemon, std::chrono::seconds(60));
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    // A planned stop is not a failure: the run is "cancelled", no failure webhook goes out, and the
    // metrics count it apart.
    EXPECT_TRUE(contains(r.err, "drill of " + db_ + " cancelled")) << r.err;
    EXPECT_FALSE(contains(r.err, "drill of " + db_ + " failed")) << r.err;
    EXPECT_TRUE(hook.bodies().empty()) << hook.bodies().front().dump();
    std::ifstream tf(textfile_);
    std::string textfile((std::istreambuf_iterator<char>(tf)), {});
    EXPECT_TRUE(
        contains(textfile, series("pgark_job_runs_total", ",result=\"cancelled\",task=\"drill\"") + " 1"))
        << textfile;
    EXPECT_TRUE(
        contains(textfile, series("pgark_job_runs_total", ",result=\"failure\",task=\"drill\"") + " 0"))
        << textfile;
    EXPECT_TRUE(contains(notify.receive(), "STOPPING=1"));
    // The cancelled drill cleaned up: no lock left, no scratch database.
    std::size_t lock_files = 0;
    if (fs::exists(fs::path(repo_) / "locks"))
        for (const auto& f : fs::recursive_directory_iterator(fs::path(repo_) / "locks"))
            lock_files += f.is_regular_file() ? 1 : 0;
    EXPECT_EQ(lock_files, 0u);
    EXPECT_EQ(pg().psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'pgark_drill_" + db_ + "%'"),
              "0");
}

// Two daemons must not both schedule a database: on the same address the port refuses the second
// (cpp-httplib's SO_REUSEPORT would let both bind), and on another address, or another host, the
// daemon lock in the repository does. The first one keeps running, and its lock goes when it stops.
TEST_F(DaemonTest, ASecondDaemonIsRefusedByThePortAndByTheDaemonLock) {
    const int port = free_tcp_port(), other_port = free_tcp_port();
    auto config = write_config("0 2 * * *", port);
    auto first = start_pgark({"--config", config.string(), "daemon"}, env(), ProcessSpec::Out::null);
    ASSERT_TRUE(wait_healthy(port));

    // Same address, another repository: the port refuses.
    TempDir other("daemon-other");
    ASSERT_EQ(run_pgark({"--repo", (other.path() / "repo").string(), "init"}, env()).exit_code, 0);
    auto e = env();
    e["PGARK_REPOSITORY"] = (other.path() / "repo").string();
    auto same_port = run_pgark({"--config", config.string(), "daemon"}, e);
    EXPECT_EQ(same_port.exit_code, 1) << same_port.describe();
    EXPECT_TRUE(contains(same_port.err, "cannot listen on 127.0.0.1:" + std::to_string(port)))
        << same_port.err;

    // Same repository and database, another address: the daemon lock refuses.
    auto other_config = write_config("0 2 * * *", other_port, "other.toml");
    auto same_db = run_pgark({"--config", other_config.string(), "daemon"}, env());
    EXPECT_EQ(same_db.exit_code, 1) << same_db.describe();
    EXPECT_TRUE(contains(same_db.err, "database " + db_ + " is already scheduled by")) << same_db.err;
    EXPECT_FALSE(get(other_port, "/healthz")) << "the refused daemon served anyway";

    ASSERT_TRUE(wait_healthy(port)) << "the first daemon stopped";
    ::kill(first->pid(), SIGTERM);
    auto r = wait_pgark(*first, std::chrono::seconds(60));
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    std::size_t locks = 0;
    if (fs::exists(fs::path(repo_) / "daemons"))
        for (const auto& f : fs::recursive_directory_iterator(fs::path(repo_) / "daemons"))
            locks += f.is_regular_file() ? 1 : 0;
    EXPECT_EQ(locks, 0u) << "the stopped daemon left its lock";

    // Once it is gone, a daemon on the other address may schedule the database.
    auto next = start_pgark({"--config", other_config.string(), "daemon"}, env(), ProcessSpec::Out::null);
    EXPECT_TRUE(wait_healthy(other_port));
    ::kill(next->pid(), SIGTERM);
    EXPECT_EQ(wait_pgark(*next, std::chrono::seconds(60)).exit_code, 0);
}

TEST_F(DaemonTest, OneShotJobsWriteTheTextfileAndCarryTheCounters) {
    auto e = env();
    e["PGARK_METRICS_TEXTFILE"] = textfile_.string();
    ASSERT_EQ(run_pgark({"backup", "-q"}, e).exit_code, 0);
    auto bad = e;
    bad["PGHOST"] = "127.0.0.1";
    bad["PGPORT"] = std::to_string(free_tcp_port());  // nothing listens there
    EXPECT_EQ(run_pgark({"backup", "-q"}, bad).exit_code, 1);
    std::ifstream tf(textfile_);
    std::string text((std::istreambuf_iterator<char>(tf)), {});
    expect_promtool_accepts(text);
    EXPECT_TRUE(contains(text, series("pgark_backup_last_run_success") + " 0")) << text;
    EXPECT_TRUE(contains(text, series("pgark_backup_failures_total") + " 1")) << text;
    EXPECT_TRUE(contains(text, series("pgark_job_runs_total", ",result=\"success\",task=\"backup\"") + " 1"))
        << text;
    // The backup series come from the repository, which still holds the first backup.
    EXPECT_TRUE(contains(text, series("pgark_backup_last_success_timestamp_seconds"))) << text;
}

}  // namespace
