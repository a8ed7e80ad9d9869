// The scheduler daemon. Threads: the main loop (sleeps until the next firing or an event, starts due
// jobs), one thread per running job, the HTTP server, and a signal thread (sigwait) that turns
// SIGHUP into a reload and SIGTERM/SIGINT into a stop. Signals are blocked everywhere else, so a
// SIGTERM does not cancel a job at once: the stop lets it finish for daemon.stop_timeout, then
// cancels it (cleanup included). A second SIGTERM cancels at once. The daemon holds the database's
// daemon lock in the repository (refreshed every minute) and binds its port exclusively, so a second
// daemon for the same database or address is refused instead of running every job twice.
#include "daemon/daemon.h"

#include <signal.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#ifdef PGARK_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "commands/context.h"
#include "commands/status.h"
#include "core/schedule.h"
#include "daemon/http_endpoint.h"
#include "daemon/scheduled_job.h"
#include "repo/daemon_lock.h"
#include "report/json.h"
#include "report/metrics.h"
#include "report/notify.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/redact.h"
#include "util/units.h"

namespace pgark {
namespace {

void sd_notify_text([[maybe_unused]] const std::string& text) {
#ifdef PGARK_HAVE_SYSTEMD
    sd_notify(0, text.c_str());
#endif
}

// The schedules of a configuration; throws UsageError for a bad expression or time zone.
struct Schedules {
    std::vector<JobSchedule> jobs;
    const date::time_zone* tz = nullptr;
    std::chrono::seconds random_delay{0};
};

Schedules read_schedules(const config::Config& cfg) {
    Schedules s;
    s.tz = parse_time_zone(cfg.str("schedule.timezone"), "schedule.timezone");
    s.random_delay = cfg.duration("schedule.random_delay");
    for (auto kind : {JobKind::backup, JobKind::drill, JobKind::prune}) {
        const auto key = "schedule." + to_string(kind);
        const auto& text = cfg.str(key);
        if (text.find_first_not_of(" \t") == std::string::npos) continue;  // empty: not scheduled
        s.jobs.push_back({kind, CronExpr::parse(text, key)});
    }
    return s;
}

class Daemon {
  public:
    Daemon(config::Config cfg, const ConfigLoader& reload) : cfg_(std::move(cfg)), reload_(reload) {}
    int run();

  private:
    void signal_loop();
    void start_http();
    void do_reload();
    void start_job(JobKind kind);
    void run_job(JobKind kind, config::Config cfg);
    void refresh_status(const config::Config& cfg);
    std::string metrics_text();
    std::string health_json();
    void write_textfile(const config::Config& cfg);
    void heartbeat();

    std::mutex mu_;  // guards everything below but the constants
    std::condition_variable cv_;
    config::Config cfg_;
    const ConfigLoader& reload_;
    std::unique_ptr<Scheduler> scheduler_;
    MetricsState state_;
    StatusResult status_;
    std::chrono::steady_clock::time_point status_at_{};
    std::map<JobKind, std::thread> jobs_;
    std::map<JobKind, std::uint64_t> skipped_base_;  // skips counted by earlier daemons (textfile)
    std::mutex textfile_mu_;
    std::vector<JobKind> finished_;  // threads to join
    bool reload_requested_ = false;
    int stop_signals_ = 0;
    std::atomic<bool> signal_thread_stop_{false};
    std::unique_ptr<HttpEndpoint> http_;
    SystemTime last_loop_{};
    std::map<JobKind, std::string> last_error_;  // the last run's error, while it is the last run
    // The daemon lock (repo/daemon_lock.h) and the repository it is kept in.
    std::optional<Repository> lock_repo_;
    std::unique_ptr<DaemonLock> lock_;
    std::chrono::steady_clock::time_point next_heartbeat_{};
};

void Daemon::signal_loop() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, s);
    timespec tick{0, 200 * 1000 * 1000};
    while (!signal_thread_stop_.load()) {
        int sig = sigtimedwait(&set, nullptr, &tick);
        if (sig < 0) continue;
        std::lock_guard lock(mu_);
        if (sig == SIGHUP) {
            reload_requested_ = true;
        } else {
            ++stop_signals_;
            // A second stop signal, or no grace period: cancel the running jobs now (they clean up).
            if (stop_signals_ > 1 || cfg_.duration("daemon.stop_timeout").count() == 0) cancel::request(sig);
        }
        cv_.notify_all();
    }
}

void Daemon::refresh_status(const config::Config& cfg) {
    StatusResult s;
    try {
        Context ctx(cfg);
        s = run_status(ctx, std::chrono::system_clock::now());
    } catch (const Error& e) {
        spdlog::warn("daemon: cannot read the repository's state for metrics: {}", redact::scrub(e.what()));
        return;
    }
    std::lock_guard lock(mu_);
    status_ = std::move(s);
    status_at_ = std::chrono::steady_clock::now();
}

std::string Daemon::metrics_text() {
    config::Config cfg = [&] {
        std::lock_guard lock(mu_);
        return cfg_;
    }();
    bool stale;
    {
        std::lock_guard lock(mu_);
        // The repository is read at most once a minute for scrapes; jobs refresh it when they end.
        stale = std::chrono::steady_clock::now() - status_at_ > std::chrono::minutes(1);
        // Counted as refreshed from the attempt on: concurrent scrapes, or a repository that fails,
        // do not make every scrape wait for another read.
        if (stale) status_at_ = std::chrono::steady_clock::now();
    }
    if (stale) refresh_status(cfg);
    std::lock_guard lock(mu_);
    for (auto kind : {JobKind::backup, JobKind::drill, JobKind::prune}) {
        auto& c = state_.jobs[to_string(kind)];
        c.running = scheduler_ && scheduler_->running(kind);
        c.skipped = skipped_base_[kind] + (scheduler_ ? scheduler_->skipped(kind) : 0);
    }
    return render_metrics(status_, state_, std::chrono::system_clock::now());
}

std::string Daemon::health_json() {
    std::lock_guard lock(mu_);
    report::HealthReport h;
    h.database = state_.database;
    for (auto kind : {JobKind::backup, JobKind::drill, JobKind::prune}) {
        report::HealthReport::Job j;
        j.name = to_string(kind);
        j.running = jobs_.count(kind) > 0;
        auto next = scheduler_ ? scheduler_->next_due(kind) : std::nullopt;
        j.next_run = next ? format_iso8601(*next) : "";
        auto it = state_.jobs.find(j.name);
        if (it != state_.jobs.end()) j.last_run_ok = it->second.last_run_ok;
        // Cancelled runs leave the last result alone, so the outcome follows from it.
        if (j.last_run_ok)
            j.last_outcome = to_string(*j.last_run_ok ? JobOutcome::succeeded : JobOutcome::failed);
        if (auto e = last_error_.find(kind); e != last_error_.end()) j.last_error = e->second;
        h.jobs.push_back(std::move(j));
    }
    return report::to_json(h);
}

void Daemon::start_http() {
    const auto listen = cfg_.str("daemon.listen");
    if (listen.empty()) return;
    http_ = std::make_unique<HttpEndpoint>(
        listen,
        std::vector<HttpEndpoint::Route>{
            {"/metrics", "text/plain; version=0.0.4; charset=utf-8", [this] { return metrics_text(); }},
            {"/healthz", "application/json", [this] { return health_json(); }}});
    spdlog::info("daemon: serving /metrics and /healthz on http://{}/", listen);
}

void Daemon::heartbeat() {
    if (!lock_ || std::chrono::steady_clock::now() < next_heartbeat_) return;
    next_heartbeat_ = std::chrono::steady_clock::now() + kDaemonHeartbeatInterval;
    try {
        lock_->heartbeat();
    } catch (const Error& e) {
        spdlog::warn(
            "daemon: could not refresh the daemon lock {} ({}); another daemon may take over the "
            "database if this lasts {} minutes",
            lock_->key(), redact::scrub(e.what()), kDaemonHeartbeatTimeout.count() / 60);
    }
}

void Daemon::do_reload() {
    spdlog::info("daemon: SIGHUP: reloading the configuration");
    sd_notify_text("RELOADING=1");
    try {
        auto cfg = reload_();
        auto s = read_schedules(cfg);
        Context check(cfg);  // registers new secrets for scrubbing
        std::lock_guard lock(mu_);
        if (cfg.str("daemon.listen") != cfg_.str("daemon.listen"))
            spdlog::warn("daemon: daemon.listen changed; the new address takes effect after a restart");
        scheduler_->reload(s.jobs, s.tz, s.random_delay, std::chrono::system_clock::now());
        cfg_ = std::move(cfg);
        state_.database = check.database_name().value_or("");
        spdlog::info("daemon: configuration reloaded");
    } catch (const Error& e) {
        spdlog::error("daemon: the new configuration is invalid, keeping the previous one: {}",
                      redact::scrub(e.what()));
    }
    sd_notify_text("READY=1");
    cv_.notify_all();
}

void Daemon::start_job(JobKind kind) {
    // mu_ is held by the caller.
    scheduler_->mark_started(kind);
    state_.jobs[to_string(kind)].running = true;
    jobs_[kind] = std::thread([this, kind, cfg = cfg_] { run_job(kind, cfg); });
}

void Daemon::run_job(JobKind kind, config::Config cfg) {
    const auto name = to_string(kind);
    Stopwatch sw;
    Context ctx(cfg);
    const auto db = ctx.database_name().value_or("");
    spdlog::info("daemon: {} of {} started", name, db);
    const JobRun run = run_scheduled_job(kind, ctx);
    const double seconds = sw.seconds();
    const bool ok = run.outcome == JobOutcome::succeeded;
    switch (run.outcome) {
        case JobOutcome::succeeded:
            spdlog::info("daemon: {} of {} succeeded in {}: {}", name, db, units::format_duration(seconds),
                         run.message);
            break;
        case JobOutcome::failed:
            spdlog::error("daemon: {} of {} failed after {}: {}", name, db, units::format_duration(seconds),
                          run.message);
            break;
        case JobOutcome::cancelled:
            spdlog::info("daemon: {} of {} cancelled after {}", name, db, units::format_duration(seconds));
            break;
    }

    std::optional<bool> previous;
    {
        std::lock_guard lock(mu_);
        previous = state_.jobs[name].last_run_ok;
        // A stop is not a verdict on the job: counted apart, and the last result stays.
        if (run.outcome == JobOutcome::cancelled) {
            state_.record_cancelled(name);
        } else {
            state_.record(name, ok, std::chrono::system_clock::now(), run.deleted);
            if (ok)
                last_error_.erase(kind);
            else
                last_error_[kind] = run.message;
        }
        scheduler_->mark_finished(kind);
        state_.jobs[name].running = false;
    }
    // Reporting must never take the daemon down: an escaping exception in a thread would terminate it.
    try {
        if (run.outcome != JobOutcome::cancelled)
            notify_job(ctx, JobEvent{name, db, ok, previous, run.message, seconds});
        refresh_status(cfg);
        write_textfile(cfg);
    } catch (const std::exception& e) {
        spdlog::warn("daemon: reporting the {} result failed: {}", name, redact::scrub(e.what()));
    } catch (const Cancelled&) {
        // The stop reached the reporting: the next start reads the repository again.
    }
    std::lock_guard lock(mu_);
    finished_.push_back(kind);
    cv_.notify_all();
}

void Daemon::write_textfile(const config::Config& cfg) {
    const auto path = cfg.str("metrics.textfile");
    if (path.empty()) return;
    std::lock_guard lock(textfile_mu_);  // two jobs may finish together
    try {
        write_metrics_textfile(path, metrics_text());
    } catch (const Error& e) {
        spdlog::warn("daemon: {}", redact::scrub(e.what()));
    }
}

int Daemon::run() {
    // Before any thread starts, so that every thread inherits the mask and only sigwait sees them.
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, s);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);

    auto schedules = read_schedules(cfg_);
    Context ctx(cfg_);
    state_.database = ctx.database_name().value_or("");
    if (state_.database.empty())
        throw UsageError("daemon: no database configured (database.dbname, PGDATABASE or POSTGRES_DB)");
    // Counters continue from the textfile of a previous run, so a restart does not clear a failure.
    if (const auto& path = cfg_.str("metrics.textfile"); !path.empty()) {
        std::ifstream in(path);
        std::stringstream ss;
        ss << in.rdbuf();
        state_ = read_metrics_state(ss.str(), state_.database);
        for (auto kind : {JobKind::backup, JobKind::drill, JobKind::prune})
            skipped_base_[kind] = state_.jobs[to_string(kind)].skipped;
    }
    auto now = std::chrono::system_clock::now();
    scheduler_ = std::make_unique<Scheduler>(schedules.jobs, schedules.tz, schedules.random_delay,
                                             uniform_random_delay(), now);
    // Test hook: jobs due right away, so integration tests need not wait for a cron minute.
    std::vector<JobKind> start_now;
    if (const char* hooks = std::getenv("PGARK_TEST_HOOKS"); hooks && std::string(hooks) == "1")
        if (const char* jobs = std::getenv("PGARK_TEST_DAEMON_START_JOBS"))
            for (auto kind : {JobKind::backup, JobKind::drill, JobKind::prune})
                if (std::string(jobs).find(to_string(kind)) != std::string::npos) start_now.push_back(kind);

    std::thread signals([this] { signal_loop(); });
    struct Joiner {
        Daemon* d;
        std::thread& t;
        ~Joiner() {
            d->signal_thread_stop_.store(true);
            if (t.joinable()) t.join();
            d->http_.reset();
        }
    } joiner{this, signals};

    // One daemon per database: a second one (here or on another host) is refused before it schedules.
    lock_repo_.emplace(ctx.open_repository());
    lock_ = std::make_unique<DaemonLock>(lock_repo_->storage(), state_.database);
    next_heartbeat_ = std::chrono::steady_clock::now() + kDaemonHeartbeatInterval;
    start_http();
    refresh_status(cfg_);
    for (const auto& j : schedules.jobs) {
        auto next = scheduler_->next_due(j.kind);
        spdlog::info("daemon: {} scheduled '{}' ({}), next run {}", to_string(j.kind), j.cron.text(),
                     cfg_.str("schedule.timezone"), next ? format_iso8601(*next) : "never");
    }
    if (schedules.jobs.empty())
        spdlog::warn("daemon: no job is scheduled (schedule.backup/drill/prune are empty)");
    sd_notify_text("READY=1\nSTATUS=running the schedules");

    std::unique_lock lock(mu_);
    for (auto kind : start_now) start_job(kind);
    while (stop_signals_ == 0) {
        if (reload_requested_) {
            reload_requested_ = false;
            lock.unlock();
            do_reload();
            lock.lock();
            continue;
        }
        for (auto kind : finished_) {
            auto it = jobs_.find(kind);
            if (it != jobs_.end()) {
                it->second.join();
                jobs_.erase(it);
            }
        }
        finished_.clear();
        now = std::chrono::system_clock::now();
        last_loop_ = now;
        std::map<JobKind, std::uint64_t> skipped;
        for (auto kind : {JobKind::backup, JobKind::drill, JobKind::prune})
            skipped[kind] = scheduler_->skipped(kind);
        for (auto kind : scheduler_->due(now))
            if (!jobs_.count(kind)) start_job(kind);  // the scheduler already skips a running kind
        for (auto [kind, before] : skipped)
            if (scheduler_->skipped(kind) > before)
                spdlog::warn("daemon: {} skipped: the previous run is still running", to_string(kind));
        lock.unlock();
        heartbeat();
        lock.lock();
        // Sleep until the next firing, at most a minute (the clock may jump, the lock needs its
        // heartbeat), or until an event.
        auto wake = scheduler_->next_wakeup().value_or(now + std::chrono::minutes(1));
        wake = std::min(wake, now + std::min<std::chrono::system_clock::duration>(std::chrono::minutes(1),
                                                                                  kDaemonHeartbeatInterval));
        cv_.wait_until(lock, wake,
                       [&] { return stop_signals_ > 0 || reload_requested_ || !finished_.empty(); });
    }

    spdlog::info("daemon: stopping");
    sd_notify_text("STOPPING=1");
    if (!jobs_.empty()) {
        auto grace = cfg_.duration("daemon.stop_timeout");
        if (grace.count() > 0 && !cancel::requested()) {
            spdlog::info(
                "daemon: waiting up to {} for the running job(s) to finish (SIGTERM again cancels them)",
                units::format_duration(static_cast<double>(grace.count())));
            cv_.wait_for(lock, grace,
                         [&] { return finished_.size() == jobs_.size() || cancel::requested(); });
        }
        if (finished_.size() != jobs_.size() && !cancel::requested()) {
            spdlog::info("daemon: cancelling the running job(s)");
            cancel::request(SIGTERM);
        }
        lock.unlock();
        for (auto& [kind, t] : jobs_) t.join();
        lock.lock();
        jobs_.clear();
    }
    spdlog::info("daemon: stopped");
    return 0;
}

}  // namespace

int run_daemon(config::Config initial, const ConfigLoader& reload) {
    Daemon d(std::move(initial), reload);
    return d.run();
}

}  // namespace pgark
