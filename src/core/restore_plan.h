// The plan of a production restore as a value: mode, target, the steps in order (which are
// destructive), sizes, and the time estimated from the last successful drill. `--dry-run` prints it;
// the restore command executes it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pgark {

// --to-new NAME, --mode clean, --mode schema-cascade.
enum class RestoreMode { to_new, clean, schema_cascade };
const char* to_string(RestoreMode m);
std::optional<RestoreMode> parse_restore_mode(const std::string& s);

// The few fields of an archive TOC entry that decide which schemas a schema-cascade restore replaces.
struct TocObject {
    std::string desc;    // "SCHEMA", "TABLE", ...
    std::string schema;  // the entry's namespace ("" for global objects)
    std::string tag;     // for SCHEMA entries: the schema's name
};

// Schemas a schema-cascade restore drops and restores, sorted: every SCHEMA entry, plus "public"
// when the backup holds objects in it (pg_dump emits no SCHEMA entry for public).
std::vector<std::string> schemas_in_backup(const std::vector<TocObject>& toc);

// Scales a drill's measured restore time by archive size (restore time grows about linearly with it).
// nullopt when there is nothing to scale from.
std::optional<double> estimate_restore_seconds(double drill_seconds, std::uint64_t drill_raw_bytes,
                                               std::uint64_t raw_bytes);

struct RestoreStep {
    std::string name;    // "download+validate", "safety backup", "drop database", ...
    std::string detail;  // what exactly, for the operator
    bool destructive = false;
};

struct RestorePlan {
    RestoreMode mode = RestoreMode::to_new;
    std::string backup_id;
    std::string source_database;  // the database the backup is of
    std::string server;           // "host:port" of the target server
    std::string target_database;
    bool target_exists = false;
    // --to-new: the target is the partial database of a restore that was killed (its pgark mark names a
    // process that is gone); it is dropped and restored again.
    std::string partial_from;  // who left it ("pid 123 on host h, 2026-01-24T02:00:00Z"), "" if not that
    std::string target_owner;  // owner of the existing target database ("" if none)
    std::vector<std::string> schemas;  // schema-cascade: the schemas replaced
    std::uint64_t stored_bytes = 0, raw_bytes = 0;
    int jobs = 2;
    std::string level = "content";            // verification level afterwards
    bool safety_backup = true;                // a safety backup of the target is taken first
    std::optional<double> estimated_seconds;  // from the last successful drill
    std::string estimate_basis;               // which drill, or why there is no estimate
    std::vector<RestoreStep> steps;
    // What the operator must not miss before confirming (a --mode clean target that does not exist).
    std::string warning;

    // Destroys data in an existing database (so needs confirmation and a safety backup).
    bool destructive() const { return mode != RestoreMode::to_new && target_exists; }
    // Asks first: a destructive restore, and a --mode clean restore whose target does not exist (a
    // typo for production must not look like a successful restore of production).
    bool needs_confirmation() const {
        return destructive() || (mode == RestoreMode::clean && !target_exists);
    }
    // Fills `steps` from the other fields.
    void build_steps();
};

}  // namespace pgark
