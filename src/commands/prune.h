// `pgark prune [--dry-run]`: applies the retention policy (core/retention.h) to the configured
// database's backups, removes crashed runs' leftovers (incomplete backups, abandoned uploads and temp
// files, stale locks), and never touches a backup a running drill or restore has locked.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "commands/context.h"
#include "storage/storage.h"
#include "util/time.h"

namespace pgark {

struct PruneOptions {
    bool dry_run = false;
};

struct PruneEntry {
    std::string id;
    SystemTime time{};  // when it was taken; for an incomplete backup its latest sign of activity
    bool complete = false;
    bool keep = false;
    std::vector<std::string> reasons;    // from apply_retention
    std::uint64_t bytes = 0;             // stored under its directory
    std::vector<std::string> locked_by;  // live locks: "drill (pid 123 on host, since ...)"
    bool removed = false;                // every object is gone (never set by a dry run)
    std::string note;                    // why a removal stopped short, or how it failed
};

struct PruneResult {
    std::string database, repository;
    bool dry_run = false;
    // The policy applied.
    int keep_last = 0, keep_daily = 0, keep_weekly = 0, keep_monthly = 0;
    std::string timezone;
    std::chrono::seconds incomplete_after{0};

    std::vector<PruneEntry> backups;                // newest first
    std::vector<UnfinishedWrite> abandoned_writes;  // discarded (dry run: would be)
    std::vector<std::string> stale_locks;           // removed (dry run: would be)
    std::vector<std::string> stale_claims;          // id claims left in complete backups by killed runs
    std::vector<std::string> problems;              // things left alone: unreadable manifests, stray objects
    std::vector<std::string> errors;                // removals that failed
    std::uint64_t bytes_freed = 0;                  // dry run: would be freed

    bool ok = true;  // false when a removal failed (`errors` says which)

    std::size_t kept() const;
    std::size_t to_remove() const;      // decided to remove (whether or not the removal completed)
    std::size_t removed_count() const;  // removed completely (0 for a dry run)
};

// Throws UsageError for a bad policy or time zone, or when no database is configured (prune works on
// one database: the configured one), before touching the repository.
PruneResult run_prune(const Context& ctx, const PruneOptions& opts);

}  // namespace pgark
