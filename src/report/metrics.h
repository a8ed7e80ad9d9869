// Prometheus metrics (docs/operations.md, "Metrics and alerts"): the state of each database read from the
// repository (newest backups and drills, as `pgark status` sees them) plus job counters. The daemon keeps the
// counters in memory and serves them on /metrics; one-shot commands carry them from one run to the
// next in the node_exporter textfile they write.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "commands/status.h"
#include "util/time.h"

namespace pgark {

// "backup", "drill", "prune".
inline constexpr std::array<const char*, 3> kJobNames = {"backup", "drill", "prune"};

struct JobCounters {
    std::uint64_t successes = 0, failures = 0, skipped = 0;
    std::uint64_t cancellations = 0;  // runs a stop (SIGTERM, SIGINT) ended: neither success nor failure
    std::optional<bool> last_run_ok;  // unknown until a run of this process (or the textfile) says
    bool running = false;
};

struct MetricsState {
    std::string database;                     // the configured database (the job counters' label)
    std::map<std::string, JobCounters> jobs;  // by job name
    std::optional<SystemTime> last_prune_success;
    std::uint64_t prune_deleted = 0;
    // Records a finished job run.
    void record(const std::string& job, bool ok, SystemTime finished, std::uint64_t deleted = 0);
    // Records a run a stop cancelled; the job's last result stays what it was.
    void record_cancelled(const std::string& job);
};

// The Prometheus text exposition of `status` (per database) and `state`, at time `now`.
std::string render_metrics(const StatusResult& status, const MetricsState& state, SystemTime now);

// The counters of a textfile written by render_metrics (missing or unreadable: nothing), so that a
// one-shot run continues them.
MetricsState read_metrics_state(const std::string& text, const std::string& database);

// Writes a textfile atomically (temporary file + rename in the same directory), as the node_exporter
// textfile collector requires; creates nothing else. Throws Error naming the path on failure.
void write_metrics_textfile(const std::filesystem::path& path, const std::string& text);

// For one-shot commands: when metrics.textfile is set, reads the counters there, records this run of
// `job`, re-reads the repository's state and rewrites the file. Failures are logged, never thrown: a
// metrics file must not fail a backup.
// Returns the job's previous result as the file recorded it (for recovery notifications).
std::optional<bool> update_metrics_textfile(const Context& ctx, const std::string& job, bool ok,
                                            std::uint64_t deleted = 0);

}  // namespace pgark
