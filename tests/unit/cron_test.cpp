// Unit tests for cron expressions: every syntax form and rejection, next firing in UTC and other zones,
// the daylight-saving rules of core/cron.h, and a brute-force cross-check against a minute-by-minute model.
#include <gtest/gtest.h>

#include <algorithm>
#include <bitset>
#include <chrono>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/cron.h"
#include "util/error.h"

using pgark::CronExpr;
using pgark::parse_time_zone;
using pgark::SystemTime;
using pgark::UsageError;
using std::chrono::floor;
using std::chrono::seconds;

namespace {

const date::time_zone* zone(const char* name) {
    return date::locate_zone(name);
}

SystemTime utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
    return date::sys_days{date::year{y} / mo / d} + std::chrono::hours{h} + std::chrono::minutes{mi} +
           seconds{s};
}

// A wall-clock time in `tz`; the earlier instant when it is ambiguous.
SystemTime wall(const date::time_zone* tz, int y, unsigned mo, unsigned d, int h, int mi) {
    return tz->to_sys(
        date::local_days{date::year{y} / mo / d} + std::chrono::hours{h} + std::chrono::minutes{mi},
        date::choose::earliest);
}

std::string in_zone(SystemTime t, const date::time_zone* tz) {
    return date::format("%F %R %Z", date::make_zoned(tz, floor<seconds>(t)));
}

std::string in_utc(SystemTime t) {
    return date::format("%F %RZ", floor<seconds>(t));
}

CronExpr cron(const std::string& text) {
    return CronExpr::parse(text, "schedule.test");
}

// The next `n` firings after `from`, as wall-clock times with zone abbreviation.
std::vector<std::string> firings(const std::string& expr, const date::time_zone* tz, SystemTime from, int n) {
    const CronExpr e = cron(expr);
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
        from = e.next_after(from, tz);
        out.push_back(in_zone(from, tz));
    }
    return out;
}

std::string parse_error(const std::string& text, const std::string& key = "schedule.test") {
    try {
        CronExpr::parse(text, key);
    } catch (const UsageError& e) {
        return e.what();
    }
    ADD_FAILURE() << "accepted: '" << text << "'";
    return "";
}

template <std::size_t N>
std::string members(const std::bitset<N>& b) {
    std::string out;
    for (std::size_t i = 0; i < N; ++i)
        if (b[i]) out += (out.empty() ? "" : ",") + std::to_string(i);
    return out;
}

}  // namespace

// ---- parsing ----

TEST(CronParse, StarSelectsEverything) {
    const CronExpr e = cron("* * * * *");
    EXPECT_EQ(e.minutes().count(), 60u);
    EXPECT_EQ(e.hours().count(), 24u);
    EXPECT_EQ(members(e.days_of_month()), members(std::bitset<32>(0xFFFFFFFEu)));  // 1-31
    EXPECT_EQ(members(e.months()), "1,2,3,4,5,6,7,8,9,10,11,12");
    EXPECT_EQ(members(e.days_of_week()), "0,1,2,3,4,5,6");
    EXPECT_FALSE(e.day_of_month_restricted());
    EXPECT_FALSE(e.day_of_week_restricted());
    EXPECT_TRUE(e.wildcard_hour());
}

TEST(CronParse, NumbersRangesStepsLists) {
    const CronExpr e = cron("5 4 3 2 1");
    EXPECT_EQ(members(e.minutes()), "5");
    EXPECT_EQ(members(e.hours()), "4");
    EXPECT_EQ(members(e.days_of_month()), "3");
    EXPECT_EQ(members(e.months()), "2");
    EXPECT_EQ(members(e.days_of_week()), "1");
    EXPECT_TRUE(e.day_of_month_restricted());
    EXPECT_TRUE(e.day_of_week_restricted());
    EXPECT_FALSE(e.wildcard_hour());

    EXPECT_EQ(members(cron("1-5 * * * *").minutes()), "1,2,3,4,5");
    EXPECT_EQ(members(cron("*/15 * * * *").minutes()), "0,15,30,45");
    EXPECT_EQ(members(cron("10-30/10 * * * *").minutes()), "10,20,30");
    EXPECT_EQ(members(cron("10-35/10 * * * *").minutes()), "10,20,30");
    EXPECT_EQ(members(cron("1,2,5-7 * * * *").minutes()), "1,2,5,6,7");
    EXPECT_EQ(members(cron("0-10/5,30,45-50/2 * * * *").minutes()), "0,5,10,30,45,47,49");
    EXPECT_EQ(members(cron("0 */6 * * *").hours()), "0,6,12,18");
    EXPECT_EQ(members(cron("0 0 */10 * *").days_of_month()), "1,11,21,31");
    EXPECT_EQ(members(cron("0 0 1 */3 *").months()), "1,4,7,10");
    EXPECT_EQ(members(cron("007 02 * * *").minutes()), "7");  // leading zeros
    EXPECT_EQ(members(cron("1,1,1 * * * *").minutes()), "1");
}

TEST(CronParse, DayOfWeekSevenIsSunday) {
    EXPECT_EQ(members(cron("0 0 * * 7").days_of_week()), "0");
    EXPECT_EQ(members(cron("0 0 * * 0").days_of_week()), "0");
    EXPECT_EQ(members(cron("0 0 * * 5-7").days_of_week()), "0,5,6");
    EXPECT_EQ(members(cron("0 0 * * 0-7").days_of_week()), "0,1,2,3,4,5,6");
    EXPECT_EQ(members(cron("0 0 * * */2").days_of_week()), "0,2,4,6");
    EXPECT_EQ(cron("0 0 * * 7"), cron("0 0 * * 0"));
}

TEST(CronParse, NamesAreCaseInsensitive) {
    EXPECT_EQ(members(cron("0 0 * jan,JUL,Dec *").months()), "1,7,12");
    EXPECT_EQ(members(cron("0 0 * mar-may *").months()), "3,4,5");
    EXPECT_EQ(members(cron("0 0 * * mon-fri").days_of_week()), "1,2,3,4,5");
    EXPECT_EQ(members(cron("0 0 * * SUN,Sat").days_of_week()), "0,6");
    EXPECT_EQ(members(cron("0 0 * * Mon-Fri/2").days_of_week()), "1,3,5");
    EXPECT_EQ(members(cron("0 0 * feb-4 *").months()), "2,3,4");  // names and numbers mix in a range
}

TEST(CronParse, Macros) {
    EXPECT_EQ(cron("@hourly"), cron("0 * * * *"));
    EXPECT_EQ(cron("@daily"), cron("0 0 * * *"));
    EXPECT_EQ(cron("@midnight"), cron("0 0 * * *"));
    EXPECT_EQ(cron("@weekly"), cron("0 0 * * 0"));
    EXPECT_EQ(cron("@monthly"), cron("0 0 1 * *"));
    EXPECT_EQ(cron("@yearly"), cron("0 0 1 1 *"));
    EXPECT_EQ(cron("@annually"), cron("0 0 1 1 *"));
    EXPECT_EQ(cron("@Daily"), cron("0 0 * * *"));
    EXPECT_EQ(cron("@daily").text(), "@daily");
    // Each macro differs from the others, so the table cannot silently map two to the same thing.
    EXPECT_NE(cron("@hourly"), cron("@daily"));
    EXPECT_NE(cron("@weekly"), cron("@monthly"));
    EXPECT_NE(cron("@monthly"), cron("@yearly"));
}

TEST(CronParse, BlanksAndText) {
    const CronExpr e = cron("  0\t2  * *   *  ");
    EXPECT_EQ(e.text(), "0\t2  * *   *");
    EXPECT_EQ(e, cron("0 2 * * *"));
}

TEST(CronParse, EqualityComparesFirings) {
    EXPECT_EQ(cron("*/1 * * * *"), cron("* * * * *"));
    EXPECT_EQ(cron("0 2 * * mon"), cron("0 2 * * 1"));
    EXPECT_NE(cron("0 2 * * *"), cron("0 3 * * *"));
    // Same bits, but 1-31 restricts the day-of-month (OR rule) where * does not (AND rule).
    EXPECT_NE(cron("0 0 1-31 * 1"), cron("0 0 * * 1"));
    // Same bits, but a starred hour repeats in the fall-back hour and a listed one does not.
    EXPECT_NE(cron("0 0-23 * * *"), cron("0 * * * *"));
}

TEST(CronParse, RejectsOutOfRangeWithTheBriefsMessage) {
    EXPECT_EQ(parse_error("61 2 * * *", "schedule.backup"),
              "schedule.backup: '61 2 * * *': minute 61 is out of range 0-59 "
              "(fields: minute hour day-of-month month day-of-week)");
}

TEST(CronParse, RejectsOutOfRange) {
    EXPECT_NE(parse_error("0 24 * * *").find("hour 24 is out of range 0-23"), std::string::npos);
    EXPECT_NE(parse_error("0 0 0 * *").find("day-of-month 0 is out of range 1-31"), std::string::npos);
    EXPECT_NE(parse_error("0 0 32 * *").find("day-of-month 32 is out of range 1-31"), std::string::npos);
    EXPECT_NE(parse_error("0 0 * 13 *").find("month 13 is out of range 1-12"), std::string::npos);
    EXPECT_NE(parse_error("0 0 * 0 *").find("month 0 is out of range 1-12"), std::string::npos);
    EXPECT_NE(parse_error("0 0 * * 8").find("day-of-week 8 is out of range 0-7"), std::string::npos);
    EXPECT_NE(parse_error("0 20-25 * * *").find("hour 25 is out of range 0-23"), std::string::npos);
    EXPECT_NE(parse_error("1,2,60 * * * *").find("minute 60 is out of range 0-59"), std::string::npos);
    // Too many digits for any integer type: still reported as written, not wrapped around.
    EXPECT_NE(parse_error("99999999999999999999 * * * *").find("minute 99999999999999999999 is out of range"),
              std::string::npos);
}

TEST(CronParse, RejectsWrongFieldCount) {
    const std::string four = parse_error("0 2 * *");
    EXPECT_NE(four.find("schedule.test: '0 2 * *': expected 5 fields but found 4"), std::string::npos)
        << four;
    EXPECT_NE(four.find("(fields: minute hour day-of-month month day-of-week)"), std::string::npos) << four;
    EXPECT_NE(parse_error("0 0 2 * * *").find("found 6 (seconds and years are not supported)"),
              std::string::npos);
    EXPECT_NE(parse_error("daily").find("found 1"), std::string::npos);
    EXPECT_NE(parse_error("0 0 2 * * * 2026").find("found 7"), std::string::npos);
}

TEST(CronParse, RejectsEmpty) {
    EXPECT_EQ(
        parse_error("", "schedule.drill"),
        "schedule.drill: the schedule is empty; write a cron expression such as '0 2 * * *' or '@daily'");
    EXPECT_NE(parse_error(" \t ").find("the schedule is empty"), std::string::npos);
}

TEST(CronParse, RejectsEmptyListItems) {
    for (const char* bad : {"1,,2 * * * *", ",1 * * * *", "1, * * * *", "0 2 * * 1,"}) {
        const std::string m = parse_error(bad);
        EXPECT_NE(m.find("has an empty list item"), std::string::npos) << bad << ": " << m;
    }
    EXPECT_NE(parse_error("0 2 * * 1,").find("day-of-week field '1,' has an empty list item"),
              std::string::npos);
}

TEST(CronParse, RejectsBadSteps) {
    EXPECT_NE(parse_error("*/0 * * * *").find("minute step 0 in '*/0' is not allowed"), std::string::npos);
    EXPECT_NE(parse_error("0 1-5/0 * * *").find("hour step 0 in '1-5/0' is not allowed"), std::string::npos);
    EXPECT_NE(parse_error("*/60 * * * *").find("minute step 60 in '*/60' is out of range 1-59"),
              std::string::npos);
    EXPECT_NE(parse_error("0 */24 * * *").find("hour step 24 in '*/24' is out of range 1-23"),
              std::string::npos);
    EXPECT_NE(parse_error("*/x * * * *").find("minute step 'x' in '*/x' is not a number"), std::string::npos);
    EXPECT_NE(parse_error("*/ * * * *").find("minute step '' in '*/' is not a number"), std::string::npos);
    EXPECT_NE(parse_error("*/5/2 * * * *").find("minute step '5/2' in '*/5/2' is not a number"),
              std::string::npos);
    EXPECT_NE(parse_error("/5 * * * *").find("minute '/5' has nothing before the '/'"), std::string::npos);
    EXPECT_NE(parse_error("5/10 * * * *").find("minute step '5/10' needs a range: write 5-59/10 or */10"),
              std::string::npos);
}

TEST(CronParse, RejectsReversedRanges) {
    const std::string m = parse_error("0 22-2 * * *");
    EXPECT_NE(m.find("hour range 22-2 is reversed"), std::string::npos) << m;
    EXPECT_NE(m.find("22-23,0-2"), std::string::npos) << m;
    EXPECT_NE(parse_error("30-10 * * * *").find("minute range 30-10 is reversed"), std::string::npos);
    const std::string days = parse_error("0 0 * * fri-mon");
    EXPECT_NE(days.find("day-of-week range fri-mon is reversed"), std::string::npos) << days;
    EXPECT_NE(days.find("fri-sat,sun-mon"), std::string::npos) << days;
    EXPECT_NE(parse_error("0 0 * * 5-1").find("5-7,0-1"), std::string::npos);
    EXPECT_NE(parse_error("0 0 * dec-jan *").find("month range dec-jan is reversed"), std::string::npos);
}

TEST(CronParse, RejectsGarbage) {
    EXPECT_NE(parse_error("x * * * *").find("minute 'x' is not a number 0-59"), std::string::npos);
    EXPECT_NE(parse_error("0 2 * foo *").find("month 'foo' is neither a number 1-12 nor a name jan-dec"),
              std::string::npos);
    EXPECT_NE(
        parse_error("0 2 * * funday").find("day-of-week 'funday' is neither a number 0-7 nor a name sun-sat"),
        std::string::npos);
    // Names only where they belong.
    EXPECT_NE(parse_error("0 2 mon * *").find("day-of-month 'mon' is not a number 1-31"), std::string::npos);
    EXPECT_NE(parse_error("0 2 * * jan").find("day-of-week 'jan' is neither"), std::string::npos);
    EXPECT_NE(parse_error("-5 * * * *").find("minute '-5' is not a valid range"), std::string::npos);
    EXPECT_NE(parse_error("5- * * * *").find("minute '5-' is not a valid range"), std::string::npos);
    EXPECT_NE(parse_error("1-2-3 * * * *").find("minute '1-2-3' is not a valid range"), std::string::npos);
    EXPECT_NE(parse_error("+5 * * * *").find("minute '+5' is not a number"), std::string::npos);
    EXPECT_NE(parse_error("0 0 ? * *").find("day-of-month '?' is not a number"),
              std::string::npos);  // Quartz
    EXPECT_NE(parse_error("0 0 L * *").find("day-of-month 'L' is not a number"), std::string::npos);
    EXPECT_NE(parse_error("0 0 * * 1#2").find("day-of-week '1#2' is neither"), std::string::npos);
    EXPECT_NE(parse_error("** * * * *").find("minute '**' is not a number"), std::string::npos);
    EXPECT_NE(parse_error("0 2 * * mond").find("day-of-week 'mond' is neither"), std::string::npos);
}

TEST(CronParse, RejectsMacrosItCannotHonour) {
    const std::string unknown = parse_error("@fortnightly");
    EXPECT_EQ(
        unknown,
        "schedule.test: '@fortnightly': unknown macro (known: @hourly @daily @midnight @weekly @monthly "
        "@yearly @annually)");
    EXPECT_NE(parse_error("@reboot").find("@reboot is not supported"), std::string::npos);
    EXPECT_NE(parse_error("@daily 2").find("unknown macro"), std::string::npos);
}

TEST(CronParse, RejectsExpressionsThatNeverFire) {
    const std::string m = parse_error("0 0 30 2 *", "schedule.backup");
    EXPECT_EQ(m,
              "schedule.backup: '0 0 30 2 *': never fires: day-of-month '30' does not occur in month '2' "
              "(fields: minute hour day-of-month month day-of-week)");
    EXPECT_NE(parse_error("0 0 31 4,6,9,11 *").find("never fires"), std::string::npos);
    EXPECT_NE(parse_error("0 0 30-31 feb *").find("never fires"), std::string::npos);
    // A starred day-of-week keeps the AND rule, so this cannot fire either.
    EXPECT_NE(parse_error("0 0 30 2 */7").find("never fires"), std::string::npos);
    // These can: February 29, a month that has the 31st, and the OR rule (every Sunday of February).
    EXPECT_NO_THROW(cron("0 0 29 2 *"));
    EXPECT_NO_THROW(cron("0 0 31 2,3 *"));
    EXPECT_NO_THROW(cron("0 0 30 2 0"));
}

TEST(CronParse, TimeZones) {
    EXPECT_EQ(parse_time_zone("UTC", "schedule.timezone")->name(), "UTC");
    EXPECT_EQ(parse_time_zone("Europe/Berlin", "schedule.timezone")->name(), "Europe/Berlin");
    EXPECT_EQ(parse_time_zone("Asia/Kolkata", "schedule.timezone")->name(), "Asia/Kolkata");
    try {
        parse_time_zone("Europe/Berln", "schedule.timezone");
        ADD_FAILURE() << "accepted Europe/Berln";
    } catch (const UsageError& e) {
        const std::string m = e.what();
        EXPECT_EQ(m.rfind("schedule.timezone: unknown time zone 'Europe/Berln'; use an IANA name", 0), 0u)
            << m;
    }
    for (const char* bad : {"europe/berlin", "../../etc/passwd", "/usr/share/zoneinfo/UTC", "Mars/Olympus"})
        EXPECT_THROW(parse_time_zone(bad, "schedule.timezone"), UsageError) << bad;
    try {
        parse_time_zone("", "schedule.timezone");
        ADD_FAILURE() << "accepted an empty zone";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("schedule.timezone: the time zone is empty"), std::string::npos);
    }
}

// ---- next firing, UTC ----

TEST(CronNext, DailyAtTwo) {
    const CronExpr e = cron("0 2 * * *");
    const auto* tz = zone("UTC");
    EXPECT_EQ(in_utc(e.next_after(utc(2026, 1, 24, 1, 59, 59), tz)), "2026-01-24 02:00Z");
    // Strictly after: a firing exactly at `after` is not returned again, not even a nanosecond later.
    EXPECT_EQ(in_utc(e.next_after(utc(2026, 1, 24, 2, 0), tz)), "2026-01-25 02:00Z");
    EXPECT_EQ(in_utc(e.next_after(utc(2026, 1, 24, 2, 0) + std::chrono::nanoseconds{1}, tz)),
              "2026-01-25 02:00Z");
    EXPECT_EQ(in_utc(e.next_after(utc(2026, 1, 24, 1, 59, 59) + std::chrono::milliseconds{999}, tz)),
              "2026-01-24 02:00Z");
    EXPECT_EQ(in_utc(e.next_after(utc(2026, 12, 31, 3, 0), tz)), "2027-01-01 02:00Z");
    EXPECT_EQ(e.next_after(utc(2026, 1, 24), tz), utc(2026, 1, 24, 2, 0));  // exact time_point, no rounding
}

TEST(CronNext, TypicalSchedules) {
    const auto* tz = zone("UTC");
    EXPECT_EQ(firings("30 3 * * *", tz, utc(2026, 1, 24, 12, 0), 2),
              (std::vector<std::string>{"2026-01-25 03:30 UTC", "2026-01-26 03:30 UTC"}));
    EXPECT_EQ(firings("*/15 * * * *", tz, utc(2026, 1, 24, 10, 7), 4),
              (std::vector<std::string>{"2026-01-24 10:15 UTC", "2026-01-24 10:30 UTC",
                                        "2026-01-24 10:45 UTC", "2026-01-24 11:00 UTC"}));
    EXPECT_EQ(firings("*/15 * * * *", tz, utc(2026, 12, 31, 23, 45), 1),
              (std::vector<std::string>{"2027-01-01 00:00 UTC"}));
    // Sundays at 04:00, from Wednesday 2026-01-21; 7 means Sunday too.
    const std::vector<std::string> sundays{"2026-01-25 04:00 UTC", "2026-02-01 04:00 UTC"};
    EXPECT_EQ(firings("0 4 * * 0", tz, utc(2026, 1, 21), 2), sundays);
    EXPECT_EQ(firings("0 4 * * 7", tz, utc(2026, 1, 21), 2), sundays);
    EXPECT_EQ(firings("0 4 * * sun", tz, utc(2026, 1, 21), 2), sundays);
    EXPECT_EQ(firings("0 0 1 * *", tz, utc(2026, 1, 15), 2),
              (std::vector<std::string>{"2026-02-01 00:00 UTC", "2026-03-01 00:00 UTC"}));
    EXPECT_EQ(firings("0 0 1 * *", tz, utc(2026, 12, 1), 1),
              (std::vector<std::string>{"2027-01-01 00:00 UTC"}));
    EXPECT_EQ(firings("59 23 31 12 *", tz, utc(2026, 1, 1), 2),
              (std::vector<std::string>{"2026-12-31 23:59 UTC", "2027-12-31 23:59 UTC"}));
    EXPECT_EQ(firings("0 9-17/4 * * mon-fri", tz, utc(2026, 1, 23, 12, 0), 4),  // Friday noon
              (std::vector<std::string>{"2026-01-23 13:00 UTC", "2026-01-23 17:00 UTC",
                                        "2026-01-26 09:00 UTC", "2026-01-26 13:00 UTC"}));
}

TEST(CronNext, DayOfMonthOrDayOfWeekWhenBothRestricted) {
    // The 13th OR any Monday: 2026-02-13 is a Friday and fires; so does every Monday.
    EXPECT_EQ(
        firings("0 0 13 * 1", zone("UTC"), utc(2026, 2, 1), 6),
        (std::vector<std::string>{"2026-02-02 00:00 UTC", "2026-02-09 00:00 UTC", "2026-02-13 00:00 UTC",
                                  "2026-02-16 00:00 UTC", "2026-02-23 00:00 UTC", "2026-03-02 00:00 UTC"}));
}

TEST(CronNext, DayOfMonthAndDayOfWeekWhenOneStartsWithStar) {
    // */2 restricts the days to odd ones but starts with '*', so the AND rule holds: odd-dated Mondays.
    EXPECT_EQ(firings("0 0 */2 * 1", zone("UTC"), utc(2026, 1, 1), 4),
              (std::vector<std::string>{"2026-01-05 00:00 UTC", "2026-01-19 00:00 UTC",
                                        "2026-02-09 00:00 UTC", "2026-02-23 00:00 UTC"}));
    // Likewise a starred step in day-of-week: the 13th only when it is a Sunday, Tuesday, Thursday or
    // Saturday.
    EXPECT_EQ(
        firings("0 0 13 * */2", zone("UTC"), utc(2026, 1, 1), 3),
        (std::vector<std::string>{"2026-01-13 00:00 UTC", "2026-06-13 00:00 UTC", "2026-08-13 00:00 UTC"}));
}

TEST(CronNext, FebruaryTwentyNinth) {
    const CronExpr e = cron("0 0 29 2 *");
    const auto* tz = zone("UTC");
    EXPECT_EQ(in_utc(e.next_after(utc(2026, 3, 1), tz)), "2028-02-29 00:00Z");
    EXPECT_EQ(in_utc(e.next_after(utc(2028, 2, 29), tz)), "2032-02-29 00:00Z");
    EXPECT_EQ(in_utc(e.next_after(utc(2096, 3, 1), tz)), "2104-02-29 00:00Z");  // 2100 is no leap year
    // With the AND rule: February 29 falling on a Sunday, 40 years apart across 2100.
    const CronExpr sunday = cron("0 0 29 2 */7");
    EXPECT_EQ(in_utc(sunday.next_after(utc(2026, 1, 1), tz)), "2032-02-29 00:00Z");
    EXPECT_EQ(in_utc(sunday.next_after(utc(2088, 3, 1), tz)), "2128-02-29 00:00Z");
    // With the OR rule, "29 2 1" is February 29 plus every Monday of February: it never waits years.
    EXPECT_EQ(
        firings("0 0 29 2 1", tz, utc(2026, 3, 1), 5),
        (std::vector<std::string>{"2027-02-01 00:00 UTC", "2027-02-08 00:00 UTC", "2027-02-15 00:00 UTC",
                                  "2027-02-22 00:00 UTC", "2028-02-07 00:00 UTC"}));
    EXPECT_EQ(firings("0 0 29 2 1", tz, utc(2028, 2, 22), 2),
              (std::vector<std::string>{"2028-02-28 00:00 UTC", "2028-02-29 00:00 UTC"}));
}

TEST(CronNext, ThirtyFirstSkipsShortMonths) {
    EXPECT_EQ(
        firings("0 0 31 * *", zone("UTC"), utc(2026, 1, 31), 6),
        (std::vector<std::string>{"2026-03-31 00:00 UTC", "2026-05-31 00:00 UTC", "2026-07-31 00:00 UTC",
                                  "2026-08-31 00:00 UTC", "2026-10-31 00:00 UTC", "2026-12-31 00:00 UTC"}));
}

TEST(CronNext, NullZoneIsAProgrammingError) {
    EXPECT_THROW(cron("* * * * *").next_after(utc(2026, 1, 1), nullptr), std::invalid_argument);
}

// ---- other zones ----

TEST(CronNext, HalfHourOffsetZone) {
    const auto* tz = zone("Asia/Kolkata");  // UTC+05:30, no DST
    const CronExpr e = cron("0 2 * * *");
    // 00:00Z is 05:30 IST, past today's 02:00 IST, so the next is tomorrow 02:00 IST = today 20:30Z.
    EXPECT_EQ(in_utc(e.next_after(utc(2026, 1, 24), tz)), "2026-01-24 20:30Z");
    EXPECT_EQ(in_zone(e.next_after(utc(2026, 1, 24), tz), tz), "2026-01-25 02:00 IST");
    EXPECT_EQ(in_utc(cron("0 * * * *").next_after(utc(2026, 1, 24, 10, 0), tz)), "2026-01-24 10:30Z");
}

TEST(CronNext, NewYorkOrdinaryDays) {
    const auto* tz = zone("America/New_York");
    EXPECT_EQ(in_utc(cron("0 2 * * *").next_after(utc(2026, 1, 24), tz)), "2026-01-24 07:00Z");  // EST
    EXPECT_EQ(in_utc(cron("0 2 * * *").next_after(utc(2026, 7, 4), tz)), "2026-07-04 06:00Z");   // EDT
    // Weekday and date are those of New York, not UTC: Sunday 23:00 EST is Monday 04:00Z.
    EXPECT_EQ(firings("0 23 * * 0", tz, utc(2026, 1, 21), 1),
              (std::vector<std::string>{"2026-01-25 23:00 EST"}));
    EXPECT_EQ(in_utc(cron("0 23 * * 0").next_after(utc(2026, 1, 21), tz)), "2026-01-26 04:00Z");
}

// ---- daylight saving: Europe/Berlin 2026-03-29 02:00 -> 03:00, 2026-10-25 03:00 -> 02:00 ----

TEST(CronDst, SpringForwardFixedTimeFiresAtTheEndOfTheGap) {
    const auto* tz = zone("Europe/Berlin");
    const CronExpr e = cron("30 2 * * *");
    const SystemTime t = e.next_after(wall(tz, 2026, 3, 28, 12, 0), tz);
    EXPECT_EQ(in_zone(t, tz), "2026-03-29 03:00 CEST");
    EXPECT_EQ(in_utc(t), "2026-03-29 01:00Z");
    EXPECT_EQ(in_zone(e.next_after(t, tz), tz), "2026-03-30 02:30 CEST");
    // The day before, the same job ran at 02:30 CET as usual.
    EXPECT_EQ(in_zone(e.next_after(wall(tz, 2026, 3, 27, 12, 0), tz), tz), "2026-03-28 02:30 CET");
}

TEST(CronDst, SpringForwardSeveralTimesInTheGapFireOnce) {
    const auto* tz = zone("Europe/Berlin");
    EXPECT_EQ(firings("*/15 2 * * *", tz, wall(tz, 2026, 3, 28, 3, 0), 6),
              (std::vector<std::string>{"2026-03-29 03:00 CEST", "2026-03-30 02:00 CEST",
                                        "2026-03-30 02:15 CEST", "2026-03-30 02:30 CEST",
                                        "2026-03-30 02:45 CEST", "2026-03-31 02:00 CEST"}));
    // A gap time and a real 03:00 coincide: one firing.
    EXPECT_EQ(firings("0,30 2,3 * * *", tz, wall(tz, 2026, 3, 29, 0, 0), 3),
              (std::vector<std::string>{"2026-03-29 03:00 CEST", "2026-03-29 03:30 CEST",
                                        "2026-03-30 02:00 CEST"}));
}

TEST(CronDst, SpringForwardWildcardHourSkipsMissingMinutes) {
    const auto* tz = zone("Europe/Berlin");
    EXPECT_EQ(
        firings("*/15 * * * *", tz, wall(tz, 2026, 3, 29, 1, 30), 3),
        (std::vector<std::string>{"2026-03-29 01:45 CET", "2026-03-29 03:00 CEST", "2026-03-29 03:15 CEST"}));
    EXPECT_EQ(firings("30 * * * *", tz, wall(tz, 2026, 3, 29, 1, 0), 2),
              (std::vector<std::string>{"2026-03-29 01:30 CET", "2026-03-29 03:30 CEST"}));
}

TEST(CronDst, FallBackFixedTimeFiresAtFirstOccurrenceOnly) {
    const auto* tz = zone("Europe/Berlin");
    const CronExpr e = cron("30 2 * * *");
    const SystemTime t = e.next_after(wall(tz, 2026, 10, 24, 12, 0), tz);
    EXPECT_EQ(in_zone(t, tz), "2026-10-25 02:30 CEST");
    EXPECT_EQ(in_utc(t), "2026-10-25 00:30Z");
    EXPECT_EQ(in_zone(e.next_after(t, tz), tz), "2026-10-26 02:30 CET");  // not 2026-10-25 02:30 CET
    // Asking from inside the repeated hour (02:10 CET, after the first 02:30) does not fire it again.
    EXPECT_EQ(in_zone(e.next_after(utc(2026, 10, 25, 1, 10), tz), tz), "2026-10-26 02:30 CET");
    // Every minute of a fixed hour still fires only in the first pass.
    EXPECT_EQ(firings("*/20 2 * * *", tz, wall(tz, 2026, 10, 25, 0, 0), 4),
              (std::vector<std::string>{"2026-10-25 02:00 CEST", "2026-10-25 02:20 CEST",
                                        "2026-10-25 02:40 CEST", "2026-10-26 02:00 CET"}));
}

TEST(CronDst, FallBackWildcardHourFiresInBothPasses) {
    const auto* tz = zone("Europe/Berlin");
    EXPECT_EQ(firings("0 * * * *", tz, wall(tz, 2026, 10, 25, 0, 30), 4),
              (std::vector<std::string>{"2026-10-25 01:00 CEST", "2026-10-25 02:00 CEST",
                                        "2026-10-25 02:00 CET", "2026-10-25 03:00 CET"}));
    // Every 30 minutes stays every 30 minutes of real time through the change.
    const CronExpr e = cron("*/30 * * * *");
    SystemTime t = wall(tz, 2026, 10, 25, 1, 0);
    std::vector<std::string> seen;
    for (int i = 0; i < 6; ++i) {
        const SystemTime next = e.next_after(t, tz);
        EXPECT_EQ(next - t, std::chrono::minutes{30}) << in_zone(next, tz);
        seen.push_back(in_zone(next, tz));
        t = next;
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"2026-10-25 01:30 CEST", "2026-10-25 02:00 CEST",
                                              "2026-10-25 02:30 CEST", "2026-10-25 02:00 CET",
                                              "2026-10-25 02:30 CET", "2026-10-25 03:00 CET"}));
    // A starred step over hours is a wildcard hour too.
    EXPECT_EQ(firings("0 */2 * * *", tz, wall(tz, 2026, 10, 24, 23, 0), 4),
              (std::vector<std::string>{"2026-10-25 00:00 CEST", "2026-10-25 02:00 CEST",
                                        "2026-10-25 02:00 CET", "2026-10-25 04:00 CET"}));
}

TEST(CronDst, NewYork) {
    const auto* tz = zone("America/New_York");  // 2026-03-08 02:00 -> 03:00, 2026-11-01 02:00 -> 01:00
    EXPECT_EQ(firings("30 2 * * *", tz, wall(tz, 2026, 3, 7, 12, 0), 2),
              (std::vector<std::string>{"2026-03-08 03:00 EDT", "2026-03-09 02:30 EDT"}));
    EXPECT_EQ(in_utc(cron("30 2 * * *").next_after(wall(tz, 2026, 3, 7, 12, 0), tz)), "2026-03-08 07:00Z");
    EXPECT_EQ(firings("30 1 * * *", tz, wall(tz, 2026, 10, 31, 12, 0), 2),
              (std::vector<std::string>{"2026-11-01 01:30 EDT", "2026-11-02 01:30 EST"}));
    EXPECT_EQ(firings("30 * * * *", tz, wall(tz, 2026, 11, 1, 0, 0), 4),
              (std::vector<std::string>{"2026-11-01 00:30 EDT", "2026-11-01 01:30 EDT",
                                        "2026-11-01 01:30 EST", "2026-11-01 02:30 EST"}));
    EXPECT_EQ(
        firings("*/30 * * * *", tz, wall(tz, 2026, 3, 8, 1, 0), 3),
        (std::vector<std::string>{"2026-03-08 01:30 EST", "2026-03-08 03:00 EDT", "2026-03-08 03:30 EDT"}));
}

// A daily job runs exactly once on every day of a year with both changes, at 02:30 local or, on the
// spring-forward day, when the gap ends.
TEST(CronDst, AYearOfDailyFirings) {
    struct Case {
        const char* zone;
        const char* expr;
        const char* gap_day;
        const char* gap_firing;
        const char* overlap_firing;
        const char* hhmm;  // the local time of every other firing
    };
    for (const Case& c :
         {Case{"Europe/Berlin", "30 2 * * *", "2026-03-29", "2026-03-29 03:00 CEST", "2026-10-25 02:30 CEST",
               "02:30"},
          Case{"America/New_York", "30 2 * * *", "2026-03-08", "2026-03-08 03:00 EDT", "", "02:30"},
          Case{"America/New_York", "30 1 * * *", "", "", "2026-11-01 01:30 EDT", "01:30"}}) {
        SCOPED_TRACE(std::string(c.zone) + " " + c.expr);
        const auto* tz = zone(c.zone);
        const CronExpr e = cron(c.expr);
        SystemTime t = wall(tz, 2025, 12, 31, 12, 0);
        std::set<std::string> days;
        std::set<SystemTime> instants;
        bool saw_gap = false, saw_overlap = false;
        for (int i = 0; i < 365; ++i) {
            const SystemTime next = e.next_after(t, tz);
            ASSERT_GT(next, t);
            const std::string shown = in_zone(next, tz);
            days.insert(shown.substr(0, 10));
            instants.insert(next);
            if (shown.substr(0, 10) == c.gap_day) {
                EXPECT_EQ(shown, c.gap_firing);
                saw_gap = true;
            } else {
                EXPECT_EQ(shown.substr(11, 5), c.hhmm) << shown;
            }
            if (shown == c.overlap_firing) saw_overlap = true;
            t = next;
        }
        EXPECT_EQ(days.size(), 365u);
        EXPECT_EQ(instants.size(), 365u);
        EXPECT_EQ(*days.begin(), "2026-01-01");
        EXPECT_EQ(*days.rbegin(), "2026-12-31");
        EXPECT_EQ(saw_gap, *c.gap_day != '\0');
        EXPECT_EQ(saw_overlap, *c.overlap_firing != '\0');
    }
}

// An hourly job in Berlin fires once per real hour all year: 8760 firings, each an hour after the last.
TEST(CronDst, AYearOfHourlyFirings) {
    const auto* tz = zone("Europe/Berlin");
    const CronExpr e = cron("0 * * * *");
    SystemTime t = utc(2025, 12, 31, 23, 0);  // 2026-01-01 00:00 CET
    int count = 0;
    while (true) {
        const SystemTime next = e.next_after(t, tz);
        if (next >= utc(2026, 12, 31, 23, 0)) break;
        ASSERT_EQ(next - t, std::chrono::hours{1}) << in_zone(next, tz);
        t = next;
        ++count;
    }
    EXPECT_EQ(count, 8759);  // 8760 hours in 2026, the first of them being the start
}

// Chile falls back at midnight: the last hour of Saturday 2026-04-04 repeats, the day ends twice.
TEST(CronDst, FallBackAtMidnight) {
    const auto* tz = zone("America/Santiago");
    EXPECT_EQ(firings("30 23 * * *", tz, wall(tz, 2026, 4, 4, 12, 0), 2),
              (std::vector<std::string>{"2026-04-04 23:30 -03", "2026-04-05 23:30 -04"}));
    EXPECT_EQ(
        firings("30 * * * 6", tz, wall(tz, 2026, 4, 4, 22, 0), 3),
        (std::vector<std::string>{"2026-04-04 22:30 -03", "2026-04-04 23:30 -03", "2026-04-04 23:30 -04"}));
    // Chile springs forward at midnight: 2026-09-06 00:00 does not exist, the day starts at 01:00.
    EXPECT_EQ(firings("0 0 * * *", tz, wall(tz, 2026, 9, 5, 12, 0), 2),
              (std::vector<std::string>{"2026-09-06 01:00 -03", "2026-09-07 00:00 -03"}));
    EXPECT_EQ(
        firings("0 * * * *", tz, wall(tz, 2026, 9, 5, 22, 30), 3),
        (std::vector<std::string>{"2026-09-05 23:00 -04", "2026-09-06 01:00 -03", "2026-09-06 02:00 -03"}));
}

// In 1867 Sitka went from Russian to American time, setting clocks back a whole day (at 15:30 local on
// 10-19 to 15:30 on 10-18): the only tz data where a later instant can have an earlier date than the
// moment searched from, which is why the search starts a day early and looks one day past a match.
TEST(CronDst, ClockSetBackAcrossMidnight) {
    const auto* tz = zone("America/Sitka");  // LMT +14:58:47 until 1867-10-19 00:31:13Z, then -09:01:13
    const CronExpr hourly = cron("0 * * * *");
    // Found on 10-18 (its second pass) but beaten by 11:00 on 10-19 (the first pass).
    EXPECT_EQ(hourly.next_after(utc(1867, 10, 18, 20, 0), tz), utc(1867, 10, 18, 20, 1, 13));
    // From 15:11 on 10-19, the next full hour is 16:00 on 10-18, the day before.
    EXPECT_EQ(hourly.next_after(utc(1867, 10, 19, 0, 10), tz), utc(1867, 10, 19, 1, 1, 13));
    // A fixed-hour job does not repeat the day: 16:00 on 10-18 already happened once.
    EXPECT_EQ(cron("0 16 * * *").next_after(utc(1867, 10, 19, 0, 10), tz), utc(1867, 10, 20, 1, 1, 13));
}

// ---- cross-check against a minute-by-minute model of the rules ----

namespace {

bool day_matches(const CronExpr& e, date::local_days day) {
    const date::year_month_day ymd{day};
    if (!e.months()[static_cast<unsigned>(ymd.month())]) return false;
    const bool dom = e.days_of_month()[static_cast<unsigned>(ymd.day())];
    const bool dow = e.days_of_week()[date::weekday{day}.c_encoding()];
    return (e.day_of_month_restricted() && e.day_of_week_restricted()) ? (dom || dow) : (dom && dow);
}

bool local_matches(const CronExpr& e, date::local_seconds l) {
    const auto day = floor<date::days>(l);
    const auto hm = date::hh_mm_ss<seconds>(l - day);
    return e.hours()[static_cast<std::size_t>(hm.hours().count())] &&
           e.minutes()[static_cast<std::size_t>(hm.minutes().count())] && hm.seconds() == seconds{0} &&
           day_matches(e, day);
}

// Walks real time minute by minute: a minute fires if its wall-clock time matches and, for fixed-hour
// jobs, it is that wall-clock time's first occurrence; a forward jump fires (fixed-hour jobs) if any
// skipped wall-clock minute matches.
std::vector<SystemTime> model_firings(const CronExpr& e, const date::time_zone* tz, date::sys_seconds from,
                                      date::sys_seconds to) {
    std::vector<SystemTime> out;
    date::sys_info info = tz->get_info(from);
    for (date::sys_seconds s = from + std::chrono::minutes{1}; s <= to; s += std::chrono::minutes{1}) {
        bool fire = false;
        if (s >= info.end) {
            const date::sys_info prev = info;
            info = tz->get_info(s);
            if (info.offset > prev.offset && !e.wildcard_hour()) {
                const date::local_seconds gap_begin{(info.begin + prev.offset).time_since_epoch()};
                const date::local_seconds gap_end{(info.begin + info.offset).time_since_epoch()};
                for (auto l = gap_begin; l < gap_end; l += std::chrono::minutes{1})
                    fire = fire || local_matches(e, l);
            }
        }
        const date::local_seconds l{(s + info.offset).time_since_epoch()};
        if (local_matches(e, l)) {
            const date::local_info li = tz->get_info(l);
            const bool repeat = li.result == date::local_info::ambiguous && info.offset != li.first.offset;
            if (e.wildcard_hour() || !repeat) fire = true;
        }
        if (fire) out.push_back(s);
    }
    return out;
}

std::string random_field(std::mt19937& rng, int min, int max) {
    const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    const int a = pick(min, max), b = pick(min, max);
    const int lo = std::min(a, b), hi = std::max(a, b);
    switch (pick(0, 6)) {
        case 0:
            return "*";
        case 1:
            return "*/" + std::to_string(pick(1, std::max(1, (max - min) / 2)));
        case 2:
            return std::to_string(a);
        case 3:
            return std::to_string(lo) + "-" + std::to_string(hi);
        case 4:
            return std::to_string(a) + "," + std::to_string(b);
        case 5:
            return std::to_string(lo) + "-" + std::to_string(hi) + "/" + std::to_string(pick(1, 5));
        default:
            return "*/" + std::to_string(pick(1, 3)) + "," + std::to_string(a);
    }
}

}  // namespace

TEST(CronNext, AgreesWithMinuteByMinuteModel) {
    std::mt19937 rng(20260329);  // fixed seed: the same expressions on every run
    struct Window {
        const char* zone;
        SystemTime from;  // three days from here; for DST zones a clock change lies inside
    };
    const std::vector<Window> windows{
        {"UTC", utc(2026, 2, 27)},
        {"Asia/Kolkata", utc(2026, 2, 27)},
        {"Europe/Berlin", utc(2026, 3, 28)},        // spring forward 2026-03-29 02:00 -> 03:00
        {"Europe/Berlin", utc(2026, 10, 24)},       // fall back 2026-10-25 03:00 -> 02:00
        {"America/New_York", utc(2026, 3, 7)},      // spring forward 2026-03-08 02:00 -> 03:00
        {"America/New_York", utc(2026, 10, 31)},    // fall back 2026-11-01 02:00 -> 01:00
        {"Australia/Lord_Howe", utc(2026, 4, 4)},   // half-hour fall back 2026-04-05 02:00 -> 01:30
        {"Australia/Lord_Howe", utc(2026, 10, 3)},  // half-hour spring forward 2026-10-04 02:00 -> 02:30
        {"America/Santiago", utc(2026, 4, 4)},      // fall back at midnight 2026-04-05 00:00 -> 04-04 23:00
        {"America/Santiago", utc(2026, 9, 5)},      // spring forward at midnight 2026-09-06 00:00 -> 01:00
    };
    int compared = 0, checked_firings = 0;
    for (const Window& w : windows) {
        const auto* tz = zone(w.zone);
        const auto from = floor<seconds>(w.from);
        const auto to = from + date::days{3};
        if (tz->name() != "UTC" && tz->name() != "Asia/Kolkata") {
            ASSERT_LT(tz->get_info(from).end, to) << w.zone;
        }
        for (int i = 0; i < 30; ++i) {
            // Day fields: one, the other, both (the OR rule) or neither restricted; the month stays '*' so
            // that most expressions fire inside a five-day window. One statement per draw, since the order
            // of evaluation of the operands of + is unspecified.
            const int days = std::uniform_int_distribution<int>(0, 3)(rng);
            const std::string minute = random_field(rng, 0, 59);
            const std::string hour = random_field(rng, 0, 23);
            const std::string dom = (days == 0 || days == 2) ? random_field(rng, 1, 31) : "*";
            const std::string dow = (days == 1 || days == 2) ? random_field(rng, 0, 7) : "*";
            const std::string expr = minute + " " + hour + " " + dom + " * " + dow;
            SCOPED_TRACE(std::string(w.zone) + " '" + expr + "'");
            const CronExpr e = cron(expr);
            const std::vector<SystemTime> expected = model_firings(e, tz, from, to);
            std::vector<SystemTime> actual;
            for (SystemTime t = from;;) {
                t = e.next_after(t, tz);
                if (t > to) break;
                actual.push_back(t);
            }
            ASSERT_EQ(actual.size(), expected.size());
            for (std::size_t k = 0; k < actual.size(); ++k)
                if (actual[k] != expected[k])  // formatted only on failure: this loop is hot
                    FAIL() << "firing " << k << ": " << in_utc(actual[k]) << " instead of "
                           << in_utc(expected[k]);
            ++compared;
            checked_firings += static_cast<int>(actual.size());
        }
    }
    EXPECT_EQ(compared, 300);
    EXPECT_GT(checked_firings, 10000);  // the windows exercised the search, not only empty sets
}
