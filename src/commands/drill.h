// `pgark drill [ID|latest]`: download → validate → restore into a marked scratch database → verify
// (schema, rows, content, sequences, large objects, amcheck, user checks) → clean up, always.
#pragma once

#include <string>
#include <vector>

#include "commands/context.h"
#include "core/drill_report.h"

namespace pgark {

struct DrillResult {
    DrillReport report;
    std::string repository;
    std::string report_key;  // where the JSON report was stored ("" if it could not be)
};

DrillResult run_drill(const Context& ctx, const std::string& id_or_latest);

// `pgark drill --sweep`: drops scratch databases of drills that are gone. Returns their names.
std::vector<std::string> run_drill_sweep(const Context& ctx);

}  // namespace pgark
