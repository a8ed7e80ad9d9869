// The one place results become JSON: `--json` output, /healthz, the webhook body. What a script reads,
// what the daemon serves and what a webhook receives are built from the same fields here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "commands/backup.h"
#include "commands/config_show.h"
#include "commands/drill.h"
#include "commands/list.h"
#include "commands/prune.h"
#include "commands/restore.h"
#include "commands/status.h"
#include "commands/verify.h"
#include "report/notify.h"

namespace pgark::report {

// `--json` of each command: an object, pretty-printed, ending with a newline.
std::string to_json(const BackupResult& r);
std::string to_json(const ListResult& r);
std::string to_json(const VerifyResult& r);
std::string to_json(const DrillResult& r);
std::string to_json(const StatusResult& r);
std::string to_json(const RestoreResult& r);
std::string to_json(const PruneResult& r);
std::string config_json(const std::vector<ConfigEntry>& entries, const std::string& file);

// What the daemon's /healthz says: "ok", or "degraded" when the last run of a job failed (with its
// error), per job whether it runs now and when it runs next.
struct HealthReport {
    struct Job {
        std::string name;  // backup, drill, prune
        bool running = false;
        std::string next_run;             // ISO 8601, empty when not scheduled
        std::optional<bool> last_run_ok;  // unset: no run yet
        std::string last_outcome;         // succeeded, failed, cancelled; empty: no run yet
        std::string last_error;           // when the last run failed
    };
    std::string database;
    std::vector<Job> jobs;
    bool degraded() const;
};
std::string to_json(const HealthReport& h);

// What `--json` prints when a command could not produce its result: {"ok": false, "error": ...,
// "exit_code": N}, so a script that parses stdout gets an object either way.
std::string error_json(const std::string& message, int exit_code);

// The webhook body for notify.format json (pgark's event) or slack ({"text": ...}); single line.
std::string webhook_json(const JobEvent& e, const std::string& format, const std::string& host);

}  // namespace pgark::report
