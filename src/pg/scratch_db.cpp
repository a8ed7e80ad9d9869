// Scratch database ownership: create + mark, verify-mark-then-drop, sweep.
#include "pg/scratch_db.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "pg/connection.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/host.h"
#include "util/redact.h"
#include "util/test_hooks.h"

namespace pgark {

namespace {

// Connects to the server's maintenance database (the scratch database itself cannot be dropped
// from a session inside it).
Connection admin_connection(const ConnParams& server) {
    auto p = server.with_dbname("postgres");
    try {
        return Connection(p, "pgark drill");
    } catch (const PgError&) {
        return Connection(server.with_dbname("template1"), "pgark drill");
    }
}

std::optional<std::string> database_comment(Connection& c, const std::string& name, bool& exists) {
    auto rows = c.query(
        "SELECT pg_catalog.shobj_description(oid, 'pg_database') FROM pg_catalog.pg_database WHERE datname = "
        "$1",
        {name});
    exists = !rows.empty();
    if (rows.empty()) return std::nullopt;
    return rows[0][0];
}

}  // namespace

namespace {

// Other sessions in `name`, as "pid 12 (autovacuum worker, role -)" for messages; empty when none.
std::vector<std::string> other_sessions(Connection& admin, const std::string& name) {
    auto rows = admin.query(
        "SELECT pid::text, coalesce(backend_type, ''), coalesce(usename::text, '-') FROM "
        "pg_catalog.pg_stat_activity WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid()",
        {name});
    std::vector<std::string> out;
    for (const auto& r : rows)
        out.push_back("pid " + r[0].value_or("?") + " (" + r[1].value_or("") + ", role " +
                      r[2].value_or("-") + ")");
    return out;
}

// Ends the client sessions in `name` that this role may end (its own and those of roles it has the
// privileges of, or all with pg_signal_backend; a superuser's only as a superuser). Autovacuum
// workers are left to DROP DATABASE, which signals them itself.
void terminate_permitted_sessions(Connection& admin, const std::string& name) {
    try {
        admin.query(
            "SELECT pg_catalog.pg_terminate_backend(a.pid) FROM pg_catalog.pg_stat_activity a "
            "LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.usesysid "
            "WHERE a.datname = $1 AND a.pid <> pg_catalog.pg_backend_pid() AND a.backend_type = 'client "
            "backend' AND (NOT coalesce(r.rolsuper, false) OR (SELECT rolsuper FROM pg_catalog.pg_roles "
            "WHERE rolname = current_user)) AND (pg_catalog.pg_has_role(a.usesysid, 'USAGE') OR "
            "pg_catalog.pg_has_role('pg_signal_backend', 'USAGE'))",
            {name});
    } catch (const PgError& e) {
        spdlog::debug("could not terminate sessions in {}: {}", name, redact::scrub(e.what()));
    }
}

bool database_exists(Connection& admin, const std::string& name) {
    return !admin.query("SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1", {name}).empty();
}

}  // namespace

void drop_database(Connection& admin, const std::string& name, std::chrono::milliseconds budget) {
    using clock = std::chrono::steady_clock;
    budget = std::chrono::milliseconds(test_hooks::number("PGARK_TEST_DROP_BUDGET_MS", budget.count()));
    const auto q = admin.quote_ident(name);
    auto allowed =
        admin.query("SELECT datallowconn::text FROM pg_catalog.pg_database WHERE datname = $1", {name});
    if (allowed.empty()) return;
    const bool allowed_before = allowed[0][0].value_or("true") == "true";
    // Keeps new sessions out (autovacuum ignores it; DROP DATABASE deals with autovacuum).
    try {
        if (allowed_before) admin.exec("ALTER DATABASE " + q + " ALLOW_CONNECTIONS false");
    } catch (const PgError& e) {
        spdlog::debug("could not refuse new connections to {}: {}", name, redact::scrub(e.what()));
    }
    auto deadline = clock::now() + budget;
    bool cancel_seen = false;
    auto pause = std::chrono::milliseconds(100);
    for (int attempt = 1;; ++attempt) {
        terminate_permitted_sessions(admin, name);
        try {
            admin.exec("DROP DATABASE IF EXISTS " + q);
            if (attempt > 1) spdlog::info("dropped database {} at attempt {}", name, attempt);
            return;
        } catch (const PgError& e) {
            // Retry only while other sessions explain the failure (object_in_use, whatever the
            // server's message language); any other error is final.
            auto others = other_sessions(admin, name);
            if (!cancel_seen && cancel::requested()) {
                cancel_seen = true;
                deadline = std::min(deadline, clock::now() + std::chrono::seconds(5));
            }
            if (others.empty() || clock::now() + pause > deadline) {
                if (!database_exists(admin, name)) return;
                if (allowed_before) {
                    try {
                        admin.exec("ALTER DATABASE " + q + " ALLOW_CONNECTIONS true");
                    } catch (const PgError&) {
                    }
                }
                std::string who;
                for (const auto& o : others) who += (who.empty() ? "" : ", ") + o;
                throw PgError("could not drop database " + name + " on " + admin.display() + " after " +
                              std::to_string(attempt) + " attempt(s): " + redact::scrub(e.what()) +
                              (who.empty() ? "" : " (still connected: " + who + ")"));
            }
            spdlog::debug("database {} is still in use by {}; retrying in {} ms", name, others.front(),
                          pause.count());
            std::this_thread::sleep_for(pause);
            pause = std::min(pause * 2, std::chrono::milliseconds(5000));
        }
    }
}

std::string ScratchMark::to_comment(const char* prefix) const {
    nlohmann::json j = {
        {"drill", drill_id}, {"pid", pid}, {"host", host}, {"started_at", format_iso8601(started_at)}};
    if (!lock_path.empty()) j["lock"] = lock_path;
    return prefix + j.dump();
}

bool ScratchMark::owner_gone(std::chrono::seconds foreign_after) const {
    if (host == host_name()) {
        // A drill runs while its presence file is locked, whatever else its process does.
        if (!lock_path.empty()) return !DrillPresence::held(lock_path);
        return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
    }
    return std::chrono::system_clock::now() - started_at > foreign_after;
}

std::string ScratchMark::describe() const {
    return "pid " + std::to_string(pid) + " on host " + host + ", started " + format_iso8601(started_at);
}

std::optional<ScratchMark> database_mark(Connection& admin, const std::string& name, const char* prefix) {
    bool exists = false;
    auto comment = database_comment(admin, name, exists);
    if (!comment) return std::nullopt;
    return ScratchMark::parse(*comment, prefix);
}

std::optional<ScratchMark> ScratchMark::parse(const std::string& comment, const char* prefix) {
    if (comment.rfind(prefix, 0) != 0) return std::nullopt;
    try {
        auto j = nlohmann::json::parse(comment.substr(std::string(prefix).size()));
        ScratchMark m;
        m.drill_id = j.at("drill").get<std::string>();
        m.pid = j.at("pid").get<long>();
        m.host = j.at("host").get<std::string>();
        m.lock_path = j.value("lock", "");
        auto t = parse_iso8601(j.at("started_at").get<std::string>());
        if (!t || m.drill_id.empty()) return std::nullopt;
        m.started_at = *t;
        return m;
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
}

ScratchMark ScratchMark::for_this_process(const std::string& drill_id) {
    return {drill_id, static_cast<long>(getpid()), host_name(), std::chrono::system_clock::now(), ""};
}

std::string DrillPresence::directory() {
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    if (runtime && *runtime == '/') return std::string(runtime) + "/pgark";
    return "/tmp/pgark-" + std::to_string(::getuid());
}

DrillPresence::DrillPresence(const std::string& drill_id) {
    for (char c : drill_id)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-')
            throw Error("drill id " + drill_id + " cannot name a presence file");
    const auto dir = directory();
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        throw Error("cannot create " + dir + ": " + std::strerror(errno));
    struct stat st {};
    // Another user's directory (or a symlink planted in /tmp) could fake or hide a running drill.
    if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::getuid())
        throw Error(dir + " is not a directory of this user; remove it so pgark can record running drills");
    path_ = dir + "/drill-" + drill_id + ".lock";
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd_ < 0) throw Error("cannot create " + path_ + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        ::close(fd_);
        throw Error("cannot lock " + path_ + ": " + std::strerror(err));
    }
}

DrillPresence::~DrillPresence() {
    // Unlinked while still locked: a sweeper that opens the path from now on finds no file, which
    // also means "not running", and the database is gone by then anyway.
    ::unlink(path_.c_str());
    ::close(fd_);
}

bool DrillPresence::held(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return false;
    bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    return locked;
}

std::string scratch_database_name(const std::string& database, SystemTime when) {
    std::string db;
    for (char c : database) {
        if (std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 128)
            db += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        else if (!db.empty() && db.back() != '_')
            db += '_';
        if (db.size() >= 20) break;
    }
    std::time_t tt = std::chrono::system_clock::to_time_t(when);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char ts[20];
    std::strftime(ts, sizeof ts, "%Y%m%d%H%M%S", &tm);
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    char rnd[8];
    std::snprintf(rnd, sizeof rnd, "%06llx", static_cast<unsigned long long>(rng() & 0xffffff));
    return "pgark_drill_" + db + "_" + ts + "_" + rnd;
}

ScratchDatabase::ScratchDatabase(const ConnParams& server, std::string name, ScratchMark mark,
                                 const std::string& create_options)
    : server_(server), name_(std::move(name)), mark_(std::move(mark)) {
    // Held before the database exists and released only after it is gone (members are destroyed
    // after the destructor's body), so that a sweep never sees this drill's database without it.
    try {
        presence_ = std::make_unique<DrillPresence>(mark_.drill_id);
        mark_.lock_path = presence_->path();
    } catch (const Error& e) {
        spdlog::warn("{}; a later sweep will judge scratch database {} by this process's id instead",
                     e.what(), name_);
    }
    auto c = admin_connection(server_);
    bool exists = false;
    database_comment(c, name_, exists);
    if (exists)
        throw Error("database " + name_ + " already exists on " + c.display() +
                    "; pgark will not touch a database it did not create. Drop or rename it, then rerun");
    c.exec("CREATE DATABASE " + c.quote_ident(name_) + " TEMPLATE template0 " + create_options);
    created_ = true;
    c.exec("COMMENT ON DATABASE " + c.quote_ident(name_) + " IS " + c.quote_literal(mark_.to_comment()));
}

void ScratchDatabase::drop() {
    if (!created_ || dropped_) return;
    drop_marked_database(server_, name_, mark_.drill_id);
    dropped_ = true;
}

ScratchDatabase::~ScratchDatabase() {
    if (keep_ || !created_ || dropped_) return;
    try {
        drop();
    } catch (const std::exception& e) {
        spdlog::error("could not drop scratch database {}: {}; `pgark drill --sweep` will retry", name_,
                      redact::scrub(e.what()));
    } catch (const Cancelled&) {
        // Cancellation reached the cleanup itself: the next run sweeps what is left.
    }
}

void drop_marked_database(const ConnParams& server, const std::string& name, const std::string& drill_id) {
    auto c = admin_connection(server);
    bool exists = false;
    auto comment = database_comment(c, name, exists);
    if (!exists) return;
    auto mark = comment ? ScratchMark::parse(*comment) : std::nullopt;
    if (!mark || (!drill_id.empty() && mark->drill_id != drill_id))
        throw Error("database " + name + " on " + c.display() +
                    " does not carry this drill's pgark mark; refusing to drop it");
    drop_database(c, name);
}

std::vector<std::string> sweep_scratch_databases(const ConnParams& server,
                                                 std::chrono::seconds foreign_after) {
    auto c = admin_connection(server);
    auto rows = c.query(
        "SELECT datname, pg_catalog.shobj_description(oid, 'pg_database') FROM pg_catalog.pg_database "
        "WHERE pg_catalog.shobj_description(oid, 'pg_database') LIKE 'pgark-drill %'");
    std::vector<std::string> dropped;
    for (const auto& r : rows) {
        if (!r[0] || !r[1]) continue;
        auto mark = ScratchMark::parse(*r[1]);
        if (!mark || !mark->owner_gone(foreign_after)) continue;
        spdlog::info("sweeping scratch database {} left by drill {} (pid {} on {})", *r[0], mark->drill_id,
                     mark->pid, mark->host);
        drop_marked_database(server, *r[0], mark->drill_id);
        dropped.push_back(*r[0]);
        // The presence file a killed drill left behind; checked again so a live one is never removed.
        if (!mark->lock_path.empty() && mark->host == host_name() && !DrillPresence::held(mark->lock_path) &&
            mark->lock_path.rfind(DrillPresence::directory() + "/drill-", 0) == 0)
            ::unlink(mark->lock_path.c_str());
    }
    return dropped;
}

}  // namespace pgark
