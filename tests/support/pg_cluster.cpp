// PostgreSQL clusters for integration tests. Cleanup has three layers, because a leaked postmaster
// keeps a port, shared memory and a temp dir alive on CI machines:
//  1. the owner (destructor, or atexit for the shared cluster) stops the server and removes the dir;
//  2. SIGINT/SIGTERM handlers wake the watchdogs, wait until they are done, then re-raise;
//  3. a watchdog shell in its own session reads a pipe whose write end only this process holds; the
//     kernel closes it however the process ends (SIGKILL included), and the watchdog then stops the
//     server with -m immediate and removes the directory.
#include "support/pg_cluster.h"

#include <gtest/gtest.h>

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "support/free_port.h"
#include "support/pgark_cli.h"
#include "util/process.h"
#include "util/temp.h"

namespace pgark::test {

namespace {

constexpr int kMaxClusters = 16;
constexpr int kMaxGroups = 64;
constexpr int kStartAttempts = 5;

// Signal-handler registry: plain arrays of atomics, because the handler may only use
// async-signal-safe operations (close, stat, nanosleep, kill).
struct Slot {
    std::atomic<int> fd{-1};      // write end of the watchdog's pipe
    std::atomic<pid_t> owner{0};  // a fork()ed copy of the process (death tests) must not clean up
    char base[512] = {};          // directory the watchdog removes when done
};
Slot g_slots[kMaxClusters];
std::atomic<pid_t> g_groups[kMaxGroups];
std::atomic<pid_t> g_groups_owner{0};
std::once_flag g_handlers_once;

void on_termination_signal(int signo) {
    const pid_t self = ::getpid();
    for (auto& g : g_groups) {
        if (g_groups_owner.load() != self) break;
        pid_t p = g.exchange(0);
        if (p > 0) ::kill(-p, SIGKILL);
    }
    bool waiting[kMaxClusters] = {};
    for (int i = 0; i < kMaxClusters; ++i) {
        if (g_slots[i].owner.load() != self) continue;
        int fd = g_slots[i].fd.exchange(-1);
        if (fd >= 0) {
            ::close(fd);
            waiting[i] = true;
        }
    }
    // Up to 20 s for the watchdogs: pg_ctl stop -m immediate normally takes well under a second.
    for (int tick = 0; tick < 400; ++tick) {
        bool any = false;
        for (int i = 0; i < kMaxClusters; ++i) {
            struct stat st {};
            if (waiting[i] && ::stat(g_slots[i].base, &st) == 0) any = true;
        }
        if (!any) break;
        timespec ts{0, 50'000'000};
        ::nanosleep(&ts, nullptr);
    }
    ::signal(signo, SIG_DFL);
    ::raise(signo);  // delivered when the handler returns: the process ends "killed by signal" as usual
}

void install_handlers() {
    std::call_once(g_handlers_once, [] {
        struct sigaction sa {};
        sa.sa_handler = on_termination_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, nullptr);
        sigaction(SIGTERM, &sa, nullptr);
    });
}

int register_slot(const std::string& base, int fd) {
    if (base.size() >= sizeof(Slot::base)) return -1;
    for (int i = 0; i < kMaxClusters; ++i) {
        int expected = -1;
        if (g_slots[i].fd.load() != -1) continue;
        std::memcpy(g_slots[i].base, base.c_str(), base.size() + 1);
        g_slots[i].owner.store(::getpid());
        if (g_slots[i].fd.compare_exchange_strong(expected, fd)) return i;
    }
    return -1;  // only the watchdog then; still cleaned up, just not synchronously on a signal
}

bool is_root() {
    return ::geteuid() == 0;
}

struct passwd* postgres_account() {
    struct passwd* pw = ::getpwnam("postgres");
    if (!pw)
        throw std::runtime_error(
            "running as root, but there is no 'postgres' user to run the test cluster as (PostgreSQL refuses "
            "to run as root); install postgresql-15 or run the tests as an ordinary user");
    return pw;
}

void chown_to_postgres(const std::string& path) {
    if (!is_root()) return;
    struct passwd* pw = postgres_account();
    if (::chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0)
        throw std::runtime_error("cannot chown " + path + " to postgres: " + std::strerror(errno));
}

std::string runuser_path() {
    return ::access("/usr/sbin/runuser", X_OK) == 0 ? "/usr/sbin/runuser" : "runuser";
}

// Where the cluster's directory goes: $TMPDIR unless the postgres user could not reach it (as root,
// e.g. TMPDIR under /root) or the unix socket path would get too long (108 bytes).
std::filesystem::path temp_parent() {
    std::filesystem::path parent = default_temp_parent();
    if (parent.string().size() > 60) return "/tmp";
    if (is_root()) {
        for (auto p = std::filesystem::absolute(parent); !p.empty(); p = p.parent_path()) {
            struct stat st {};
            if (::stat(p.c_str(), &st) != 0 || (st.st_mode & S_IXOTH) == 0) return "/tmp";
            if (p == p.root_path()) break;
        }
    }
    return parent;
}

std::string random_password() {
    static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    std::random_device rd;
    std::uniform_int_distribution<std::size_t> pick(0, sizeof alphabet - 2);
    std::string s;
    for (int i = 0; i < 32; ++i) s += alphabet[pick(rd)];
    return s;
}

std::string sh_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string trim(std::string s) {
    const char* ws = " \t\r\n";
    s.erase(s.find_last_not_of(ws) + 1);
    s.erase(0, s.find_first_not_of(ws));
    return s;
}

std::string tail(const std::string& s, std::size_t n = 4000) {
    return s.size() > n ? s.substr(s.size() - n) : s;
}

std::string read_file_from(const std::string& path, std::streamoff offset) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return "";
    f.seekg(offset);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::streamoff file_size(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<std::streamoff>(st.st_size) : 0;
}

void append_file(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::app);
    f << text;
    if (!f.flush()) throw std::runtime_error("cannot write " + path);
}

// Runs a server-side tool (initdb, pg_ctl) as the postgres user when root. The working directory is
// the cluster's own directory: PostgreSQL tools fail when they cannot read the current directory,
// which is the case for postgres in /root.
CliResult server_cmd(const std::string& base, const std::string& tool, const std::vector<std::string>& args,
                     std::chrono::seconds timeout = std::chrono::seconds(120)) {
    ProcessSpec spec;
    if (is_root()) {
        spec.program = runuser_path();
        spec.args = {"-u", "postgres", "--", PgCluster::bin(tool)};
        spec.args.insert(spec.args.end(), args.begin(), args.end());
    } else {
        spec.program = PgCluster::bin(tool);
        spec.args = args;
    }
    spec.cwd = base;
    spec.env_set["LC_ALL"] = "C";
    return run_hermetic(spec, std::nullopt, timeout);
}

PgCluster* g_shared = nullptr;
pid_t g_shared_owner = 0;

}  // namespace

void track_process_group(pid_t pgid) {
    g_groups_owner.store(::getpid());
    for (auto& g : g_groups) {
        pid_t expected = 0;
        if (g.compare_exchange_strong(expected, pgid)) return;
    }
}

void untrack_process_group(pid_t pgid) {
    for (auto& g : g_groups) {
        pid_t expected = pgid;
        if (g.compare_exchange_strong(expected, 0)) return;
    }
}

void shutdown_shared_cluster() {
    // exit() in a fork()ed child (an EXPECT_EXIT death test) runs this too: only the creator stops it.
    if (g_shared && ::getpid() == g_shared_owner) g_shared->shutdown();
}

PgCluster& PgCluster::shared() {
    static std::mutex mu;
    static std::exception_ptr failed;
    std::lock_guard lock(mu);
    if (g_shared) return *g_shared;
    // A failed start is not retried by every later test: that would only multiply the wait.
    if (failed) std::rethrow_exception(failed);
    try {
        g_shared = new PgCluster();  // never deleted: atexit stops it, the memory goes with the process
    } catch (...) {
        failed = std::current_exception();
        throw;
    }
    g_shared_owner = ::getpid();
    std::atexit(shutdown_shared_cluster);
    return *g_shared;
}

PgCluster::PgCluster() {
    install_handlers();
    try {
        init();
    } catch (...) {
        shutdown();
        throw;
    }
}

PgCluster::~PgCluster() {
    shutdown();
}

std::string PgCluster::base_dir() const {
    return dir_ ? dir_->path().string() : "";
}
std::string PgCluster::socket_dir() const {
    return base_dir() + "/sock";
}
std::string PgCluster::data_dir() const {
    return base_dir() + "/data";
}
std::string PgCluster::log_file() const {
    return base_dir() + "/postgres.log";
}

std::string PgCluster::bin_dir() {
    const char* d = std::getenv("PGARK_TEST_PG_BINDIR");
    return (d && *d) ? d : "/usr/lib/postgresql/15/bin";
}

void PgCluster::init() {
    if (::access(bin("initdb").c_str(), X_OK) != 0)
        throw std::runtime_error("PostgreSQL 15 server binaries not found in " + bin_dir() +
                                 "; install postgresql-15 (or set PGARK_TEST_PG_BINDIR)");
    if (is_root()) postgres_account();
    dir_ = std::make_unique<TempDir>("pgark-pg", temp_parent());
    const std::string base = base_dir();
    chown_to_postgres(base);
    spawn_watchdog();  // before anything can leak

    std::filesystem::create_directory(socket_dir());
    std::filesystem::permissions(socket_dir(), std::filesystem::perms::owner_all);
    chown_to_postgres(socket_dir());

    password_ = random_password();
    const std::string pwfile = base + "/pwfile";
    write_private_file(pwfile, password_ + "\n");
    chown_to_postgres(pwfile);
    CliResult r = server_cmd(
        base, "initdb",
        {"-D", data_dir(), "-U", superuser_, "--pwfile=" + pwfile, "--auth-local=trust",
         "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"});
    std::filesystem::remove(pwfile);
    if (r.exit_code != 0) throw std::runtime_error("initdb failed: " + r.describe());

    // Durability settings are off: a test cluster that loses data on a crash is simply thrown away,
    // and fsync costs seconds per test on CI disks.
    append_file(data_dir() + "/postgresql.conf",
                "\n# pgark test harness\n"
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = '" +
                    socket_dir() +
                    "'\n"
                    "fsync = off\n"
                    "synchronous_commit = off\n"
                    "full_page_writes = off\n"
                    "shared_buffers = 64MB\n"
                    "include 'pgark_port.conf'\n");
    start();
}

void PgCluster::spawn_watchdog() {
    const std::string runas = is_root() ? runuser_path() + " -u postgres -- " : "";
    const std::string data = sh_quote(data_dir());
    const std::string script =
        "exec >/dev/null 2>&1\n"
        "read -r line\n" +  // returns at EOF: the test process is gone or done with the cluster
        runas +
        sh_quote(bin("pg_ctl")) + " -D " + data + " stop -m immediate -w -t 20\n" + "if [ -f " + data +
        "/postmaster.pid ]; then kill -KILL \"$(head -n 1 " + data +
        "/postmaster.pid)\"; fi\n"
        "rm -rf " +
        sh_quote(base_dir()) + "\n";
    ProcessSpec spec;
    spec.program = "setsid";
    // -f: always fork, so the watchdog is in a new session (no terminal, no process group of ours)
    // and setsid itself exits at once.
    spec.args = {"-f", "sh", "-c", script, "pgark-pg-watchdog"};
    spec.stdin_mode = ProcessSpec::In::pipe;
    spec.stdout_mode = ProcessSpec::Out::null;
    spec.capture_stderr = false;  // a captured stderr would make wait() block until the watchdog ends
    spec.cwd = "/";
    watchdog_ = Child::spawn(spec);
    ExitStatus st = watchdog_->wait();
    if (!st.ok()) throw std::runtime_error("cannot start the cluster watchdog (setsid): " + st.describe());
    slot_ = register_slot(base_dir(), watchdog_->stdin_fd());
}

void PgCluster::write_port_config() {
    const std::string path = data_dir() + "/pgark_port.conf";
    write_private_file(path, "port = " + std::to_string(port_) + "\n");
    chown_to_postgres(path);
}

void PgCluster::start() {
    if (running_) return;
    std::string last_error;
    for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
        // A restart keeps the port clients were given; a new one only when it got taken meanwhile.
        if (port_ == 0 || attempt > 0) port_ = free_tcp_port();
        write_port_config();
        const auto log_offset = file_size(log_file());
        CliResult r = server_cmd(base_dir(), "pg_ctl",
                                 {"-D", data_dir(), "-l", log_file(), "-w", "-t", "60", "-s", "start"});
        if (r.exit_code == 0) {
            running_ = true;
            return;
        }
        std::string log = read_file_from(log_file(), log_offset);
        last_error = "pg_ctl start failed (" + r.describe() + ")\nserver log:\n" + tail(log);
        bool port_taken = log.find("Address already in use") != std::string::npos ||
                          log.find("could not create any TCP/IP sockets") != std::string::npos;
        if (!port_taken) break;
    }
    throw std::runtime_error("cannot start the test PostgreSQL cluster in " + base_dir() + ": " + last_error);
}

void PgCluster::stop() {
    if (!running_) return;
    CliResult r =
        server_cmd(base_dir(), "pg_ctl", {"-D", data_dir(), "-m", "fast", "-w", "-t", "60", "-s", "stop"});
    if (r.exit_code != 0) throw std::runtime_error("pg_ctl stop failed: " + r.describe());
    running_ = false;
}

void PgCluster::restart() {
    stop();
    start();
}

void PgCluster::shutdown() noexcept {
    if (slot_ >= 0) {
        g_slots[slot_].fd.store(-1);  // from now on the normal path owns the cleanup
        slot_ = -1;
    }
    if (running_ && dir_) {
        try {
            stop();
        } catch (...) {
            // Clients still connected and not leaving: don't wait, the data is thrown away anyway.
            try {
                server_cmd(base_dir(), "pg_ctl", {"-D", data_dir(), "-m", "immediate", "-w", "-s", "stop"});
            } catch (...) {
                // The watchdog tries once more when the pipe closes below.
            }
        }
        running_ = false;
    }
    dir_.reset();
    watchdog_.reset();  // closes the pipe: the watchdog finds nothing left to do and exits
}

std::string PgCluster::psql(const std::string& sql, const std::string& db) {
    ProcessSpec spec;
    spec.program = bin("psql");
    spec.args = {"-X", "-A",
                 "-t", "-q",
                 "-v", "ON_ERROR_STOP=1",
                 "-h", socket_dir(),
                 "-p", std::to_string(port_),
                 "-U", superuser_,
                 "-d", db,
                 "-f", "-"};
    spec.env_set = {{"PGCLIENTENCODING", "UTF8"}, {"PGCONNECT_TIMEOUT", "10"}};
    CliResult r = run_hermetic(spec, sql, std::chrono::seconds(600));
    if (r.exit_code != 0)
        throw std::runtime_error("psql on database '" + db + "' failed (" + r.describe() +
                                 ")\nSQL: " + tail(sql, 2000));
    return trim(r.out);
}

void PgCluster::create_database(const std::string& name) {
    psql("CREATE DATABASE " + quote_ident(name));
}

void PgCluster::drop_database(const std::string& name) {
    psql("DROP DATABASE IF EXISTS " + quote_ident(name) + " WITH (FORCE)");
}

bool PgCluster::database_exists(const std::string& name) {
    return psql("SELECT 1 FROM pg_database WHERE datname = " + quote_literal(name)) == "1";
}

std::vector<std::string> PgCluster::scratch_databases() {
    auto out = psql("SELECT datname FROM pg_database WHERE datname LIKE 'pgark\\_drill\\_%' ORDER BY 1");
    std::vector<std::string> names;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) names.push_back(line);
    return names;
}

std::map<std::string, std::string> PgCluster::client_env(const std::string& db) const {
    return {{"PGHOST", host_},
            {"PGPORT", std::to_string(port_)},
            {"PGUSER", superuser_},
            {"PGPASSWORD", password_},
            {"PGDATABASE", db}};
}

std::string PgCluster::conninfo(const std::string& db) const {
    std::string quoted = "'";
    for (char c : db) {
        if (c == '\'' || c == '\\') quoted += '\\';
        quoted += c;
    }
    quoted += "'";
    return "host=" + host_ + " port=" + std::to_string(port_) + " user=" + superuser_ + " dbname=" + quoted;
}

std::string PgCluster::quote_ident(const std::string& name) {
    std::string out = "\"";
    for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string PgCluster::quote_literal(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

DropAtExit::~DropAtExit() {
    for (const auto& n : names_) {
        try {
            PgCluster::shared().drop_database(n);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "could not drop database " << n << ": " << e.what();
        }
    }
}

}  // namespace pgark::test
