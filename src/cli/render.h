// Turning command results into what a person reads (tables, summaries); JSON is report/json.h.
#pragma once

#include <string>
#include <vector>

#include "commands/backup.h"
#include "commands/config_show.h"
#include "commands/drill.h"
#include "commands/init.h"
#include "commands/list.h"
#include "commands/prune.h"
#include "commands/restore.h"
#include "commands/status.h"
#include "commands/verify.h"

namespace pgark::cli {

std::string render_backup(const BackupResult& r);
std::string render_list(const ListResult& r);
std::string render_verify(const VerifyResult& r);
std::string render_config(const std::vector<ConfigEntry>& entries, const std::string& file);

std::string render_drill(const DrillResult& r, const Objectives& objectives);
std::string render_status(const StatusResult& r);

// Production restore: the plan (--dry-run, and before confirmation) and the summary.
std::string render_restore_plan(const RestorePlan& p);
std::string render_restore(const RestoreResult& r);

// Retention: one line per backup (KEEP/REMOVE and why), newest first, then what was swept and a summary.
std::string render_prune(const PruneResult& r);

// "12,345"
std::string thousands(std::uint64_t n);

}  // namespace pgark::cli
