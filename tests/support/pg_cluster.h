// A real PostgreSQL 15 cluster for integration tests: initdb + pg_ctl under a temporary directory, on
// 127.0.0.1 and a free port. Local (unix socket) connections are trusted for the harness's own admin
// work; TCP connections need the superuser's random password (scram-sha-256), so pgark is tested
// against real password authentication. The cluster is stopped and its directory removed when the
// owner goes away, on SIGINT/SIGTERM, and (by a watchdog in its own session) even after SIGKILL.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pgark {
class Child;
class TempDir;
}  // namespace pgark

namespace pgark::test {

class PgCluster {
  public:
    // The cluster shared by all tests of this process: started on first use, stopped at exit.
    // Tests must leave it usable: create their own databases and drop them afterwards.
    static PgCluster& shared();

    // A private cluster, started now; stopped and removed by the destructor.
    PgCluster();
    ~PgCluster();
    PgCluster(const PgCluster&) = delete;
    PgCluster& operator=(const PgCluster&) = delete;

    const std::string& host() const { return host_; }  // "127.0.0.1"
    int port() const { return port_; }                 // may change when start() had to pick a new port
    const std::string& superuser() const { return superuser_; }
    const std::string& password() const { return password_; }
    std::string socket_dir() const;
    std::string data_dir() const;
    std::string base_dir() const;  // the temporary directory holding data, socket and log
    std::string log_file() const;
    static std::string bin_dir();  // $PGARK_TEST_PG_BINDIR or /usr/lib/postgresql/15/bin
    static std::string bin(const std::string& tool) { return bin_dir() + "/" + tool; }

    // Runs SQL (any number of statements) as the superuser over the unix socket with
    // psql -X -A -t -q -v ON_ERROR_STOP=1; returns stdout without the trailing newline. Rows are
    // separated by '\n', columns by '|'. Throws std::runtime_error with psql's stderr on failure.
    std::string psql(const std::string& sql, const std::string& db = "postgres");
    void create_database(const std::string& name);
    void drop_database(const std::string& name);  // IF EXISTS, WITH (FORCE)
    bool database_exists(const std::string& name);
    // pgark's drill scratch databases (pgark_drill_*) in the cluster, sorted: tests check none is left.
    std::vector<std::string> scratch_databases();

    // PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE for TCP access as the superuser (password auth).
    std::map<std::string, std::string> client_env(const std::string& db) const;
    // "host=... port=... user=... dbname=..." without the password (libpq takes it from PGPASSWORD).
    std::string conninfo(const std::string& db) const;

    // Stops the server (pg_ctl stop -m fast) but keeps its data, e.g. to test pgark against a down
    // server; start() brings it back. Both are no-ops when already in that state.
    void stop();
    void start();
    void restart();
    bool running() const { return running_; }

    // 'name' -> "name" / 'text' -> 'text', for building SQL in tests.
    static std::string quote_ident(const std::string& name);
    static std::string quote_literal(const std::string& text);

  private:
    void init();
    void spawn_watchdog();
    void write_port_config();
    void shutdown() noexcept;  // stop, remove the directory, release the watchdog
    friend void shutdown_shared_cluster();

    std::string host_ = "127.0.0.1";
    std::string superuser_ = "postgres";
    std::string password_;
    int port_ = 0;
    bool running_ = false;
    int slot_ = -1;  // index in the signal-handler registry
    std::unique_ptr<TempDir> dir_;
    std::unique_ptr<Child> watchdog_;  // its stdin is a pipe whose closing tells it to clean up
};

// Process groups that the SIGINT/SIGTERM handler kills before stopping the clusters, so nothing keeps
// using a server that is going away. run_command/run_pgark track their children themselves; a test
// that keeps a start_pgark child across a long wait may track it too (and must untrack it).
void track_process_group(pid_t pgid);
void untrack_process_group(pid_t pgid);

// Drops the named databases of the shared cluster when it goes out of scope, so that a test stopped
// early (a failed ASSERT, an exception) leaves none behind.
class DropAtExit {
  public:
    explicit DropAtExit(std::vector<std::string> names) : names_(std::move(names)) {}
    ~DropAtExit();
    DropAtExit(const DropAtExit&) = delete;
    DropAtExit& operator=(const DropAtExit&) = delete;

  private:
    std::vector<std::string> names_;
};

}  // namespace pgark::test
