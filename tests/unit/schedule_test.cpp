// Unit tests for the daemon's scheduler with a manual clock: first firings, due order, overlap skips,
// coalescing of missed firings, the injected random delay, reload, and a simulated day of the daemon loop.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/schedule.h"

using pgark::Clock;
using pgark::CronExpr;
using pgark::JobKind;
using pgark::JobSchedule;
using pgark::ManualClock;
using pgark::RandomDelay;
using pgark::Scheduler;
using pgark::SystemClock;
using pgark::SystemTime;
using namespace std::chrono_literals;

namespace {

SystemTime utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
    return date::sys_days{date::year{y} / mo / d} + std::chrono::hours{h} + std::chrono::minutes{mi} +
           std::chrono::seconds{s};
}

const date::time_zone* zone(const char* name) {
    return date::locate_zone(name);
}

JobSchedule job(JobKind kind, const std::string& expr) {
    return JobSchedule{kind, CronExpr::parse(expr, "schedule." + pgark::to_string(kind))};
}

// The defaults of the schedule.* keys.
std::vector<JobSchedule> nightly() {
    return {job(JobKind::backup, "0 2 * * *"), job(JobKind::drill, "30 3 * * *"),
            job(JobKind::prune, "0 4 * * *")};
}

// A random source that must not be used.
RandomDelay no_random() {
    return [](std::chrono::seconds) {
        ADD_FAILURE() << "random source called although the delay is zero";
        return 0s;
    };
}

// Hands out scripted delays and records the maximum it was asked for.
struct ScriptedRandom {
    std::deque<std::chrono::seconds> values;
    std::vector<std::chrono::seconds> asked;
    RandomDelay source() {
        return [this](std::chrono::seconds max) {
            asked.push_back(max);
            if (values.empty()) {
                ADD_FAILURE() << "more random draws than scripted";
                return 0s;
            }
            const auto v = values.front();
            values.pop_front();
            return v;
        };
    }
};

using Names = std::vector<std::string>;

// What due() returns, by name, so that failures read "backup" rather than bytes.
Names due(Scheduler& s, SystemTime now) {
    Names out;
    for (JobKind k : s.due(now)) out.push_back(pgark::to_string(k));
    return out;
}

std::string show(std::optional<SystemTime> t) {
    return t ? date::format("%F %TZ", std::chrono::floor<std::chrono::seconds>(*t)) : "none";
}

}  // namespace

TEST(Scheduler, JobKindNames) {
    EXPECT_EQ(pgark::to_string(JobKind::backup), "backup");
    EXPECT_EQ(pgark::to_string(JobKind::drill), "drill");
    EXPECT_EQ(pgark::to_string(JobKind::prune), "prune");
}

TEST(Scheduler, Clocks) {
    ManualClock manual(utc(2026, 1, 24));
    const Clock& clock = manual;
    EXPECT_EQ(clock.now(), utc(2026, 1, 24));
    manual.advance(90min);
    EXPECT_EQ(clock.now(), utc(2026, 1, 24, 1, 30));
    manual.set(utc(2030, 5, 1));
    EXPECT_EQ(clock.now(), utc(2030, 5, 1));

    const auto before = std::chrono::system_clock::now();
    const SystemTime now = SystemClock{}.now();
    const auto after = std::chrono::system_clock::now();
    EXPECT_LE(before, now);
    EXPECT_LE(now, after);
}

TEST(Scheduler, UniformRandomDelayStaysInRange) {
    const RandomDelay random = pgark::uniform_random_delay();
    std::set<std::chrono::seconds> seen;
    for (int i = 0; i < 1000; ++i) {
        const auto d = random(10s);
        ASSERT_GE(d, 0s);
        ASSERT_LE(d, 10s);
        seen.insert(d);
    }
    EXPECT_EQ(seen.size(), 11u);  // 0..10 all occur in 1000 draws (missing one: probability ~1e-40)
    EXPECT_EQ(random(0s), 0s);
}

TEST(Scheduler, FirstFiringsComeAfterStart) {
    const Scheduler s(nightly(), zone("UTC"), 0s, no_random(), utc(2026, 1, 24, 12, 0));
    EXPECT_EQ(show(s.next_due(JobKind::backup)), "2026-01-25 02:00:00Z");
    EXPECT_EQ(show(s.next_due(JobKind::drill)), "2026-01-25 03:30:00Z");
    EXPECT_EQ(show(s.next_due(JobKind::prune)), "2026-01-25 04:00:00Z");
    EXPECT_EQ(show(s.next_firing(JobKind::drill)), "2026-01-25 03:30:00Z");
    EXPECT_EQ(show(s.next_wakeup()), "2026-01-25 02:00:00Z");

    // Starting exactly at a firing does not run it: firings come strictly after the start.
    const Scheduler at_two(nightly(), zone("UTC"), 0s, no_random(), utc(2026, 1, 24, 2, 0));
    EXPECT_EQ(show(at_two.next_due(JobKind::backup)), "2026-01-25 02:00:00Z");
    EXPECT_EQ(show(at_two.next_due(JobKind::drill)), "2026-01-24 03:30:00Z");
}

TEST(Scheduler, SchedulesInItsTimeZone) {
    // 02:30 in Berlin on the spring-forward day does not exist: the backup runs at 03:00 CEST.
    const Scheduler s({job(JobKind::backup, "30 2 * * *")}, zone("Europe/Berlin"), 0s, no_random(),
                      utc(2026, 3, 28, 12, 0));
    EXPECT_EQ(show(s.next_due(JobKind::backup)), "2026-03-29 01:00:00Z");
}

TEST(Scheduler, WithoutJobsThereIsNothingToWaitFor) {
    Scheduler s({}, zone("UTC"), 0s, no_random(), utc(2026, 1, 24));
    EXPECT_FALSE(s.next_wakeup());
    EXPECT_FALSE(s.next_due(JobKind::backup));
    EXPECT_FALSE(s.next_firing(JobKind::backup));
    EXPECT_TRUE(s.due(utc(2027, 1, 1)).empty());
}

TEST(Scheduler, UnscheduledKindHasNoDueTime) {
    const Scheduler s({job(JobKind::backup, "0 2 * * *")}, zone("UTC"), 0s, no_random(), utc(2026, 1, 24));
    EXPECT_TRUE(s.next_due(JobKind::backup));
    EXPECT_FALSE(s.next_due(JobKind::drill));
    EXPECT_FALSE(s.next_due(JobKind::prune));
}

TEST(Scheduler, DueAtItsTimeAndOnlyOnce) {
    Scheduler s(nightly(), zone("UTC"), 0s, no_random(), utc(2026, 1, 24, 12, 0));
    EXPECT_TRUE(s.due(utc(2026, 1, 25, 1, 59, 59) + 999ms).empty());
    EXPECT_EQ(due(s, utc(2026, 1, 25, 2, 0)), (Names{"backup"}));
    EXPECT_TRUE(s.due(utc(2026, 1, 25, 2, 0)).empty());  // already handed out
    EXPECT_TRUE(s.due(utc(2026, 1, 25, 3, 0)).empty());
    EXPECT_EQ(show(s.next_due(JobKind::backup)), "2026-01-26 02:00:00Z");
    EXPECT_EQ(show(s.next_wakeup()), "2026-01-25 03:30:00Z");
    EXPECT_EQ(due(s, utc(2026, 1, 25, 3, 30, 5)), (Names{"drill"}));
}

TEST(Scheduler, DueInTimeOrderWithTiesInKindOrder) {
    // Listed in reverse; drill and prune share 01:00, backup comes later.
    Scheduler s({job(JobKind::prune, "0 1 * * *"), job(JobKind::backup, "0 2 * * *"),
                 job(JobKind::drill, "0 1 * * *")},
                zone("UTC"), 0s, no_random(), utc(2026, 1, 24, 12, 0));
    EXPECT_EQ(due(s, utc(2026, 1, 25, 5, 0)), (Names{"drill", "prune", "backup"}));
    // And the other way round when the times say so.
    Scheduler t({job(JobKind::backup, "0 3 * * *"), job(JobKind::drill, "0 2 * * *"),
                 job(JobKind::prune, "0 1 * * *")},
                zone("UTC"), 0s, no_random(), utc(2026, 1, 24, 12, 0));
    EXPECT_EQ(due(t, utc(2026, 1, 25, 5, 0)), (Names{"prune", "drill", "backup"}));
}

TEST(Scheduler, RunningJobSkipsItsFiringAndCountsIt) {
    Scheduler s(nightly(), zone("UTC"), 0s, no_random(), utc(2026, 1, 24, 12, 0));
    ASSERT_EQ(due(s, utc(2026, 1, 25, 2, 0)), (Names{"backup"}));
    s.mark_started(JobKind::backup);
    EXPECT_TRUE(s.running(JobKind::backup));
    EXPECT_FALSE(s.running(JobKind::drill));

    // The other jobs are not held up by the running backup; the backup's next firing is skipped.
    EXPECT_EQ(due(s, utc(2026, 1, 25, 4, 0)), (Names{"drill", "prune"}));
    EXPECT_EQ(due(s, utc(2026, 1, 26, 2, 0)), (Names{}));
    EXPECT_EQ(s.skipped(JobKind::backup), 1u);
    EXPECT_EQ(s.skipped(JobKind::drill), 0u);
    EXPECT_EQ(show(s.next_due(JobKind::backup)), "2026-01-27 02:00:00Z");

    s.mark_finished(JobKind::backup);
    EXPECT_FALSE(s.running(JobKind::backup));
    EXPECT_EQ(due(s, utc(2026, 1, 26, 4, 0)), (Names{"drill", "prune"}));
    EXPECT_EQ(due(s, utc(2026, 1, 27, 2, 0)), (Names{"backup"}));
    EXPECT_EQ(s.skipped(JobKind::backup), 1u);
}

TEST(Scheduler, MissedFiringsCoalesceIntoOneRun) {
    // The machine sleeps for three days: 72 hourly firings pass, one run results, none counts as a skip.
    Scheduler s({job(JobKind::prune, "0 * * * *")}, zone("UTC"), 0s, no_random(), utc(2026, 1, 24, 0, 30));
    EXPECT_EQ(due(s, utc(2026, 1, 27, 0, 40)), (Names{"prune"}));
    EXPECT_EQ(s.skipped(JobKind::prune), 0u);
    EXPECT_EQ(show(s.next_due(JobKind::prune)), "2026-01-27 01:00:00Z");
    EXPECT_TRUE(s.due(utc(2026, 1, 27, 0, 59)).empty());
}

TEST(Scheduler, MissedFiringsWhileRunningCountAsOneSkip) {
    Scheduler s({job(JobKind::drill, "0 * * * *")}, zone("UTC"), 0s, no_random(), utc(2026, 1, 24, 0, 30));
    ASSERT_EQ(due(s, utc(2026, 1, 24, 1, 0)), (Names{"drill"}));
    s.mark_started(JobKind::drill);
    EXPECT_TRUE(s.due(utc(2026, 1, 27, 1, 30)).empty());
    EXPECT_EQ(s.skipped(JobKind::drill), 1u);
    EXPECT_EQ(show(s.next_due(JobKind::drill)), "2026-01-27 02:00:00Z");
}

TEST(Scheduler, RandomDelayIsDrawnOncePerFiring) {
    ScriptedRandom random{{600s, 0s, 1800s}, {}};
    Scheduler s({job(JobKind::backup, "0 2 * * *")}, zone("UTC"), 30min, random.source(),
                utc(2026, 1, 24, 12, 0));
    EXPECT_EQ(show(s.next_firing(JobKind::backup)), "2026-01-25 02:00:00Z");
    EXPECT_EQ(show(s.next_due(JobKind::backup)), "2026-01-25 02:10:00Z");
    EXPECT_EQ(show(s.next_wakeup()), "2026-01-25 02:10:00Z");
    // Asking does not draw again.
    EXPECT_EQ(show(s.next_due(JobKind::backup)), "2026-01-25 02:10:00Z");
    EXPECT_EQ(random.asked.size(), 1u);

    EXPECT_TRUE(s.due(utc(2026, 1, 25, 2, 9, 59)).empty());
    EXPECT_EQ(due(s, utc(2026, 1, 25, 2, 10)), (Names{"backup"}));
    EXPECT_EQ(show(s.next_due(JobKind::backup)), "2026-01-26 02:00:00Z");  // drew 0s
    EXPECT_EQ(due(s, utc(2026, 1, 26, 2, 0)), (Names{"backup"}));
    EXPECT_EQ(show(s.next_due(JobKind::backup)), "2026-01-27 02:30:00Z");  // drew the maximum
    EXPECT_EQ(random.asked, (std::vector<std::chrono::seconds>{1800s, 1800s, 1800s}));
}

TEST(Scheduler, RandomDelayIsClampedToItsRange) {
    ScriptedRandom random{{2h, -5s}, {}};
    Scheduler s({job(JobKind::backup, "0 2 * * *"), job(JobKind::drill, "0 3 * * *")}, zone("UTC"), 30min,
                random.source(), utc(2026, 1, 24, 12, 0));
    EXPECT_EQ(show(s.next_due(JobKind::backup)), "2026-01-25 02:30:00Z");
    EXPECT_EQ(show(s.next_due(JobKind::drill)), "2026-01-25 03:00:00Z");
}

TEST(Scheduler, DelayedJobsComeInOrderOfDueTime) {
    // The backup fires first but is delayed past the drill.
    ScriptedRandom random{{50min, 0s, 0s, 0s}, {}};
    Scheduler s({job(JobKind::backup, "0 2 * * *"), job(JobKind::drill, "30 2 * * *")}, zone("UTC"), 1h,
                random.source(), utc(2026, 1, 24, 12, 0));
    EXPECT_EQ(show(s.next_wakeup()), "2026-01-25 02:30:00Z");
    EXPECT_EQ(due(s, utc(2026, 1, 25, 3, 0)), (Names{"drill", "backup"}));
}

TEST(Scheduler, ZeroDelayNeverCallsTheRandomSource) {
    Scheduler s(nightly(), zone("UTC"), 0s, no_random(), utc(2026, 1, 24, 12, 0));
    for (int day = 25; day < 30; ++day)
        EXPECT_EQ(s.due(utc(2026, 1, static_cast<unsigned>(day), 5, 0)).size(), 3u);
    Scheduler empty_source(nightly(), zone("UTC"), 0s, RandomDelay{}, utc(2026, 1, 24, 12, 0));
    EXPECT_EQ(empty_source.due(utc(2026, 1, 25, 5, 0)).size(), 3u);
}

TEST(Scheduler, ReloadKeepsRunningFlagsAndSkipCounters) {
    Scheduler s(nightly(), zone("UTC"), 0s, no_random(), utc(2026, 1, 24, 12, 0));
    ASSERT_EQ(due(s, utc(2026, 1, 25, 2, 0)), (Names{"backup"}));
    s.mark_started(JobKind::backup);
    ASSERT_EQ(due(s, utc(2026, 1, 26, 2, 0)), (Names{"drill", "prune"}));
    ASSERT_EQ(s.skipped(JobKind::backup), 1u);

    s.reload({job(JobKind::backup, "0 5 * * *")}, zone("UTC"), 0s, utc(2026, 1, 26, 2, 30));
    EXPECT_TRUE(s.running(JobKind::backup));
    EXPECT_EQ(s.skipped(JobKind::backup), 1u);
    // Changed: scheduled afresh from the reload; removed: gone.
    EXPECT_EQ(show(s.next_due(JobKind::backup)), "2026-01-26 05:00:00Z");
    EXPECT_FALSE(s.next_due(JobKind::drill));
    EXPECT_FALSE(s.next_due(JobKind::prune));
    EXPECT_TRUE(s.due(utc(2026, 1, 26, 5, 0)).empty());  // still running
    EXPECT_EQ(s.skipped(JobKind::backup), 2u);
    s.mark_finished(JobKind::backup);
    EXPECT_EQ(due(s, utc(2026, 1, 27, 5, 0)), (Names{"backup"}));
}

TEST(Scheduler, ReloadKeepsAPendingFiringOfAnUnchangedJob) {
    ScriptedRandom random{{20min, 0s, 15min, 5min}, {}};
    Scheduler s({job(JobKind::backup, "0 2 * * *")}, zone("UTC"), 30min, random.source(),
                utc(2026, 1, 24, 12, 0));
    ASSERT_EQ(show(s.next_due(JobKind::backup)), "2026-01-25 02:20:00Z");
    // SIGHUP at 02:10, during the delay, with the same schedule written differently, plus a new drill.
    s.reload({job(JobKind::backup, "0  02 * * *"), job(JobKind::drill, "0 * * * *")}, zone("UTC"), 30min,
             utc(2026, 1, 25, 2, 10));
    EXPECT_EQ(show(s.next_due(JobKind::backup)), "2026-01-25 02:20:00Z");  // not lost, not redrawn
    EXPECT_EQ(show(s.next_due(JobKind::drill)), "2026-01-25 03:00:00Z");   // added: after the reload, drew 0s
    EXPECT_EQ(due(s, utc(2026, 1, 25, 2, 20)), (Names{"backup"}));
    EXPECT_EQ(show(s.next_due(JobKind::backup)), "2026-01-26 02:15:00Z");

    // A different maximum delay changes the timing, so the firing is drawn afresh after the reload.
    s.reload({job(JobKind::backup, "0 2 * * *")}, zone("UTC"), 10min, utc(2026, 1, 25, 12, 0));
    EXPECT_EQ(show(s.next_due(JobKind::backup)), "2026-01-26 02:05:00Z");
    EXPECT_EQ(random.asked.back(), 10min);
}

TEST(Scheduler, ReloadWithAnotherZoneReschedules) {
    Scheduler s({job(JobKind::backup, "0 2 * * *")}, zone("UTC"), 0s, no_random(), utc(2026, 1, 24, 12, 0));
    ASSERT_EQ(show(s.next_due(JobKind::backup)), "2026-01-25 02:00:00Z");
    s.reload({job(JobKind::backup, "0 2 * * *")}, zone("America/New_York"), 0s, utc(2026, 1, 24, 12, 0));
    EXPECT_EQ(show(s.next_due(JobKind::backup)), "2026-01-25 07:00:00Z");
}

TEST(Scheduler, RejectsProgrammingErrors) {
    const auto tz = zone("UTC");
    const auto start = utc(2026, 1, 24);
    EXPECT_THROW(Scheduler({job(JobKind::backup, "0 2 * * *"), job(JobKind::backup, "0 3 * * *")}, tz, 0s,
                           no_random(), start),
                 std::invalid_argument);
    EXPECT_THROW(Scheduler(nightly(), nullptr, 0s, no_random(), start), std::invalid_argument);
    EXPECT_THROW(Scheduler(nightly(), tz, 10s, RandomDelay{}, start), std::invalid_argument);
    EXPECT_THROW(Scheduler(nightly(), tz, -1s, no_random(), start), std::invalid_argument);

    // A rejected reload leaves the scheduler as it was.
    Scheduler s(nightly(), tz, 0s, no_random(), start);
    EXPECT_THROW(
        s.reload({job(JobKind::drill, "0 1 * * *"), job(JobKind::drill, "0 2 * * *")}, tz, 0s, start),
        std::invalid_argument);
    EXPECT_THROW(s.reload(nightly(), nullptr, 0s, start), std::invalid_argument);
    EXPECT_EQ(show(s.next_due(JobKind::drill)), "2026-01-24 03:30:00Z");
    EXPECT_EQ(show(s.next_due(JobKind::prune)), "2026-01-24 04:00:00Z");
}

// The daemon's loop, driven by a manual clock over one day: sleep until the next event, finish what
// ended, start what is due. A drill every 20 minutes that takes 50 minutes runs once an hour; the two
// firings during each run are skipped and counted.
TEST(Scheduler, SimulatedDaemonDay) {
    const SystemTime start = utc(2026, 1, 24);
    const SystemTime end = start + 24h;
    ManualClock clock(start);
    Scheduler s({job(JobKind::backup, "0 2 * * *"), job(JobKind::drill, "*/20 * * * *")}, zone("UTC"), 0s,
                no_random(), clock.now());
    const std::map<JobKind, std::chrono::minutes> takes{{JobKind::backup, 30min}, {JobKind::drill, 50min}};
    std::map<JobKind, SystemTime> finishes;
    std::map<JobKind, std::vector<SystemTime>> started;
    for (int steps = 0;; ++steps) {
        ASSERT_LT(steps, 1000) << "the loop does not advance";  // a bug must fail the test, not hang it
        SystemTime next = *s.next_wakeup();
        for (const auto& [kind, at] : finishes) next = std::min(next, at);
        if (next >= end) break;
        clock.set(next);
        for (auto it = finishes.begin(); it != finishes.end();) {
            if (it->second <= clock.now()) {
                s.mark_finished(it->first);
                it = finishes.erase(it);
            } else {
                ++it;
            }
        }
        for (JobKind kind : s.due(clock.now())) {
            ASSERT_FALSE(s.running(kind));
            s.mark_started(kind);
            finishes[kind] = clock.now() + takes.at(kind);
            started[kind].push_back(clock.now());
        }
    }
    ASSERT_EQ(started[JobKind::backup].size(), 1u);
    EXPECT_EQ(started[JobKind::backup][0], utc(2026, 1, 24, 2, 0));
    EXPECT_EQ(s.skipped(JobKind::backup), 0u);
    // Firings 00:20 ... 23:40: 71. Runs at hh:20, 24 of them; 47 skipped.
    ASSERT_EQ(started[JobKind::drill].size(), 24u);
    for (std::size_t i = 0; i < 24; ++i)
        EXPECT_EQ(started[JobKind::drill][i], start + std::chrono::hours{i} + 20min) << i;
    EXPECT_EQ(s.skipped(JobKind::drill), 47u);
}
