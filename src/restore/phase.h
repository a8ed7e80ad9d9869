// One timed phase of a drill or restore (download+validate, restore, verify...): its timing is kept also
// when it fails, so reports show where the time went and where it stopped.
#pragma once

#include <string>
#include <vector>

#include "core/drill_report.h"
#include "util/progress.h"
#include "util/time.h"

namespace pgark {

// Runs one timed phase of a drill or restore and appends its timing to `phases`, also when `fn`
// throws (the phase is then marked failed and the exception goes on). `fn` may fill the detail.
template <typename F>
void run_phase(std::vector<PhaseTiming>& phases, const std::string& name, F&& fn) {
    Stopwatch sw;
    progress::Phase shown(name, 0);
    PhaseTiming p{name, 0, true, ""};
    try {
        fn(p);
    } catch (...) {
        p.seconds = sw.seconds();
        p.ok = false;
        phases.push_back(p);
        throw;
    }
    p.seconds = sw.seconds();
    phases.push_back(p);
}

}  // namespace pgark
