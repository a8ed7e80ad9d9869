// Unit tests for retention (pgark prune): each keep rule alone and combined, local days/ISO weeks/months
// in the configured zone (midnight, DST and ISO week-year boundaries), the protections (newest complete,
// in use, future-dated, young incomplete), policy validation, and a 400-day history whose expected kept
// set is written out by hand.
#include <gtest/gtest.h>

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/retention.h"
#include "util/error.h"

using namespace std::chrono_literals;
using pgark::apply_retention;
using pgark::RetentionCandidate;
using pgark::RetentionDecision;
using pgark::RetentionPolicy;
using pgark::validate;
using Reasons = std::vector<std::string>;
using TimePoint = std::chrono::system_clock::time_point;

namespace {

const date::time_zone* berlin() {
    return date::locate_zone("Europe/Berlin");
}
const date::time_zone* utc_zone() {
    return date::locate_zone("UTC");
}

TimePoint utc(int y, unsigned m, unsigned d, int h = 0, int mi = 0) {
    return date::sys_days{date::year{y} / date::month{m} / date::day{d}} + std::chrono::hours{h} +
           std::chrono::minutes{mi};
}

// The instant a wall clock in `tz` shows the given time; a time skipped by DST maps to the transition.
TimePoint local(const date::time_zone* tz, int y, unsigned m, unsigned d, int h = 0, int mi = 0) {
    const auto wall = date::local_days{date::year{y} / date::month{m} / date::day{d}} +
                      std::chrono::hours{h} + std::chrono::minutes{mi};
    return tz->to_sys(wall, date::choose::earliest);
}

// Ids as pgark names backups: the UTC start time.
std::string id_at(TimePoint t) {
    return "freshtrack_" + date::format("%Y-%m-%d_%H-%M-%S", date::floor<std::chrono::seconds>(t));
}

RetentionCandidate complete_at(TimePoint t) {
    return {id_at(t), t, true, false};
}
RetentionCandidate incomplete_at(TimePoint t) {
    return {id_at(t), t, false, false};
}

RetentionPolicy policy(int last, int daily, int weekly, int monthly, const date::time_zone* tz = berlin()) {
    return {last, daily, weekly, monthly, tz};
}

RetentionDecision kept(const std::string& id, Reasons reasons) {
    return {id, true, std::move(reasons)};
}
RetentionDecision removed(const std::string& id) {
    return {id, false, {"not kept by any rule"}};
}

std::vector<RetentionDecision> only_kept(const std::vector<RetentionDecision>& all) {
    std::vector<RetentionDecision> out;
    std::copy_if(all.begin(), all.end(), std::back_inserter(out), [](const auto& d) { return d.keep; });
    return out;
}

std::vector<std::string> kept_ids(const std::vector<RetentionDecision>& all) {
    std::vector<std::string> out;
    for (const auto& d : all)
        if (d.keep) out.push_back(d.id);
    return out;
}

std::string usage_message(const RetentionPolicy& p) {
    try {
        validate(p);
    } catch (const pgark::UsageError& e) {
        EXPECT_EQ(e.code(), pgark::ExitCode::usage);
        return e.what();
    }
    ADD_FAILURE() << "policy was accepted";
    return "";
}

const TimePoint kNow = utc(2027, 2, 1, 12);

}  // namespace

// ---------------------------------------------------------------------------------------- validation

TEST(RetentionPolicy, KeepingNothingIsRejectedNamingEveryKey) {
    const std::string msg = usage_message(policy(0, 0, 0, 0));
    for (const char* key :
         {"retention.keep_last", "retention.keep_daily", "retention.keep_weekly", "retention.keep_monthly"}) {
        EXPECT_NE(msg.find(key), std::string::npos) << key << " missing from: " << msg;
    }
}

TEST(RetentionPolicy, NegativeCountIsRejectedNamingItsKey) {
    const std::string msg = usage_message(policy(3, 7, -1, 12));
    EXPECT_NE(msg.find("retention.keep_weekly is -1"), std::string::npos) << msg;
    EXPECT_NE(usage_message(policy(-2, 0, 0, 0)).find("retention.keep_last"), std::string::npos);
    EXPECT_NE(usage_message(policy(1, -5, 0, 0)).find("retention.keep_daily"), std::string::npos);
    EXPECT_NE(usage_message(policy(1, 0, 0, -1)).find("retention.keep_monthly"), std::string::npos);
}

TEST(RetentionPolicy, MissingTimeZoneIsRejected) {
    EXPECT_NE(usage_message(policy(1, 0, 0, 0, nullptr)).find("schedule.timezone"), std::string::npos);
}

TEST(RetentionPolicy, AnySingleRuleIsEnough) {
    EXPECT_NO_THROW(validate(policy(1, 0, 0, 0)));
    EXPECT_NO_THROW(validate(policy(0, 1, 0, 0)));
    EXPECT_NO_THROW(validate(policy(0, 0, 1, 0)));
    EXPECT_NO_THROW(validate(policy(0, 0, 0, 1)));
}

TEST(RetentionPolicy, ApplyValidatesEvenWithoutBackups) {
    EXPECT_THROW(apply_retention(policy(0, 0, 0, 0), {}, kNow, 24h), pgark::UsageError);
    EXPECT_THROW(apply_retention(policy(1, 0, 0, 0), {}, kNow, -1s), pgark::UsageError);
}

TEST(Retention, EmptyInputGivesNoDecisions) {
    EXPECT_TRUE(apply_retention(policy(3, 7, 4, 12), {}, kNow, 24h).empty());
}

// ------------------------------------------------------------------------------------ each rule alone

TEST(Retention, KeepLastKeepsTheNewestCompleteBackups) {
    const auto* tz = berlin();
    // Given out of order: the output is newest first regardless.
    std::vector<RetentionCandidate> in = {
        complete_at(local(tz, 2026, 1, 22, 2)), complete_at(local(tz, 2026, 1, 24, 2)),
        complete_at(local(tz, 2026, 1, 20, 2)), complete_at(local(tz, 2026, 1, 24, 14)),
        complete_at(local(tz, 2026, 1, 23, 2)),
    };
    const std::vector<RetentionDecision> want = {
        kept("freshtrack_2026-01-24_13-00-00", {"newest 3 (#1)", "newest complete backup"}),
        kept("freshtrack_2026-01-24_01-00-00", {"newest 3 (#2)"}),
        kept("freshtrack_2026-01-23_01-00-00", {"newest 3 (#3)"}),
        removed("freshtrack_2026-01-22_01-00-00"),
        removed("freshtrack_2026-01-20_01-00-00"),
    };
    EXPECT_EQ(apply_retention(policy(3, 0, 0, 0), in, kNow, 24h), want);
}

TEST(Retention, KeepLastLargerThanTheHistoryKeepsEverything) {
    std::vector<RetentionCandidate> in = {complete_at(utc(2026, 1, 2, 1)), complete_at(utc(2026, 1, 1, 1))};
    const std::vector<RetentionDecision> want = {
        kept("freshtrack_2026-01-02_01-00-00", {"newest 30 (#1)", "newest complete backup"}),
        kept("freshtrack_2026-01-01_01-00-00", {"newest 30 (#2)"}),
    };
    EXPECT_EQ(apply_retention(policy(30, 0, 0, 0), in, kNow, 24h), want);
}

TEST(Retention, KeepDailyKeepsTheNewestOfEachDayAndSkipsDaysWithoutBackups) {
    const auto* tz = berlin();
    std::vector<RetentionCandidate> in = {
        complete_at(local(tz, 2026, 1, 20, 2)), complete_at(local(tz, 2026, 1, 20, 14)),
        complete_at(local(tz, 2026, 1, 21, 2)),  // no backups on the 22nd and 23rd
        complete_at(local(tz, 2026, 1, 24, 2)), complete_at(local(tz, 2026, 1, 24, 9)),
        complete_at(local(tz, 2026, 1, 25, 2)),
    };
    const std::vector<RetentionDecision> want = {
        kept("freshtrack_2026-01-25_01-00-00", {"daily 2026-01-25", "newest complete backup"}),
        kept("freshtrack_2026-01-24_08-00-00", {"daily 2026-01-24"}),
        removed("freshtrack_2026-01-24_01-00-00"),
        kept("freshtrack_2026-01-21_01-00-00", {"daily 2026-01-21"}),
        removed("freshtrack_2026-01-20_13-00-00"),
        removed("freshtrack_2026-01-20_01-00-00"),
    };
    EXPECT_EQ(apply_retention(policy(0, 3, 0, 0), in, kNow, 24h), want);
}

TEST(Retention, KeepWeeklyUsesIsoWeeksStartingOnMonday) {
    const auto* tz = berlin();
    // 2026-W02 = Jan 5..11, W03 = Jan 12..18, W04 = Jan 19..25, W05 = Jan 26..Feb 1.
    std::vector<RetentionCandidate> in = {
        complete_at(local(tz, 2026, 1, 26, 12)),  // Monday
        complete_at(local(tz, 2026, 1, 25, 12)),  // Sunday
        complete_at(local(tz, 2026, 1, 19, 12)),  // Monday
        complete_at(local(tz, 2026, 1, 18, 12)),  // Sunday
        complete_at(local(tz, 2026, 1, 14, 12)),  // Wednesday
        complete_at(local(tz, 2026, 1, 9, 12)),   // Friday
    };
    const std::vector<RetentionDecision> want = {
        kept("freshtrack_2026-01-26_11-00-00", {"weekly 2026-W05", "newest complete backup"}),
        kept("freshtrack_2026-01-25_11-00-00", {"weekly 2026-W04"}),
        removed("freshtrack_2026-01-19_11-00-00"),
        kept("freshtrack_2026-01-18_11-00-00", {"weekly 2026-W03"}),
        removed("freshtrack_2026-01-14_11-00-00"),
        removed("freshtrack_2026-01-09_11-00-00"),
    };
    EXPECT_EQ(apply_retention(policy(0, 0, 3, 0), in, kNow, 24h), want);
}

TEST(Retention, KeepMonthlyKeepsTheNewestOfEachMonthAndSkipsMonthsWithoutBackups) {
    const auto* tz = berlin();
    std::vector<RetentionCandidate> in = {
        complete_at(local(tz, 2026, 3, 2, 12)),   complete_at(local(tz, 2026, 2, 27, 12)),
        complete_at(local(tz, 2026, 2, 3, 12)),   complete_at(local(tz, 2026, 1, 31, 12)),
        complete_at(local(tz, 2025, 11, 30, 12)),  // none in December, October, September
        complete_at(local(tz, 2025, 8, 10, 12)),  complete_at(local(tz, 2025, 7, 1, 12)),
    };
    const std::vector<RetentionDecision> want = {
        kept("freshtrack_2026-03-02_11-00-00", {"monthly 2026-03", "newest complete backup"}),
        kept("freshtrack_2026-02-27_11-00-00", {"monthly 2026-02"}),
        removed("freshtrack_2026-02-03_11-00-00"),
        kept("freshtrack_2026-01-31_11-00-00", {"monthly 2026-01"}),
        kept("freshtrack_2025-11-30_11-00-00", {"monthly 2025-11"}),
        kept("freshtrack_2025-08-10_10-00-00", {"monthly 2025-08"}),
        removed("freshtrack_2025-07-01_10-00-00"),
    };
    EXPECT_EQ(apply_retention(policy(0, 0, 0, 5), in, kNow, 24h), want);
}

TEST(Retention, RulesCombineAndABackupListsEveryRuleThatKeepsIt) {
    const auto* tz = berlin();
    std::vector<RetentionCandidate> in = {
        complete_at(local(tz, 2026, 1, 26, 12)), complete_at(local(tz, 2026, 1, 25, 12)),
        complete_at(local(tz, 2026, 1, 24, 12)), complete_at(local(tz, 2026, 1, 23, 12)),
        complete_at(local(tz, 2026, 1, 10, 12)), complete_at(local(tz, 2025, 12, 20, 12)),
    };
    const std::vector<RetentionDecision> want = {
        kept("freshtrack_2026-01-26_11-00-00", {"newest 2 (#1)", "daily 2026-01-26", "weekly 2026-W05",
                                                "monthly 2026-01", "newest complete backup"}),
        kept("freshtrack_2026-01-25_11-00-00", {"newest 2 (#2)", "daily 2026-01-25", "weekly 2026-W04"}),
        kept("freshtrack_2026-01-24_11-00-00", {"daily 2026-01-24"}),
        removed("freshtrack_2026-01-23_11-00-00"),  // three days kept; its week is W04's older half
        removed("freshtrack_2026-01-10_11-00-00"),  // two weeks kept; January already has its newest
        kept("freshtrack_2025-12-20_11-00-00", {"monthly 2025-12"}),
    };
    EXPECT_EQ(apply_retention(policy(2, 3, 2, 2), in, kNow, 24h), want);
}

// ------------------------------------------------------------------------------ the configured zone

TEST(Retention, DaysAreLocalDaysNotUtcDays) {
    // 22:30 UTC is 23:30 in Berlin (same day); 23:30 UTC is already 00:30 the next day.
    std::vector<RetentionCandidate> in = {complete_at(utc(2026, 1, 23, 23, 30)),
                                          complete_at(utc(2026, 1, 23, 22, 30)),
                                          complete_at(utc(2026, 1, 22, 12))};
    EXPECT_EQ(apply_retention(policy(0, 2, 0, 0, berlin()), in, kNow, 24h),
              (std::vector<RetentionDecision>{
                  kept("freshtrack_2026-01-23_23-30-00", {"daily 2026-01-24", "newest complete backup"}),
                  kept("freshtrack_2026-01-23_22-30-00", {"daily 2026-01-23"}),
                  removed("freshtrack_2026-01-22_12-00-00"),
              }));
    EXPECT_EQ(apply_retention(policy(0, 2, 0, 0, utc_zone()), in, kNow, 24h),
              (std::vector<RetentionDecision>{
                  kept("freshtrack_2026-01-23_23-30-00", {"daily 2026-01-23", "newest complete backup"}),
                  removed("freshtrack_2026-01-23_22-30-00"),
                  kept("freshtrack_2026-01-22_12-00-00", {"daily 2026-01-22"}),
              }));
}

TEST(Retention, WeeksAndMonthsAreLocalToo) {
    // Sunday 2026-03-15 23:30 UTC is Monday 00:30 in Berlin (W12); 2026-01-31 23:30 UTC is February there.
    std::vector<RetentionCandidate> weeks = {complete_at(utc(2026, 3, 15, 23, 30)),
                                             complete_at(utc(2026, 3, 15, 12))};
    EXPECT_EQ(kept_ids(apply_retention(policy(0, 0, 2, 0, berlin()), weeks, kNow, 24h)),
              (std::vector<std::string>{"freshtrack_2026-03-15_23-30-00", "freshtrack_2026-03-15_12-00-00"}));
    EXPECT_EQ(apply_retention(policy(0, 0, 2, 0, berlin()), weeks, kNow, 24h)[0].reasons[0],
              "weekly 2026-W12");
    EXPECT_EQ(apply_retention(policy(0, 0, 2, 0, berlin()), weeks, kNow, 24h)[1].reasons[0],
              "weekly 2026-W11");
    EXPECT_EQ(kept_ids(apply_retention(policy(0, 0, 2, 0, utc_zone()), weeks, kNow, 24h)),
              (std::vector<std::string>{"freshtrack_2026-03-15_23-30-00"}));

    std::vector<RetentionCandidate> months = {complete_at(utc(2026, 1, 31, 23, 30)),
                                              complete_at(utc(2026, 1, 31, 12))};
    EXPECT_EQ(apply_retention(policy(0, 0, 0, 2, berlin()), months, kNow, 24h),
              (std::vector<RetentionDecision>{
                  kept("freshtrack_2026-01-31_23-30-00", {"monthly 2026-02", "newest complete backup"}),
                  kept("freshtrack_2026-01-31_12-00-00", {"monthly 2026-01"}),
              }));
    EXPECT_EQ(apply_retention(policy(0, 0, 0, 2, utc_zone()), months, kNow, 24h),
              (std::vector<RetentionDecision>{
                  kept("freshtrack_2026-01-31_23-30-00", {"monthly 2026-01", "newest complete backup"}),
                  removed("freshtrack_2026-01-31_12-00-00"),
              }));
}

TEST(Retention, IsoWeekYearDiffersFromTheCalendarYearAtItsEdges) {
    // 2026 starts on a Thursday, so it has 53 ISO weeks: W53 runs from Monday 2026-12-28 to Sunday
    // 2027-01-03, and Monday 2025-12-29 already belongs to 2026-W01.
    std::vector<RetentionCandidate> in = {
        complete_at(utc(2027, 1, 4, 12)),   complete_at(utc(2027, 1, 3, 12)),
        complete_at(utc(2027, 1, 1, 12)),   complete_at(utc(2026, 12, 31, 12)),
        complete_at(utc(2026, 12, 28, 12)), complete_at(utc(2026, 12, 27, 12)),
    };
    EXPECT_EQ(apply_retention(policy(0, 0, 3, 0), in, kNow, 24h),
              (std::vector<RetentionDecision>{
                  kept("freshtrack_2027-01-04_12-00-00", {"weekly 2027-W01", "newest complete backup"}),
                  kept("freshtrack_2027-01-03_12-00-00", {"weekly 2026-W53"}),
                  removed("freshtrack_2027-01-01_12-00-00"),
                  removed("freshtrack_2026-12-31_12-00-00"),
                  removed("freshtrack_2026-12-28_12-00-00"),
                  kept("freshtrack_2026-12-27_12-00-00", {"weekly 2026-W52"}),
              }));

    auto alone = [](TimePoint t) {
        return apply_retention(policy(0, 0, 1, 1), {complete_at(t)}, kNow, 24h).at(0).reasons;
    };
    EXPECT_EQ(alone(utc(2026, 12, 31, 12)),
              (Reasons{"weekly 2026-W53", "monthly 2026-12", "newest complete backup"}));
    EXPECT_EQ(alone(utc(2027, 1, 1, 12)),
              (Reasons{"weekly 2026-W53", "monthly 2027-01", "newest complete backup"}));
    EXPECT_EQ(alone(utc(2025, 12, 29, 12)),
              (Reasons{"weekly 2026-W01", "monthly 2025-12", "newest complete backup"}));
    // In Berlin, 2026-12-31 23:30 UTC is already 2027-01-01 (still W53).
    EXPECT_EQ(alone(utc(2026, 12, 31, 23, 30)),
              (Reasons{"weekly 2026-W53", "monthly 2027-01", "newest complete backup"}));
}

TEST(Retention, SpringForwardDayIsA23HourLocalDay) {
    // Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST at 01:00 UTC.
    std::vector<RetentionCandidate> in = {
        complete_at(utc(2026, 3, 29, 22, 30)),  // 00:30 CEST on the 30th
        complete_at(utc(2026, 3, 29, 21, 30)),  // 23:30 CEST on the 29th
        complete_at(utc(2026, 3, 28, 23, 30)),  // 00:30 CET on the 29th
        complete_at(utc(2026, 3, 28, 22, 30)),  // 23:30 CET on the 28th
    };
    EXPECT_EQ(apply_retention(policy(0, 3, 0, 0), in, kNow, 24h),
              (std::vector<RetentionDecision>{
                  kept("freshtrack_2026-03-29_22-30-00", {"daily 2026-03-30", "newest complete backup"}),
                  kept("freshtrack_2026-03-29_21-30-00", {"daily 2026-03-29"}),
                  removed("freshtrack_2026-03-28_23-30-00"),
                  kept("freshtrack_2026-03-28_22-30-00", {"daily 2026-03-28"}),
              }));
}

TEST(Retention, FallBackDayIsA25HourLocalDay) {
    // Berlin, 2026-10-25: 03:00 CEST falls back to 02:00 CET at 01:00 UTC, so 02:30 happens twice.
    std::vector<RetentionCandidate> in = {
        complete_at(utc(2026, 10, 25, 23, 30)),  // 00:30 CET on the 26th
        complete_at(utc(2026, 10, 25, 22, 30)),  // 23:30 CET on the 25th
        complete_at(utc(2026, 10, 25, 1, 30)),   // 02:30 CET, the second one
        complete_at(utc(2026, 10, 25, 0, 30)),   // 02:30 CEST, the first one
        complete_at(utc(2026, 10, 24, 22, 30)),  // 00:30 CEST on the 25th
        complete_at(utc(2026, 10, 24, 21, 30)),  // 23:30 CEST on the 24th
    };
    EXPECT_EQ(apply_retention(policy(0, 3, 0, 0), in, kNow, 24h),
              (std::vector<RetentionDecision>{
                  kept("freshtrack_2026-10-25_23-30-00", {"daily 2026-10-26", "newest complete backup"}),
                  kept("freshtrack_2026-10-25_22-30-00", {"daily 2026-10-25"}),
                  removed("freshtrack_2026-10-25_01-30-00"),
                  removed("freshtrack_2026-10-25_00-30-00"),
                  removed("freshtrack_2026-10-24_22-30-00"),
                  kept("freshtrack_2026-10-24_21-30-00", {"daily 2026-10-24"}),
              }));
}

// -------------------------------------------------------------------------------------- protections

TEST(Retention, NewestCompleteBackupIsKeptWhateverTheRulesSay) {
    // Only a monthly rule, newer incomplete and future-dated backups around: the newest complete backup
    // with a known age is still the protected one, and incomplete ones never count as "newest".
    const auto* tz = berlin();
    const TimePoint now = local(tz, 2026, 1, 25, 12);
    std::vector<RetentionCandidate> in = {
        complete_at(now + 1h),                   // future-dated
        incomplete_at(now - 1h),                 // may still be running
        complete_at(local(tz, 2026, 1, 24, 2)),  // the newest complete one
        complete_at(local(tz, 2026, 1, 23, 2)),
    };
    EXPECT_EQ(apply_retention(policy(0, 0, 0, 1), in, now, 24h),
              (std::vector<RetentionDecision>{
                  kept("freshtrack_2026-01-25_12-00-00", {"dated in the future (clock skew?), age unknown"}),
                  kept("freshtrack_2026-01-25_10-00-00", {"incomplete, may still be running"}),
                  kept("freshtrack_2026-01-24_01-00-00", {"monthly 2026-01", "newest complete backup"}),
                  removed("freshtrack_2026-01-23_01-00-00"),
              }));
}

TEST(Retention, InUseBackupsAreNeverRemoved) {
    const TimePoint now = utc(2026, 1, 25, 12);
    RetentionCandidate newest = complete_at(utc(2026, 1, 25, 1));
    newest.in_use = true;
    RetentionCandidate old_in_use = complete_at(utc(2026, 1, 20, 1));
    old_in_use.in_use = true;
    RetentionCandidate crashed_in_use = incomplete_at(utc(2026, 1, 19, 1));  // 6 days old, bound 24h
    crashed_in_use.in_use = true;
    std::vector<RetentionCandidate> in = {newest, complete_at(utc(2026, 1, 24, 1)), old_in_use,
                                          crashed_in_use, incomplete_at(utc(2026, 1, 18, 1))};
    EXPECT_EQ(apply_retention(policy(1, 0, 0, 0), in, now, 24h),
              (std::vector<RetentionDecision>{
                  kept("freshtrack_2026-01-25_01-00-00",
                       {"newest 1 (#1)", "newest complete backup", "in use by a running drill or restore"}),
                  removed("freshtrack_2026-01-24_01-00-00"),
                  kept("freshtrack_2026-01-20_01-00-00", {"in use by a running drill or restore"}),
                  kept("freshtrack_2026-01-19_01-00-00", {"in use by a running drill or restore"}),
                  {"freshtrack_2026-01-18_01-00-00", false, {"incomplete, older than 24h"}},
              }));
}

TEST(Retention, IncompleteBackupsGoOnlyOnceOlderThanTheBound) {
    const TimePoint now = utc(2026, 1, 25, 12);
    std::vector<RetentionCandidate> in = {
        incomplete_at(now - 1h),  // newer than every complete one, yet claims no slot and no day
        complete_at(now - 2h),         complete_at(now - 3h),
        incomplete_at(now - 23h),      incomplete_at(now - 24h),  // exactly at the bound: not older than it
        incomplete_at(now - 24h - 1s), incomplete_at(now - 400h),
    };
    EXPECT_EQ(apply_retention(policy(1, 1, 0, 0), in, now, 24h),
              (std::vector<RetentionDecision>{
                  kept("freshtrack_2026-01-25_11-00-00", {"incomplete, may still be running"}),
                  kept("freshtrack_2026-01-25_10-00-00",
                       {"newest 1 (#1)", "daily 2026-01-25", "newest complete backup"}),
                  removed("freshtrack_2026-01-25_09-00-00"),
                  kept("freshtrack_2026-01-24_13-00-00", {"incomplete, may still be running"}),
                  kept("freshtrack_2026-01-24_12-00-00", {"incomplete, may still be running"}),
                  {"freshtrack_2026-01-24_11-59-59", false, {"incomplete, older than 24h"}},
                  {"freshtrack_2026-01-08_20-00-00", false, {"incomplete, older than 24h"}},
              }));
}

TEST(Retention, IncompleteBoundIsWrittenTheWayTheConfigTakesIt) {
    const TimePoint now = utc(2026, 1, 25, 12);
    auto reason = [&](std::chrono::seconds bound) {
        auto out = apply_retention(policy(1, 0, 0, 0), {incomplete_at(now - bound - 1s)}, now, bound);
        EXPECT_FALSE(out.at(0).keep);
        return out.at(0).reasons.at(0);
    };
    EXPECT_EQ(reason(24h), "incomplete, older than 24h");
    EXPECT_EQ(reason(36h), "incomplete, older than 36h");
    EXPECT_EQ(reason(7 * 24h), "incomplete, older than 7d");
    EXPECT_EQ(reason(90min), "incomplete, older than 1h30m");
    EXPECT_EQ(reason(1h + 1s), "incomplete, older than 1h1s");
    EXPECT_EQ(reason(90s), "incomplete, older than 1m30s");
    EXPECT_EQ(reason(0s), "incomplete, older than 0s");
}

TEST(Retention, FutureDatedBackupsAreKeptAndTakeNoRuleSlot) {
    const TimePoint now = utc(2026, 1, 25, 12);
    std::vector<RetentionCandidate> in = {complete_at(now + 2h), complete_at(now - 1h),
                                          complete_at(now - 25h), incomplete_at(now + 72h)};
    EXPECT_EQ(apply_retention(policy(1, 1, 0, 0), in, now, 24h),
              (std::vector<RetentionDecision>{
                  kept("freshtrack_2026-01-28_12-00-00", {"dated in the future (clock skew?), age unknown"}),
                  kept("freshtrack_2026-01-25_14-00-00", {"dated in the future (clock skew?), age unknown"}),
                  kept("freshtrack_2026-01-25_11-00-00",
                       {"newest 1 (#1)", "daily 2026-01-25", "newest complete backup"}),
                  removed("freshtrack_2026-01-24_11-00-00"),
              }));
    // Once the clock passes it, the same backup is judged like any other.
    EXPECT_EQ(apply_retention(policy(1, 0, 0, 0), in, now + 3h, 24h).at(1),
              kept("freshtrack_2026-01-25_14-00-00", {"newest 1 (#1)", "newest complete backup"}));
}

// -------------------------------------------------------------------------------------------- order

TEST(Retention, EqualTimesAreOrderedByIdGreaterFirst) {
    const TimePoint t = utc(2026, 1, 24, 2);
    std::vector<RetentionCandidate> in = {{"freshtrack_2026-01-24_02-00-00", t, true, false},
                                          {"freshtrack_2026-01-24_02-00-00-2", t, true, false}};
    const std::vector<RetentionDecision> want = {
        kept("freshtrack_2026-01-24_02-00-00-2",
             {"newest 1 (#1)", "daily 2026-01-24", "newest complete backup"}),
        removed("freshtrack_2026-01-24_02-00-00"),
    };
    EXPECT_EQ(apply_retention(policy(1, 1, 0, 0), in, kNow, 24h), want);
    std::reverse(in.begin(), in.end());
    EXPECT_EQ(apply_retention(policy(1, 1, 0, 0), in, kNow, 24h), want);
}

// --------------------------------------------------------------------------------- 400-day history

namespace {

// One backup a day at 02:00 Berlin time from 2025-02-26 to 2026-04-01 (400 days), except on
// 2025-10-31, 2026-03-22 and 2026-03-30, plus four extra backups placed on local boundaries.
// 02:00 is 01:00 UTC in winter and 00:00 UTC in summer; on 2025-03-30 and 2026-03-29 it does not exist
// and the run happens at 03:00 CEST (01:00 UTC).
std::vector<RetentionCandidate> history() {
    const auto* tz = berlin();
    const std::set<date::local_days> missing = {
        date::local_days{date::year{2025} / 10 / 31},
        date::local_days{date::year{2026} / 3 / 22},
        date::local_days{date::year{2026} / 3 / 30},
    };
    std::vector<RetentionCandidate> out;
    for (date::local_days d = date::local_days{date::year{2025} / 2 / 26};
         d <= date::local_days{date::year{2026} / 4 / 1}; d += date::days{1}) {
        if (missing.count(d)) continue;
        out.push_back(complete_at(tz->to_sys(d + 2h, date::choose::earliest)));
    }
    out.push_back(complete_at(local(tz, 2026, 3, 31, 14)));  // a manual run in the afternoon
    out.push_back(complete_at(utc(2026, 2, 28, 23, 30)));    // Sunday 2026-03-01 00:30 in Berlin
    out.push_back(complete_at(local(tz, 2026, 1, 31, 20)));  // the last one of January
    out.push_back(complete_at(utc(2026, 3, 15, 23, 30)));    // Monday 2026-03-16 00:30 in Berlin (W12)
    return out;
}

const TimePoint kHistoryNow = utc(2026, 4, 1, 12);

}  // namespace

TEST(Retention, Synthetic400DayHistoryKeepsExactlyTheExpectedSet) {
    const std::vector<RetentionCandidate> in = history();
    ASSERT_EQ(in.size(), 401u);  // 400 days - 3 missing + 4 extra
    const auto out = apply_retention(policy(3, 7, 4, 12), in, kHistoryNow, 24h);
    ASSERT_EQ(out.size(), in.size());

    // Worked out by hand. ISO weeks of 2026: W14 = Mar 30..Apr 5, W13 = Mar 23..29, W12 = Mar 16..22,
    // W11 = Mar 9..15. Days: Mar 30 has no backup, so the seven days reach back to Mar 25.
    const std::vector<RetentionDecision> want = {
        kept("freshtrack_2026-04-01_00-00-00", {"newest 3 (#1)", "daily 2026-04-01", "weekly 2026-W14",
                                                "monthly 2026-04", "newest complete backup"}),
        kept("freshtrack_2026-03-31_12-00-00", {"newest 3 (#2)", "daily 2026-03-31", "monthly 2026-03"}),
        kept("freshtrack_2026-03-31_00-00-00", {"newest 3 (#3)"}),
        kept("freshtrack_2026-03-29_01-00-00", {"daily 2026-03-29", "weekly 2026-W13"}),
        kept("freshtrack_2026-03-28_01-00-00", {"daily 2026-03-28"}),
        kept("freshtrack_2026-03-27_01-00-00", {"daily 2026-03-27"}),
        kept("freshtrack_2026-03-26_01-00-00", {"daily 2026-03-26"}),
        kept("freshtrack_2026-03-25_01-00-00", {"daily 2026-03-25"}),
        kept("freshtrack_2026-03-21_01-00-00", {"weekly 2026-W12"}),  // Sunday the 22nd is missing
        kept("freshtrack_2026-03-15_01-00-00", {"weekly 2026-W11"}),  // 23:30 UTC that day is W12 in Berlin
        kept("freshtrack_2026-02-28_01-00-00", {"monthly 2026-02"}),  // 23:30 UTC that day is March in Berlin
        kept("freshtrack_2026-01-31_19-00-00", {"monthly 2026-01"}),
        kept("freshtrack_2025-12-31_01-00-00", {"monthly 2025-12"}),
        kept("freshtrack_2025-11-30_01-00-00", {"monthly 2025-11"}),
        kept("freshtrack_2025-10-30_01-00-00", {"monthly 2025-10"}),  // the 31st is missing
        kept("freshtrack_2025-09-30_00-00-00", {"monthly 2025-09"}),
        kept("freshtrack_2025-08-31_00-00-00", {"monthly 2025-08"}),
        kept("freshtrack_2025-07-31_00-00-00", {"monthly 2025-07"}),
        kept("freshtrack_2025-06-30_00-00-00", {"monthly 2025-06"}),
        kept("freshtrack_2025-05-31_00-00-00", {"monthly 2025-05"}),
    };
    EXPECT_EQ(only_kept(out), want);
    EXPECT_EQ(only_kept(out).size(), 20u);
    for (const auto& d : out) {
        if (!d.keep) {
            EXPECT_EQ(d.reasons, Reasons{"not kept by any rule"}) << d.id;
        }
    }
    EXPECT_EQ(std::count_if(out.begin(), out.end(), [](const auto& d) { return !d.keep; }), 381);

    // Newest first throughout, starting and ending where the history does.
    EXPECT_EQ(out.front().id, "freshtrack_2026-04-01_00-00-00");
    EXPECT_EQ(out.back().id, "freshtrack_2025-02-26_01-00-00");
}

TEST(Retention, Synthetic400DayHistoryInUtcDiffersOnlyAtTheLocalBoundaries) {
    const auto out = apply_retention(policy(3, 7, 4, 12, utc_zone()), history(), kHistoryNow, 24h);
    std::vector<std::string> want = {
        "freshtrack_2026-04-01_00-00-00", "freshtrack_2026-03-31_12-00-00", "freshtrack_2026-03-31_00-00-00",
        "freshtrack_2026-03-29_01-00-00", "freshtrack_2026-03-28_01-00-00", "freshtrack_2026-03-27_01-00-00",
        "freshtrack_2026-03-26_01-00-00", "freshtrack_2026-03-25_01-00-00", "freshtrack_2026-03-21_01-00-00",
        "freshtrack_2026-03-15_23-30-00",  // in UTC the Sunday-night run is the newest of W11
        "freshtrack_2026-02-28_23-30-00",  // and the 23:30 run is still February
        "freshtrack_2026-01-31_19-00-00", "freshtrack_2025-12-31_01-00-00", "freshtrack_2025-11-30_01-00-00",
        "freshtrack_2025-10-30_01-00-00", "freshtrack_2025-09-30_00-00-00", "freshtrack_2025-08-31_00-00-00",
        "freshtrack_2025-07-31_00-00-00", "freshtrack_2025-06-30_00-00-00", "freshtrack_2025-05-31_00-00-00",
    };
    EXPECT_EQ(kept_ids(out), want);
}

TEST(Retention, InputOrderDoesNotChangeTheDecisions) {
    std::vector<RetentionCandidate> in = history();
    const auto want = apply_retention(policy(3, 7, 4, 12), in, kHistoryNow, 24h);
    std::mt19937 rng(20260401);
    for (int round = 0; round < 5; ++round) {
        std::shuffle(in.begin(), in.end(), rng);
        EXPECT_EQ(apply_retention(policy(3, 7, 4, 12), in, kHistoryNow, 24h), want) << "round " << round;
    }
}

// ------------------------------------------------------------------------------------- invariants

TEST(Retention, InvariantsHoldOverRandomHistoriesAndPolicies) {
    const auto* tz = berlin();
    const TimePoint now = utc(2026, 4, 1, 12);
    std::mt19937 rng(42);
    auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    for (int round = 0; round < 300; ++round) {
        RetentionPolicy p = policy(uniform(0, 6), uniform(0, 10), uniform(0, 6), uniform(0, 4), tz);
        if (p.keep_last + p.keep_daily + p.keep_weekly + p.keep_monthly == 0) p.keep_daily = 1;
        std::vector<RetentionCandidate> in;
        const int n = uniform(0, 60);
        for (int i = 0; i < n; ++i) {
            // Minutes across the last 120 days, a few in the future.
            RetentionCandidate c = complete_at(now - std::chrono::minutes{uniform(-600, 120 * 24 * 60)});
            c.id += "-" + std::to_string(i);  // unique even when two times collide
            c.complete = uniform(0, 9) != 0;
            c.in_use = uniform(0, 19) == 0;
            in.push_back(c);
        }
        SCOPED_TRACE("round " + std::to_string(round));
        const auto out = apply_retention(p, in, now, 24h);
        ASSERT_EQ(out.size(), in.size());

        std::map<std::string, RetentionCandidate> by_id;
        for (const auto& c : in) by_id[c.id] = c;
        const RetentionCandidate* newest_complete = nullptr;
        std::set<std::string> local_days;
        int rule_backups = 0;
        for (const auto& c : in) {
            if (!c.complete || c.time > now) continue;
            ++rule_backups;
            local_days.insert(
                date::format("%F", date::make_zoned(tz, date::floor<std::chrono::seconds>(c.time))));
            if (!newest_complete || c.time > newest_complete->time ||
                (c.time == newest_complete->time && c.id > newest_complete->id))
                newest_complete = &c;
        }

        int last_reasons = 0, daily_reasons = 0;
        for (std::size_t i = 0; i < out.size(); ++i) {
            const auto& d = out[i];
            const RetentionCandidate& c = by_id.at(d.id);
            ASSERT_FALSE(d.reasons.empty());
            if (i > 0) {
                EXPECT_GE(by_id.at(out[i - 1].id).time, c.time);
            }
            if (c.in_use || c.time > now) {
                EXPECT_TRUE(d.keep) << d.id;
            }
            if (newest_complete && d.id == newest_complete->id) {
                EXPECT_TRUE(d.keep);
                EXPECT_NE(std::find(d.reasons.begin(), d.reasons.end(), "newest complete backup"),
                          d.reasons.end());
            }
            if (!d.keep) {
                EXPECT_EQ(d.reasons.size(), 1u);
                EXPECT_EQ(d.reasons[0], c.complete ? "not kept by any rule" : "incomplete, older than 24h");
            }
            for (const auto& r : d.reasons) {
                if (r.rfind("newest " + std::to_string(p.keep_last) + " (#", 0) == 0) ++last_reasons;
                if (r.rfind("daily ", 0) == 0) ++daily_reasons;
                if (!c.complete || c.time > now) {
                    EXPECT_TRUE(r.rfind("newest ", 0) != 0 || r == "newest complete backup") << r;
                    EXPECT_NE(r.rfind("daily ", 0), 0u) << r;
                }
            }
        }
        EXPECT_EQ(last_reasons, std::min(p.keep_last, rule_backups));
        EXPECT_EQ(daily_reasons, std::min<int>(p.keep_daily, static_cast<int>(local_days.size())));
    }
}
