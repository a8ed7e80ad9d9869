// Scratch databases for drills: created with a mark (COMMENT ON DATABASE) naming the drill that owns
// them, dropped by an RAII owner, and swept after a SIGKILL. pgark never drops an unmarked database.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "pg/conn_params.h"
#include "util/time.h"

namespace pgark {

struct ScratchMark {
    static constexpr const char* kPrefix = "pgark-drill ";
    // A database that `pgark restore` is creating (--to-new, --mode clean) until it succeeded: what a
    // killed restore leaves behind is recognisable as partial.
    static constexpr const char* kRestorePrefix = "pgark-restore ";
    std::string drill_id;  // the drill, or for a restore the backup being restored
    long pid = 0;
    std::string host;
    SystemTime started_at{};

    std::string to_comment(const char* prefix = kPrefix) const;
    static std::optional<ScratchMark> parse(const std::string& comment, const char* prefix = kPrefix);
    static ScratchMark for_this_process(const std::string& drill_id);
    // The process that wrote the mark is gone: same host and no such pid, or another host and the mark
    // is older than `foreign_after`.
    bool owner_gone(std::chrono::seconds foreign_after) const;
    std::string describe() const;  // "pid 123 on host h, started 2026-01-24T02:00:00Z"
};

class Connection;

// The pgark mark (COMMENT ON DATABASE) of `name`, if the database exists and carries one with `prefix`;
// `admin` is connected to the server's maintenance database.
std::optional<ScratchMark> database_mark(Connection& admin, const std::string& name, const char* prefix);

// DROP DATABASE `name`, terminating its sessions (WITH (FORCE), PostgreSQL 13 and later).
void drop_database(Connection& admin, const std::string& name);

// "pgark_drill_<db>_<yyyymmddhhmmss>_<random>", at most 63 bytes, ASCII only.
std::string scratch_database_name(const std::string& database, SystemTime when);

class ScratchDatabase {
  public:
    // Creates `name` on the server `server` points at (its dbname is used only to connect), marks it.
    // `create_options` is appended to CREATE DATABASE (e.g. "ENCODING 'UTF8' LOCALE 'C.UTF-8'").
    ScratchDatabase(const ConnParams& server, std::string name, ScratchMark mark,
                    const std::string& create_options);
    ~ScratchDatabase();
    ScratchDatabase(const ScratchDatabase&) = delete;
    ScratchDatabase& operator=(const ScratchDatabase&) = delete;

    const std::string& name() const { return name_; }
    ConnParams conn() const { return server_.with_dbname(name_); }
    // Leaves the database in place (for --keep-on-failure).
    void keep() { keep_ = true; }
    // Drops it now (after checking the mark); throws on failure.
    void drop();

  private:
    ConnParams server_;
    std::string name_;
    ScratchMark mark_;
    bool created_ = false, keep_ = false, dropped_ = false;
};

// Drops marked scratch databases whose drill is gone: same host and the pid no longer runs, or any
// host and older than `foreign_after`. Returns the names dropped.
std::vector<std::string> sweep_scratch_databases(const ConnParams& server,
                                                 std::chrono::seconds foreign_after);

// Drops `name` if (and only if) it carries a pgark mark for `drill_id` (any drill when empty).
// Throws Error when the database exists without the mark.
void drop_marked_database(const ConnParams& server, const std::string& name, const std::string& drill_id);

}  // namespace pgark
