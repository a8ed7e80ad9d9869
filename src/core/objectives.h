// Recovery objectives (RPO, RTO) and the pure assessment of a database's state against them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "util/time.h"

namespace pgark {

struct Objectives {
    std::chrono::seconds rpo{24 * 3600};
    std::chrono::seconds rto{30 * 60};
};

struct ObjectiveInputs {
    std::optional<SystemTime> last_backup_finished;
    std::optional<double> last_successful_drill_restore_seconds;
    std::optional<SystemTime> last_successful_drill_finished;
    bool latest_drill_failed = false;
};

struct ObjectiveAssessment {
    std::optional<double> rpo_seconds;  // age of the newest backup: the data a disaster now would lose
    std::optional<double> rto_seconds;  // measured restore time of the last successful drill
    bool rpo_ok = false;
    bool rto_ok = false;
    std::vector<std::string> problems;  // human sentences; empty when everything is within objectives
    bool ok() const { return problems.empty(); }
};

ObjectiveAssessment assess(const Objectives& o, const ObjectiveInputs& in, SystemTime now);

}  // namespace pgark
