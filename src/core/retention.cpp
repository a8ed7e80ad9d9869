// Grandfather-father-son retention; the policy's semantics are documented in retention.h.
#include "core/retention.h"

#include <date/date.h>
#include <date/iso_week.h>
#include <date/tz.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <set>
#include <utility>

#include "util/error.h"

namespace pgark {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

struct LocalPeriods {
    std::string day;    // "2026-01-24"
    std::string week;   // "2026-W04"
    std::string month;  // "2026-01"
};

// Periods are keyed by their local names rather than by comparing with the previous backup's period,
// so a local clock that steps back across midnight (zones whose DST ends at 00:00) cannot split a day.
LocalPeriods local_periods(const date::time_zone& tz, TimePoint t) {
    const date::local_days local_day = date::floor<date::days>(tz.to_local(t));
    const date::year_month_day ymd{local_day};
    const iso_week::year_weeknum_weekday iso{local_day};
    char day[16], week[16], month[16];
    std::snprintf(day, sizeof day, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    std::snprintf(week, sizeof week, "%04d-W%02u", static_cast<int>(iso.year()),
                  static_cast<unsigned>(iso.weeknum()));
    std::snprintf(month, sizeof month, "%04d-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()));
    return {day, week, month};
}

// Written the way the config accepts durations, so the reason can be matched with
// retention.incomplete_after: "24h", "1h30m", "7d".
std::string format_bound(std::chrono::seconds d) {
    long long s = d.count();
    if (s >= 2 * 86400 && s % 86400 == 0) return std::to_string(s / 86400) + "d";
    std::string out;
    if (s >= 3600) out += std::to_string(s / 3600) + "h";
    if (s % 3600 >= 60) out += std::to_string(s % 3600 / 60) + "m";
    if (s % 60 != 0 || out.empty()) out += std::to_string(s % 60) + "s";
    return out;
}

void check_count(int value, const char* key, const char* flag) {
    if (value >= 0) return;
    throw UsageError(std::string(key) + " is " + std::to_string(value) +
                     ", but a number of backups to keep cannot be negative; set it to 0 or more in the "
                     "[retention] section of the config file or with " +
                     flag);
}

bool newer_first(const RetentionCandidate& a, const RetentionCandidate& b) {
    if (a.time != b.time) return a.time > b.time;
    return a.id > b.id;
}

}  // namespace

void validate(const RetentionPolicy& policy) {
    check_count(policy.keep_last, "retention.keep_last", "--keep-last");
    check_count(policy.keep_daily, "retention.keep_daily", "--keep-daily");
    check_count(policy.keep_weekly, "retention.keep_weekly", "--keep-weekly");
    check_count(policy.keep_monthly, "retention.keep_monthly", "--keep-monthly");
    if (policy.keep_last == 0 && policy.keep_daily == 0 && policy.keep_weekly == 0 &&
        policy.keep_monthly == 0) {
        throw UsageError(
            "the retention policy keeps nothing: retention.keep_last, retention.keep_daily, "
            "retention.keep_weekly and retention.keep_monthly are all 0, so prune would delete every "
            "backup but the newest; set at least one of them above 0 in the [retention] section of the "
            "config file (for example keep_daily = 7)");
    }
    if (policy.tz == nullptr) {
        throw UsageError(
            "the retention policy has no time zone for its days, weeks and months; set schedule.timezone "
            "to an IANA time zone such as Europe/Berlin or UTC");
    }
}

std::vector<RetentionDecision> apply_retention(const RetentionPolicy& policy,
                                               std::vector<RetentionCandidate> candidates, TimePoint now,
                                               std::chrono::seconds incomplete_after) {
    validate(policy);
    if (incomplete_after.count() < 0) {
        throw UsageError("retention.incomplete_after is negative (" +
                         std::to_string(incomplete_after.count()) +
                         "s); set it to how long a backup may run, such as 24h");
    }
    // Stable, so that even duplicate entries (which a listing should never produce) come out in a
    // reproducible order.
    std::stable_sort(candidates.begin(), candidates.end(), newer_first);

    // Rule reasons first, over the complete backups whose age is known, newest first.
    std::vector<std::vector<std::string>> rule_reasons(candidates.size());
    std::set<std::string> days, weeks, months;
    int ranked = 0;
    std::size_t newest_complete = candidates.size();
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const RetentionCandidate& c = candidates[i];
        if (!c.complete || c.time > now) continue;
        if (newest_complete == candidates.size()) newest_complete = i;
        std::vector<std::string>& reasons = rule_reasons[i];
        if (ranked < policy.keep_last) {
            ++ranked;
            reasons.push_back("newest " + std::to_string(policy.keep_last) + " (#" + std::to_string(ranked) +
                              ")");
        }
        const LocalPeriods p = local_periods(*policy.tz, c.time);
        // Only a period's first (newest) backup may claim it; the size check stops at N periods.
        if (std::cmp_less(days.size(), policy.keep_daily) && days.insert(p.day).second) {
            reasons.push_back("daily " + p.day);
        }
        if (std::cmp_less(weeks.size(), policy.keep_weekly) && weeks.insert(p.week).second) {
            reasons.push_back("weekly " + p.week);
        }
        if (std::cmp_less(months.size(), policy.keep_monthly) && months.insert(p.month).second) {
            reasons.push_back("monthly " + p.month);
        }
    }

    std::vector<RetentionDecision> out;
    out.reserve(candidates.size());
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const RetentionCandidate& c = candidates[i];
        RetentionDecision d{c.id, false, std::move(rule_reasons[i])};
        const bool future = c.time > now;
        const bool stale = !c.complete && !future && now - c.time > incomplete_after;
        if (i == newest_complete) d.reasons.push_back("newest complete backup");
        if (future) d.reasons.push_back("dated in the future (clock skew?), age unknown");
        if (!c.complete && !future && !stale) d.reasons.push_back("incomplete, may still be running");
        if (c.in_use) d.reasons.push_back("in use by a running drill or restore");
        d.keep = !d.reasons.empty();
        if (!d.keep) {
            d.reasons.push_back(stale ? "incomplete, older than " + format_bound(incomplete_after)
                                      : "not kept by any rule");
        }
        out.push_back(std::move(d));
    }
    return out;
}

}  // namespace pgark
