// `pgark restore ID|latest`: production restore (--to-new NAME, --mode clean, --mode schema-cascade)
// with confirmation, an automatic safety backup before any destructive step, pg_restore -j, and the
// drill's verification afterwards.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "commands/context.h"
#include "core/drill_report.h"
#include "core/restore_plan.h"

namespace pgark {

struct RestoreOptions {
    std::string id_or_latest = "latest";
    RestoreMode mode = RestoreMode::to_new;
    std::string target_database;
    bool dry_run = false;
    bool safety_backup = true;
};

struct RestoreResult {
    RestorePlan plan;
    bool executed = false;         // false for --dry-run
    std::string safety_backup_id;  // "" when none was taken
    std::vector<PhaseTiming> phases;
    double restore_seconds = 0;  // download + database work + pg_restore: the measured RTO
    std::vector<TableResult> tables;
    std::vector<CheckResult> checks;
    bool ok = false;
    std::string error;  // verification failure summary (errors before that throw)

    std::size_t tables_mismatched() const;
};

// Asks the operator to confirm a destructive plan; returns false when they decline. The cli layer
// implements it (TTY prompt or --yes); it throws UsageError when it cannot ask.
using ConfirmFn = std::function<bool(const RestorePlan&)>;

// Resolves the backup, checks the target (reachable, permissions, connections that can be
// terminated) before changing anything, then executes the plan unless `opts.dry_run`. Throws Error
// for refusals and failures; once something was destroyed, the message names the safety backup and
// the command that restores it.
RestoreResult run_restore(const Context& ctx, const RestoreOptions& opts, const ConfirmFn& confirm);

// "pgark restore <id> --mode clean --target-db <db> --yes": how to bring back a safety backup.
std::string safety_restore_command(const std::string& backup_id, const std::string& database);

}  // namespace pgark
