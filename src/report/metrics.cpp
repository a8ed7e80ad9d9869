// Metrics rendering with prometheus-cpp's registry and text serializer; see metrics.h.
#include "report/metrics.h"

#include <fcntl.h>
#include <unistd.h>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "util/error.h"
#include "util/redact.h"

namespace pgark {

void MetricsState::record(const std::string& job, bool ok, SystemTime finished, std::uint64_t deleted) {
    auto& c = jobs[job];
    (ok ? c.successes : c.failures)++;
    c.last_run_ok = ok;
    if (job == "prune" && ok) {
        last_prune_success = finished;
        prune_deleted += deleted;
    }
}

void MetricsState::record_cancelled(const std::string& job) {
    jobs[job].cancellations++;
}

namespace {

double unix_seconds(SystemTime t) {
    return std::chrono::duration<double>(t.time_since_epoch()).count();
}

class Builder {
  public:
    prometheus::Family<prometheus::Gauge>& gauge(const std::string& name, const std::string& help) {
        return prometheus::BuildGauge().Name(name).Help(help).Register(registry_);
    }
    prometheus::Family<prometheus::Counter>& counter(const std::string& name, const std::string& help) {
        return prometheus::BuildCounter().Name(name).Help(help).Register(registry_);
    }
    std::string text() const {
        std::ostringstream out;
        prometheus::TextSerializer().Serialize(out, registry_.Collect());
        return out.str();
    }

  private:
    prometheus::Registry registry_;
};

}  // namespace

std::string render_metrics(const StatusResult& status, const MetricsState& state, SystemTime now) {
    Builder b;
    auto& build_info = b.gauge("pgark_build_info", "pgark version (always 1)");
    build_info.Add({{"version", PGARK_VERSION}}).Set(1);

    auto& backup_ts = b.gauge("pgark_backup_last_success_timestamp_seconds",
                              "End time of the newest complete backup (unix seconds)");
    auto& backup_dur =
        b.gauge("pgark_backup_last_duration_seconds", "Duration of the newest complete backup");
    auto& backup_size =
        b.gauge("pgark_backup_last_size_bytes", "Stored (compressed) size of the newest complete backup");
    auto& backup_prev =
        b.gauge("pgark_backup_previous_size_bytes",
                "Stored size of the complete backup before the newest (a sharp drop is suspicious)");
    auto& backup_raw =
        b.gauge("pgark_backup_last_raw_size_bytes", "pg_dump archive size of the newest complete backup");
    auto& rpo =
        b.gauge("pgark_rpo_seconds", "Age of the newest complete backup: the data a disaster now would lose");
    auto& drill_ts = b.gauge("pgark_drill_last_success_timestamp_seconds",
                             "End time of the newest successful drill (unix seconds)");
    auto& drill_ok = b.gauge("pgark_drill_last_run_success", "1 if the newest drill passed, 0 if it failed");
    auto& drill_rto =
        b.gauge("pgark_drill_last_restore_seconds",
                "Measured restore time (download + restore) of the newest successful drill: the RTO");
    auto& drill_bad = b.gauge("pgark_drill_tables_mismatched",
                              "Tables whose rows differed from the backup in the newest drill");
    auto& obj_rpo = b.gauge("pgark_objective_rpo_seconds", "Recovery point objective (objectives.rpo)");
    auto& obj_rto = b.gauge("pgark_objective_rto_seconds", "Recovery time objective (objectives.rto)");

    for (const auto& d : status.databases) {
        prometheus::Labels l{{"database", d.database}};
        obj_rpo.Add(l).Set(static_cast<double>(status.objectives.rpo.count()));
        obj_rto.Add(l).Set(static_cast<double>(status.objectives.rto.count()));
        if (d.last_backup) {
            const auto& m = *d.last_backup;
            backup_ts.Add(l).Set(unix_seconds(m.finished_at));
            backup_dur.Add(l).Set(std::chrono::duration<double>(m.finished_at - m.started_at).count());
            backup_size.Add(l).Set(static_cast<double>(m.stored_bytes));
            backup_raw.Add(l).Set(static_cast<double>(m.raw_bytes));
            rpo.Add(l).Set(std::max(0.0, std::chrono::duration<double>(now - m.finished_at).count()));
        }
        if (d.previous_backup) backup_prev.Add(l).Set(static_cast<double>(d.previous_backup->stored_bytes));
        if (d.last_drill) {
            drill_ok.Add(l).Set(d.last_drill->ok ? 1 : 0);
            drill_bad.Add(l).Set(static_cast<double>(d.last_drill->tables_mismatched()));
        }
        if (d.last_successful_drill) {
            drill_ts.Add(l).Set(unix_seconds(d.last_successful_drill->finished_at));
            drill_rto.Add(l).Set(d.last_successful_drill->restore_seconds);
        }
    }

    // Job counters of this configuration's database: in memory in the daemon, carried in the textfile
    // by one-shot runs.
    auto& backup_last_ok = b.gauge("pgark_backup_last_run_success",
                                   "1 if the most recent backup attempt succeeded, 0 if it failed");
    auto& backup_failures = b.counter("pgark_backup_failures_total", "Failed backup attempts");
    auto& drill_failures = b.counter("pgark_drill_failures_total", "Failed drills");
    auto& runs = b.counter("pgark_job_runs_total", "Job runs by result");
    auto& skipped = b.counter("pgark_job_skipped_total",
                              "Scheduled runs skipped because the previous run of the job was still running");
    auto& running = b.gauge("pgark_job_running", "1 while the job runs");
    auto& last_ok =
        b.gauge("pgark_job_last_run_success", "1 if the job's most recent run succeeded, 0 if it failed");
    auto& prune_ts =
        b.gauge("pgark_prune_last_success_timestamp_seconds", "End time of the last successful prune");
    auto& prune_deleted = b.counter("pgark_prune_deleted_total", "Backups removed by prune");
    if (!state.database.empty()) {
        const auto& db = state.database;
        auto job = [&](const std::string& name) {
            auto it = state.jobs.find(name);
            return it == state.jobs.end() ? JobCounters{} : it->second;
        };
        auto backup = job("backup");
        if (backup.last_run_ok) backup_last_ok.Add({{"database", db}}).Set(*backup.last_run_ok ? 1 : 0);
        backup_failures.Add({{"database", db}}).Increment(static_cast<double>(backup.failures));
        drill_failures.Add({{"database", db}}).Increment(static_cast<double>(job("drill").failures));
        for (const char* name : kJobNames) {
            auto c = job(name);
            runs.Add({{"database", db}, {"task", name}, {"result", "success"}})
                .Increment(static_cast<double>(c.successes));
            runs.Add({{"database", db}, {"task", name}, {"result", "failure"}})
                .Increment(static_cast<double>(c.failures));
            runs.Add({{"database", db}, {"task", name}, {"result", "cancelled"}})
                .Increment(static_cast<double>(c.cancellations));
            skipped.Add({{"database", db}, {"task", name}}).Increment(static_cast<double>(c.skipped));
            running.Add({{"database", db}, {"task", name}}).Set(c.running ? 1 : 0);
            if (c.last_run_ok) last_ok.Add({{"database", db}, {"task", name}}).Set(*c.last_run_ok ? 1 : 0);
        }
        if (state.last_prune_success)
            prune_ts.Add({{"database", db}}).Set(unix_seconds(*state.last_prune_success));
        prune_deleted.Add({{"database", db}}).Increment(static_cast<double>(state.prune_deleted));
    }
    return b.text();
}

MetricsState read_metrics_state(const std::string& text, const std::string& database) {
    MetricsState s;
    s.database = database;
    static const std::regex line(R"(^(pgark_[a-z_]+)\{([^}]*)\} (\S+)$)");
    static const std::regex label(R"re(([a-z_]+)="((?:[^"\\]|\\.)*)")re");
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        std::smatch m;
        if (!std::regex_match(l, m, line)) continue;
        std::map<std::string, std::string> labels;
        std::string ls = m.str(2);
        for (std::sregex_iterator it(ls.begin(), ls.end(), label), end; it != end; ++it)
            labels[it->str(1)] = it->str(2);
        if (labels["database"] != database) continue;
        double v = 0;
        try {
            v = std::stod(m.str(3));
        } catch (...) {
            continue;
        }
        if (v < 0) continue;
        const auto name = m.str(1);
        const auto n = static_cast<std::uint64_t>(v);
        if (name == "pgark_job_runs_total" && labels.count("task")) {
            auto& c = s.jobs[labels["task"]];
            const auto& result = labels["result"];
            (result == "success" ? c.successes : result == "cancelled" ? c.cancellations : c.failures) = n;
        } else if (name == "pgark_job_skipped_total" && labels.count("task")) {
            s.jobs[labels["task"]].skipped = n;
        } else if (name == "pgark_job_last_run_success" && labels.count("task")) {
            s.jobs[labels["task"]].last_run_ok = v >= 1;
        } else if (name == "pgark_prune_last_success_timestamp_seconds") {
            s.last_prune_success = SystemTime(
                std::chrono::duration_cast<SystemTime::duration>(std::chrono::duration<double>(v)));
        } else if (name == "pgark_prune_deleted_total") {
            s.prune_deleted = n;
        }
    }
    return s;
}

void write_metrics_textfile(const std::filesystem::path& path, const std::string& text) {
    auto tmp = path;
    static std::atomic<unsigned> counter{0};
    tmp += ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter.fetch_add(1));
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out) {
            std::error_code ec;
            std::filesystem::remove(tmp, ec);
            throw Error("writing the metrics textfile " + tmp.string() + " failed (" + std::strerror(errno) +
                        "); check metrics.textfile and the directory's permissions");
        }
    }
    // node_exporter must never read a half-written file: rename replaces it atomically.
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        throw Error("replacing the metrics textfile " + path.string() + " failed (" + std::strerror(err) +
                    ")");
    }
}

std::optional<bool> update_metrics_textfile(const Context& ctx, const std::string& job, bool ok,
                                            std::uint64_t deleted) {
    const auto path = ctx.config().str("metrics.textfile");
    if (path.empty()) return std::nullopt;
    std::optional<bool> previous;
    try {
        const auto db = ctx.database_name().value_or("");
        std::string text;
        {
            std::ifstream in(path);
            std::stringstream ss;
            ss << in.rdbuf();
            text = ss.str();
        }
        auto state = read_metrics_state(text, db);
        previous = state.jobs[job].last_run_ok;
        auto now = std::chrono::system_clock::now();
        state.record(job, ok, now, deleted);
        StatusResult status;
        try {
            status = run_status(ctx, now);
        } catch (const Error& e) {
            // The repository may be what failed; the counters still go out.
            spdlog::warn("metrics: cannot read the repository's state: {}", redact::scrub(e.what()));
        }
        write_metrics_textfile(path, render_metrics(status, state, now));
    } catch (const std::exception& e) {
        spdlog::warn("metrics: {}", redact::scrub(e.what()));
    }
    return previous;
}

}  // namespace pgark
