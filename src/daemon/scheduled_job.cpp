// run_scheduled_job: the commands the daemon schedules, with their results summarised in one line.
#include "daemon/scheduled_job.h"

#include "commands/backup.h"
#include "commands/drill.h"
#include "commands/prune.h"
#include "util/error.h"
#include "util/redact.h"
#include "util/units.h"

namespace pgark {

const char* to_string(JobOutcome o) {
    switch (o) {
        case JobOutcome::succeeded:
            return "succeeded";
        case JobOutcome::failed:
            return "failed";
        case JobOutcome::cancelled:
            return "cancelled";
    }
    return "failed";
}

JobRun run_scheduled_job(JobKind kind, const Context& ctx) {
    JobRun run;
    auto result = [](bool ok) { return ok ? JobOutcome::succeeded : JobOutcome::failed; };
    try {
        switch (kind) {
            case JobKind::backup: {
                auto r = run_backup(ctx);
                run.outcome = JobOutcome::succeeded;
                run.message = r.manifest.id.str() + ", " + units::format_size(r.manifest.stored_bytes);
                break;
            }
            case JobKind::drill: {
                auto r = run_drill(ctx, "latest");
                run.outcome = result(r.report.ok);
                run.message = r.report.ok ? "drill " + r.report.id + " passed, restore " +
                                                units::format_duration(r.report.restore_seconds)
                                          : "drill " + r.report.id + " failed: " + r.report.error;
                break;
            }
            case JobKind::prune: {
                auto r = run_prune(ctx, PruneOptions{});
                run.outcome = result(r.ok);
                run.deleted = r.removed_count();
                run.message = std::to_string(run.deleted) + " backup(s) removed" +
                              (r.errors.empty() ? "" : "; failed: " + r.errors.front());
                break;
            }
        }
    } catch (const Cancelled&) {
        run.outcome = JobOutcome::cancelled;
        run.message = "cancelled by the daemon's stop";
    } catch (const Error& e) {
        run.outcome = JobOutcome::failed;
        run.message = redact::scrub(e.what());
    } catch (const std::exception& e) {
        run.outcome = JobOutcome::failed;
        run.message = std::string("internal error: ") + redact::scrub(e.what());
    }
    run.message = redact::scrub(run.message);  // once, for every outcome
    return run;
}

}  // namespace pgark
