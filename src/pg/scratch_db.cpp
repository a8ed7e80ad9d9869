// Scratch database ownership: create + mark, verify-mark-then-drop, sweep.
#include "pg/scratch_db.h"

#include <signal.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <cctype>
#include <cerrno>
#include <ctime>
#include <nlohmann/json.hpp>
#include <random>

#include "pg/connection.h"
#include "util/error.h"
#include "util/host.h"
#include "util/redact.h"

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

void drop_database(Connection& admin, const std::string& name) {
    admin.exec("DROP DATABASE IF EXISTS " + admin.quote_ident(name) +
               (admin.server_version_num() >= 130000 ? " WITH (FORCE)" : ""));
}

std::string ScratchMark::to_comment(const char* prefix) const {
    nlohmann::json j = {
        {"drill", drill_id}, {"pid", pid}, {"host", host}, {"started_at", format_iso8601(started_at)}};
    return prefix + j.dump();
}

bool ScratchMark::owner_gone(std::chrono::seconds foreign_after) const {
    if (host == host_name()) return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
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
        auto t = parse_iso8601(j.at("started_at").get<std::string>());
        if (!t || m.drill_id.empty()) return std::nullopt;
        m.started_at = *t;
        return m;
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
}

ScratchMark ScratchMark::for_this_process(const std::string& drill_id) {
    return {drill_id, static_cast<long>(getpid()), host_name(), std::chrono::system_clock::now()};
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
    }
    return dropped;
}

}  // namespace pgark
