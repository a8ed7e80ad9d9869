// The drill history of a repository: every stored drill report, read with one set of failure rules
// (a report that does not parse is skipped and named; a storage that fails throws, because a partial
// history would misstate the measured RTO). Used by `status`, the metrics and the restore estimate.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/drill_report.h"
#include "storage/storage.h"

namespace pgark {

struct DrillHistory {
    std::vector<DrillReport> reports;   // oldest first (by finished_at)
    std::vector<std::string> problems;  // reports that could not be read, each naming its key

    // The newest report (of `database` when given) that satisfies `keep`, if any.
    std::optional<DrillReport> newest(const std::optional<std::string>& database,
                                      const std::function<bool(const DrillReport&)>& keep = {}) const;
};

// Reads the reports of `database`, or of every database. Throws StorageError when the storage fails.
DrillHistory read_drill_history(Storage& storage, const std::optional<std::string>& database);

}  // namespace pgark
