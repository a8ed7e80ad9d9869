// One run of a scheduled job (backup, drill, prune) as the daemon runs it: the job, its outcome and a
// one-line summary. A run that a stop cancelled is `cancelled`, neither a success nor a failure: it
// sends no webhook and is counted apart.
#pragma once

#include <cstdint>
#include <string>

#include "commands/context.h"
#include "core/schedule.h"

namespace pgark {

enum class JobOutcome { succeeded, failed, cancelled };
const char* to_string(JobOutcome o);

struct JobRun {
    JobOutcome outcome = JobOutcome::failed;
    std::string message;        // the summary, or the error (secrets scrubbed)
    std::uint64_t deleted = 0;  // prune: backups removed
};

// Runs `kind` to its end; never throws (errors become a failed run, cancellation a cancelled one).
JobRun run_scheduled_job(JobKind kind, const Context& ctx);

}  // namespace pgark
