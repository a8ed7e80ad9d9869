// `pgark status`: am I safe? The newest backup's age against the RPO objective and the last
// successful drill's measured restore time against the RTO objective.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "commands/context.h"
#include "core/drill_report.h"
#include "core/manifest.h"
#include "core/objectives.h"

namespace pgark {

struct DatabaseStatus {
    std::string database;
    std::optional<Manifest> last_backup;
    std::optional<Manifest> previous_backup;  // the complete backup before last_backup
    std::optional<DrillReport> last_drill;    // newest drill, passed or not
    std::optional<DrillReport> last_successful_drill;
    // A drill that restored last_backup and passed (on-call asks first: is the newest backup proven?).
    std::optional<std::string> last_backup_drilled_by;
    ObjectiveAssessment assessment;
};

struct StatusResult {
    std::string repository;
    Objectives objectives;
    std::vector<DatabaseStatus> databases;
    bool ok() const;
};

StatusResult run_status(const Context& ctx, SystemTime now);

}  // namespace pgark
