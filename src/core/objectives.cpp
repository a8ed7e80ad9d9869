// RPO/RTO assessment, free of I/O so every rule is unit-tested.
#include "core/objectives.h"

#include "util/units.h"

namespace pgark {

ObjectiveAssessment assess(const Objectives& o, const ObjectiveInputs& in, SystemTime now) {
    ObjectiveAssessment a;
    auto rpo = static_cast<double>(o.rpo.count());
    auto rto = static_cast<double>(o.rto.count());
    if (!in.last_backup_finished) {
        a.problems.push_back("no backup exists: take one with `pgark backup`");
    } else {
        a.rpo_seconds = std::chrono::duration<double>(now - *in.last_backup_finished).count();
        a.rpo_ok = *a.rpo_seconds <= rpo;
        if (!a.rpo_ok)
            a.problems.push_back("RPO objective violated: the newest backup is " +
                                 units::format_duration(*a.rpo_seconds) + " old, objective " +
                                 units::format_duration(rpo));
    }
    if (!in.last_successful_drill_restore_seconds) {
        a.problems.push_back("no successful drill yet: run `pgark drill` to measure the restore time (RTO)");
    } else {
        a.rto_seconds = *in.last_successful_drill_restore_seconds;
        a.rto_ok = *a.rto_seconds <= rto;
        if (!a.rto_ok)
            a.problems.push_back("RTO objective violated: the last drill restored in " +
                                 units::format_duration(*a.rto_seconds) + ", objective " +
                                 units::format_duration(rto));
    }
    if (in.latest_drill_failed)
        a.problems.push_back("the latest drill failed: see its report (`pgark drill` output or drills/)");
    return a;
}

}  // namespace pgark
