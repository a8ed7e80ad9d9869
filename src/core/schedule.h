// Which of the daemon's jobs is due when: pure bookkeeping over cron schedules, with time passed in,
// so that the daemon's loop only sleeps and runs, and every decision is testable with a manual clock.
//
// Rules:
//   - A job's first firing is the first one strictly after the scheduler's start.
//   - With a random delay D > 0, a firing at T becomes due at T + r, r = random(D) drawn once per firing
//     (clamped to [0, D]); spreading hosts that share a schedule. D = 0 never calls random.
//   - due(now) reports every job whose due time is at or before `now`, in order of due time (ties: backup,
//     drill, prune), and schedules its next firing strictly after `now`. So firings missed while the
//     machine slept or the daemon was stopped coalesce into ONE run, and are not counted as skips; a
//     random delay longer than the interval likewise swallows the firings inside it.
//   - A job of a kind that is running (mark_started without mark_finished) does not run again: its due
//     firing is skipped and counted (one count per due() that finds it due, however many firings
//     coalesced), and its next firing is scheduled after `now`.
//   - The system clock stepping backwards delays firings until it catches up; nothing runs twice.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/cron.h"
#include "util/time.h"

namespace pgark {

enum class JobKind { backup, drill, prune };
inline constexpr std::size_t kJobKinds = 3;
// "backup", "drill", "prune": the names of the schedule.* keys and of the commands.
std::string to_string(JobKind kind);

struct JobSchedule {
    JobKind kind;
    CronExpr cron;
};

class Clock {
  public:
    virtual ~Clock() = default;
    virtual SystemTime now() const = 0;
};

class SystemClock final : public Clock {
  public:
    SystemTime now() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told to, for tests.
class ManualClock final : public Clock {
  public:
    explicit ManualClock(SystemTime start) : now_(start) {}
    SystemTime now() const override { return now_; }
    void set(SystemTime t) { now_ = t; }
    void advance(std::chrono::nanoseconds d) { now_ += std::chrono::duration_cast<SystemTime::duration>(d); }

  private:
    SystemTime now_;
};

// Returns a delay in [0, max]; injected so that tests are deterministic.
using RandomDelay = std::function<std::chrono::seconds(std::chrono::seconds max)>;
// Uniformly distributed whole seconds from a generator seeded by std::random_device (for the daemon).
RandomDelay uniform_random_delay();

class Scheduler {
  public:
    // `jobs` holds at most one schedule per kind; `tz` must not be null; `random` may be empty only when
    // `random_delay` is zero. Violations are programming errors (std::invalid_argument).
    Scheduler(std::vector<JobSchedule> jobs, const date::time_zone* tz, std::chrono::seconds random_delay,
              RandomDelay random, SystemTime start);

    // The jobs due at or before `now`, in order of due time; see the rules above. Call mark_started for
    // each job actually started, so that an overlapping firing is skipped.
    std::vector<JobKind> due(SystemTime now);

    void mark_started(JobKind kind);
    void mark_finished(JobKind kind);
    bool running(JobKind kind) const;
    // Due firings skipped because the job was still running, since construction (reload keeps them).
    std::uint64_t skipped(JobKind kind) const;

    // The earliest due time (random delay included) of any job, for the loop's sleep; nullopt if no jobs.
    std::optional<SystemTime> next_wakeup() const;
    // When the job is next due, random delay included; nullopt if it is not scheduled.
    std::optional<SystemTime> next_due(JobKind kind) const;
    // Its next nominal firing, without the delay (for status output); nullopt if it is not scheduled.
    std::optional<SystemTime> next_firing(JobKind kind) const;

    // Replaces the schedules (SIGHUP), keeping running flags, skip counters and the random source. A job
    // whose expression, time zone and maximum delay are unchanged keeps its pending firing (so a reload
    // during its random delay does not lose it); any other job is scheduled afresh after `now`.
    void reload(std::vector<JobSchedule> jobs, const date::time_zone* tz, std::chrono::seconds random_delay,
                SystemTime now);

  private:
    struct Entry {
        JobSchedule job;
        SystemTime firing;
        SystemTime due_at;
    };

    static void check(const std::vector<JobSchedule>& jobs, const date::time_zone* tz,
                      std::chrono::seconds random_delay, const RandomDelay& random);
    void schedule_after(Entry& e, SystemTime t);
    const Entry* find(JobKind kind) const;

    std::vector<Entry> entries_;
    const date::time_zone* tz_;
    std::chrono::seconds max_delay_;
    RandomDelay random_;
    std::array<bool, kJobKinds> running_{};
    std::array<std::uint64_t, kJobKinds> skipped_{};
};

}  // namespace pgark
