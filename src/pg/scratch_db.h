// Scratch databases for drills: created with a mark (COMMENT ON DATABASE) naming the drill that owns
// them, dropped by an RAII owner, and swept once their drill no longer runs (after a SIGKILL, or a
// failed cleanup in a daemon that lives on). pgark never drops an unmarked database.
#pragma once

#include <chrono>
#include <memory>
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
    // The drill's presence file (see DrillPresence): locked while the drill runs. Empty in marks of
    // restores and of older pgark versions, which are judged by their pid.
    std::string lock_path;

    std::string to_comment(const char* prefix = kPrefix) const;
    static std::optional<ScratchMark> parse(const std::string& comment, const char* prefix = kPrefix);
    static ScratchMark for_this_process(const std::string& drill_id);
    // The drill (or restore) that wrote the mark no longer runs: on this host, its presence file is not
    // locked (or, for marks without one, no process has its pid); on another host, the mark is older
    // than `foreign_after`. A process that lives on (a daemon) does not keep a finished drill alive.
    bool owner_gone(std::chrono::seconds foreign_after) const;
    std::string describe() const;  // "pid 123 on host h, started 2026-01-24T02:00:00Z"
};

class Connection;

// The pgark mark (COMMENT ON DATABASE) of `name`, if the database exists and carries one with `prefix`;
// `admin` is connected to the server's maintenance database.
std::optional<ScratchMark> database_mark(Connection& admin, const std::string& name, const char* prefix);

// DROP DATABASE `name` as any role allowed to drop it, not only a superuser: new connections are
// refused (ALLOW_CONNECTIONS false), the sessions this role may terminate are terminated, and the
// DROP is retried with growing pauses for up to `budget` while other sessions remain. WITH (FORCE)
// is not used: it fails outright for a non-superuser when an autovacuum worker is in the database
// ("must be a member of the role whose process is being terminated"), whereas a plain DROP DATABASE
// signals autovacuum workers itself and waits for them. After a cancellation request the budget
// shrinks to a few seconds. Throws PgError when the database is still there at the end (its
// connections are then allowed again as before).
void drop_database(Connection& admin, const std::string& name,
                   std::chrono::milliseconds budget = std::chrono::seconds(60));

// Proof, across processes on this host, that a drill runs: an flock(2) held on a file named by the
// drill id for as long as the drill's scratch database may exist. The kernel releases it when the
// process dies however it dies; a daemon releases it when the drill ends.
class DrillPresence {
  public:
    // Throws Error when the file cannot be created or locked.
    explicit DrillPresence(const std::string& drill_id);
    ~DrillPresence();
    DrillPresence(const DrillPresence&) = delete;
    DrillPresence& operator=(const DrillPresence&) = delete;
    const std::string& path() const { return path_; }
    // True while some process holds the lock on `path` (false when the file does not exist).
    static bool held(const std::string& path);
    // "$XDG_RUNTIME_DIR/pgark" or "/tmp/pgark-<uid>" (not $TMPDIR: it is where spools live, and marks
    // record the full path anyway).
    static std::string directory();

  private:
    std::string path_;
    int fd_ = -1;
};

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
    std::unique_ptr<DrillPresence> presence_;  // released after the drop (members go last)
    bool created_ = false, keep_ = false, dropped_ = false;
};

// Drops marked scratch databases whose drill no longer runs (ScratchMark::owner_gone). Never one of a
// running drill, never an unmarked database. Returns the names dropped.
std::vector<std::string> sweep_scratch_databases(const ConnParams& server,
                                                 std::chrono::seconds foreign_after);

// Drops `name` if (and only if) it carries a pgark mark for `drill_id` (any drill when empty).
// Throws Error when the database exists without the mark.
void drop_marked_database(const ConnParams& server, const std::string& name, const std::string& drill_id);

}  // namespace pgark
