// Cron expressions for the schedules of `pgark daemon`, and the rules that turn a wall-clock schedule
// in a time zone into instants, including across daylight-saving changes.
//
// Syntax: five fields "minute hour day-of-month month day-of-week" separated by blanks. Each field is a
// comma-separated list of items: `*`, a number, a range `a-b`, or a step `*/n` or `a-b/n`. Months may be
// written jan-dec and days of the week sun-sat (case-insensitive); day-of-week 0 and 7 are both Sunday.
// Macros: @hourly, @daily (= @midnight), @weekly, @monthly, @yearly (= @annually). As in Vixie cron and
// cronie, when both day fields are restricted (neither starts with `*`) a day matches if EITHER matches
// ("0 0 1 * 1" = the 1st of every month and every Monday); otherwise both must match.
//
// Daylight-saving rules, as in cronie (the cron Debian and RHEL ship), so that an operator's expectation
// from classic cron carries over. Jobs fall in two classes by their hour field:
//
//   - Fixed-hour jobs (the hour field does not start with `*`, e.g. "30 2 * * *", "*/15 2 * * *"):
//     every matching wall-clock time fires exactly once. A time that does not exist because the clocks
//     spring forward fires at the first instant after the gap ("30 2 * * *" in Europe/Berlin on
//     2026-03-29 fires at 03:00 CEST); several matching times inside one gap still fire only once there.
//     A time that occurs twice because the clocks fall back fires at its first occurrence only
//     ("30 2 * * *" on 2026-10-25 fires at 02:30 CEST, not again at 02:30 CET). So a daily backup runs
//     exactly once every day.
//   - Wildcard-hour jobs (the hour field starts with `*`, e.g. "0 * * * *", "*/5 * * * *", "0 */2 * * *"):
//     they follow the wall clock as it runs. Minutes that do not exist are skipped (no catch-up burst at
//     the end of the gap), and minutes that occur twice fire in both passes. For whole-hour DST changes
//     this keeps "every N minutes" evenly spaced in real time.
//
// Limitation of the time zone data: Howard Hinnant's date library with the OS database (USE_OS_TZDB)
// uses only the explicit transitions in /usr/share/zoneinfo and ignores the rule string after them.
// Debian's "fat" tzdata lists transitions up to 2037; later instants keep the last listed offset.
#pragma once

#include <date/tz.h>

#include <bitset>
#include <chrono>
#include <optional>
#include <string>

#include "util/time.h"

namespace pgark {

class CronExpr {
  public:
    // Parses `text` (surrounding blanks ignored). `key` names the setting for error messages, e.g.
    // "schedule.backup". Throws UsageError for malformed expressions and for ones that can never fire
    // ("0 0 30 2 *").
    static CronExpr parse(const std::string& text, const std::string& key);

    // The first firing strictly after `after`, interpreting the schedule in `tz` by the rules above.
    // Cost is proportional to the days skipped, with whole months skipped at once; every valid
    // expression fires within the 400-year Gregorian cycle.
    SystemTime next_after(SystemTime after, const date::time_zone* tz) const;

    // The expression as written (trimmed), for messages and status output.
    const std::string& text() const { return text_; }

    // The sets the expression selects; bit i set = value i matches.
    const std::bitset<60>& minutes() const { return minutes_; }
    const std::bitset<24>& hours() const { return hours_; }
    const std::bitset<32>& days_of_month() const { return dom_; }  // bits 1-31
    const std::bitset<13>& months() const { return months_; }      // bits 1-12
    const std::bitset<7>& days_of_week() const { return dow_; }    // 0 = Sunday (7 is folded into 0)

    // Whether a day field restricts days, i.e. does not start with `*` (selects the OR rule).
    bool day_of_month_restricted() const { return !dom_star_; }
    bool day_of_week_restricted() const { return !dow_star_; }
    // Whether the hour field starts with `*`: the DST class of the job (see above).
    bool wildcard_hour() const { return hour_star_; }

    // Same firings, however written ("@daily" == "0 0 * * *").
    bool operator==(const CronExpr& o) const;

  private:
    CronExpr() = default;
    bool day_matches(const date::year_month_day& ymd) const;
    // The earliest firing on local day `day` that is after `after`.
    std::optional<date::sys_seconds> first_in_day(date::local_days day, date::sys_seconds after,
                                                  const date::time_zone* tz) const;

    std::string text_;
    std::bitset<60> minutes_;
    std::bitset<24> hours_;
    std::bitset<32> dom_;
    std::bitset<13> months_;
    std::bitset<7> dow_;
    bool dom_star_ = true, dow_star_ = true, hour_star_ = true;
};

// Resolves an IANA time zone name ("UTC", "Europe/Berlin"). `key` names the setting for the message;
// an empty or unknown name is a UsageError naming it.
const date::time_zone* parse_time_zone(const std::string& name, const std::string& key);

}  // namespace pgark
