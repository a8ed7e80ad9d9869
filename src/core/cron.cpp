// Parsing of cron expressions and the search for their next firing in a time zone (rules in cron.h).
#include "core/cron.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "util/error.h"
#include "util/text.h"

namespace pgark {

namespace {

using std::chrono::seconds;
// Not `hours`/`minutes`: inside CronExpr those names are its accessors.
using Hours = std::chrono::hours;
using Minutes = std::chrono::minutes;

constexpr const char* kFieldsHint = " (fields: minute hour day-of-month month day-of-week)";

// What a malformed expression is reported as: "<key>: '<text>': <problem>".
struct Failer {
    const std::string& key;
    const std::string& text;
    [[noreturn]] void operator()(const std::string& problem, bool fields_hint = true) const {
        throw UsageError(key + ": '" + text + "': " + problem + (fields_hint ? kFieldsHint : ""));
    }
};

constexpr std::array<const char*, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                     "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<const char*, 7> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

struct FieldSpec {
    const char* name;
    int min, max;
    const char* const* names;  // value min + i is called names[i]; nullptr when the field has no names
    int name_count;
    const char* name_range;  // "jan-dec", for messages
};

constexpr FieldSpec kMinute{"minute", 0, 59, nullptr, 0, nullptr};
constexpr FieldSpec kHour{"hour", 0, 23, nullptr, 0, nullptr};
constexpr FieldSpec kDom{"day-of-month", 1, 31, nullptr, 0, nullptr};
constexpr FieldSpec kMonth{"month", 1, 12, kMonthNames.data(), 12, "jan-dec"};
constexpr FieldSpec kDow{"day-of-week", 0, 7, kDayNames.data(), 7, "sun-sat"};

std::string range_text(int lo, int hi) {
    return std::to_string(lo) + "-" + std::to_string(hi);
}

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

// A digit string as a number, saturating so that "99999999999" is reported as out of range, not wrapped.
long to_number(std::string_view s) {
    long v = 0;
    for (char c : s) v = std::min(v * 10 + (c - '0'), 1'000'000L);
    return v;
}

// One value of a field: a number in range, or a name where the field has names.
int parse_value(std::string_view s, const FieldSpec& f, const Failer& fail) {
    if (all_digits(s)) {
        const long v = to_number(s);
        if (v < f.min || v > f.max)
            fail(std::string(f.name) + " " + std::string(s) + " is out of range " + range_text(f.min, f.max));
        return static_cast<int>(v);
    }
    if (f.names) {
        const std::string l = ascii_lower(s);
        for (int i = 0; i < f.name_count; ++i)
            if (l == f.names[i]) return f.min + i;
        fail(std::string(f.name) + " '" + std::string(s) + "' is neither a number " +
             range_text(f.min, f.max) + " nor a name " + f.name_range);
    }
    fail(std::string(f.name) + " '" + std::string(s) + "' is not a number " + range_text(f.min, f.max));
}

// One field as a bit mask over min..max; `star` tells whether it starts with '*' (see cron.h).
std::uint64_t parse_field(std::string_view field, const FieldSpec& f, const Failer& fail, bool& star) {
    star = !field.empty() && field.front() == '*';
    std::uint64_t mask = 0;
    std::size_t pos = 0;
    while (true) {
        const std::size_t comma = field.find(',', pos);
        const std::string_view item =
            field.substr(pos, comma == std::string_view::npos ? field.npos : comma - pos);
        if (item.empty())
            fail(std::string(f.name) + " field '" + std::string(field) +
                 "' has an empty list item (write items separated by single commas, e.g. 1,15,30)");

        std::string_view base = item;
        int step = 1;
        const std::size_t slash = item.find('/');
        if (slash != std::string_view::npos) {
            base = item.substr(0, slash);
            const std::string_view step_text = item.substr(slash + 1);
            if (!all_digits(step_text))
                fail(std::string(f.name) + " step '" + std::string(step_text) + "' in '" + std::string(item) +
                     "' is not a number");
            const long s = to_number(step_text);
            if (s == 0)
                fail(std::string(f.name) + " step 0 in '" + std::string(item) +
                     "' is not allowed; use 1 or more");
            if (s > f.max - f.min)
                fail(std::string(f.name) + " step " + std::string(step_text) + " in '" + std::string(item) +
                     "' is out of range " + range_text(1, f.max - f.min));
            step = static_cast<int>(s);
        }

        if (base.empty())
            fail(std::string(f.name) + " '" + std::string(item) +
                 "' has nothing before the '/' (write */n or a-b/n)");
        int lo = 0, hi = 0;
        if (base == "*") {
            lo = f.min;
            hi = f.max;
        } else if (const std::size_t dash = base.find('-'); dash != std::string_view::npos) {
            const std::string_view a = base.substr(0, dash), b = base.substr(dash + 1);
            if (a.empty() || b.empty() || b.find('-') != std::string_view::npos)
                fail(std::string(f.name) + " '" + std::string(base) +
                     "' is not a valid range (write a-b, e.g. " + range_text(f.min, f.max) + ")");
            lo = parse_value(a, f, fail);
            hi = parse_value(b, f, fail);
            if (lo > hi) {
                const bool named = f.names && !all_digits(a);
                const std::string last = named ? f.names[f.name_count - 1] : std::to_string(f.max);
                const std::string first = named ? f.names[0] : std::to_string(f.min);
                fail(std::string(f.name) + " range " + std::string(base) +
                     " is reversed; write the smaller value first (to wrap around, list two ranges: " +
                     std::string(a) + "-" + last + "," + first + "-" + std::string(b) + ")");
            }
        } else {
            if (slash != std::string_view::npos)
                fail(std::string(f.name) + " step '" + std::string(item) + "' needs a range: write " +
                     std::string(base) + "-" + std::to_string(f.max) + "/" + std::to_string(step) + " or */" +
                     std::to_string(step));
            lo = hi = parse_value(base, f, fail);
        }
        for (int v = lo; v <= hi; v += step) mask |= std::uint64_t{1} << v;

        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return mask;
}

template <std::size_t N>
std::bitset<N> to_bits(std::uint64_t mask) {
    return std::bitset<N>(mask & ((std::uint64_t{1} << N) - 1));
}

std::vector<std::string_view> split_blanks(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        const std::size_t start = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
        if (i > start) out.push_back(s.substr(start, i - start));
    }
    return out;
}

std::optional<std::string> expand_macro(const std::string& name) {
    const std::string l = ascii_lower(name);
    if (l == "@hourly") return "0 * * * *";
    if (l == "@daily" || l == "@midnight") return "0 0 * * *";
    if (l == "@weekly") return "0 0 * * 0";
    if (l == "@monthly") return "0 0 1 * *";
    if (l == "@yearly" || l == "@annually") return "0 0 1 1 *";
    return std::nullopt;
}

// Longest month length, leap years included: whether day d of month m can ever exist.
constexpr std::array<int, 13> kMaxDays = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

// The 400-year Gregorian cycle repeats weekdays and leap days, so a day pattern that matches at all
// matches within it; the slack covers starting a day early and checking one day past the first match.
constexpr date::days kSearchSpan{146097 + 3};

date::sys_seconds to_sys(date::local_seconds l, seconds offset) {
    return date::sys_seconds{l.time_since_epoch()} - offset;
}

}  // namespace

CronExpr CronExpr::parse(const std::string& raw, const std::string& key) {
    CronExpr e;
    e.text_ = trim(raw);
    const Failer fail{key, e.text_};
    if (e.text_.empty())
        throw UsageError(key +
                         ": the schedule is empty; write a cron expression such as '0 2 * * *' or '@daily'");

    std::string expanded = e.text_;
    if (e.text_.front() == '@') {
        if (ascii_lower(e.text_) == "@reboot")
            fail("@reboot is not supported: the daemon schedules by time; use e.g. @daily or '0 2 * * *'",
                 false);
        const auto m = expand_macro(e.text_);
        if (!m)
            fail("unknown macro (known: @hourly @daily @midnight @weekly @monthly @yearly @annually)", false);
        expanded = *m;
    }

    const auto fields = split_blanks(expanded);
    if (fields.size() != 5)
        fail("expected 5 fields but found " + std::to_string(fields.size()) +
             (fields.size() == 6 ? " (seconds and years are not supported)" : ""));

    bool minute_star = false, month_star = false;
    e.minutes_ = to_bits<60>(parse_field(fields[0], kMinute, fail, minute_star));
    e.hours_ = to_bits<24>(parse_field(fields[1], kHour, fail, e.hour_star_));
    e.dom_ = to_bits<32>(parse_field(fields[2], kDom, fail, e.dom_star_));
    e.months_ = to_bits<13>(parse_field(fields[3], kMonth, fail, month_star));
    std::uint64_t dow = parse_field(fields[4], kDow, fail, e.dow_star_);
    if (dow & (std::uint64_t{1} << 7)) dow |= 1;  // 7 is Sunday too
    e.dow_ = to_bits<7>(dow);

    // Under the AND rule a day-of-month that no selected month has can never match; under the OR rule
    // the weekdays always match some day. (Any existing date falls on every weekday within 400 years.)
    if (e.dom_star_ || e.dow_star_) {
        bool possible = false;
        for (int m = 1; m <= 12 && !possible; ++m)
            for (int d = 1; d <= kMaxDays[static_cast<std::size_t>(m)] && !possible; ++d)
                possible = e.months_[static_cast<std::size_t>(m)] && e.dom_[static_cast<std::size_t>(d)];
        if (!possible)
            fail("never fires: day-of-month '" + std::string(fields[2]) + "' does not occur in month '" +
                 std::string(fields[3]) + "'");
    }
    return e;
}

bool CronExpr::operator==(const CronExpr& o) const {
    return minutes_ == o.minutes_ && hours_ == o.hours_ && dom_ == o.dom_ && months_ == o.months_ &&
           dow_ == o.dow_ && dom_star_ == o.dom_star_ && dow_star_ == o.dow_star_ &&
           hour_star_ == o.hour_star_;
}

bool CronExpr::day_matches(const date::year_month_day& ymd) const {
    const bool dom = dom_[static_cast<unsigned>(ymd.day())];
    const bool dow = dow_[date::weekday{date::sys_days{ymd}}.c_encoding()];
    if (dom_star_ || dow_star_) return dom && dow;
    return dom || dow;
}

std::optional<date::sys_seconds> CronExpr::first_in_day(date::local_days day, date::sys_seconds after,
                                                        const date::time_zone* tz) const {
    const date::local_seconds start{day};
    const date::local_info at_start = tz->get_info(start);
    const date::local_info at_end = tz->get_info(start + date::days{1} - seconds{1});
    if (at_start.result == date::local_info::unique && at_end.result == date::local_info::unique &&
        at_start.first.begin == at_end.first.begin) {
        // The common case: one UTC offset all day, so local order is instant order. (Checking the end of
        // the day too matters where clocks fall back at midnight: there the day's last hour repeats.)
        // Plain second counts: this loop runs for every firing, in unoptimised builds too.
        const seconds off = at_start.first.offset;
        const std::int64_t day0 = start.time_since_epoch().count();
        const std::int64_t after_local = (after + off).time_since_epoch().count();
        for (std::int64_t h = 0; h < 24; ++h) {
            if (!hours_[static_cast<std::size_t>(h)] || day0 + h * 3600 + 59 * 60 <= after_local) continue;
            for (std::int64_t m = 0; m < 60; ++m) {
                const std::int64_t l = day0 + h * 3600 + m * 60;
                if (minutes_[static_cast<std::size_t>(m)] && l > after_local)
                    return date::sys_seconds{seconds{l}} - off;
            }
        }
        return std::nullopt;
    }

    // A day with an offset change: map every matching wall-clock time by the DST rules. Every instant
    // mapped from wall-clock time l (the gap's end included) lies in [l - max_off, l - min_off], which
    // bounds the lookups to the few minutes that can matter.
    seconds min_off = at_start.first.offset, max_off = at_start.first.offset;
    for (date::sys_info p = tz->get_info(to_sys(start, Hours{15}));;) {
        min_off = std::min(min_off, p.offset);
        max_off = std::max(max_off, p.offset);
        if (p.end > to_sys(start + date::days{1}, -Hours{15})) break;
        p = tz->get_info(p.end);
    }
    std::optional<date::sys_seconds> best;
    const auto consider = [&](date::sys_seconds s) {
        if (s > after && (!best || s < *best)) best = s;
    };
    for (int h = 0; h < 24; ++h) {
        if (!hours_[static_cast<std::size_t>(h)]) continue;
        if (to_sys(start + Hours{h} + Minutes{59}, min_off) <= after) continue;
        for (int m = 0; m < 60; ++m) {
            if (!minutes_[static_cast<std::size_t>(m)]) continue;
            const date::local_seconds l = start + Hours{h} + Minutes{m};
            if (to_sys(l, min_off) <= after) continue;
            if (best && to_sys(l, max_off) >= *best) return best;
            const date::local_info i = tz->get_info(l);
            switch (i.result) {
                case date::local_info::unique:
                    consider(to_sys(l, i.first.offset));
                    break;
                case date::local_info::nonexistent:
                    if (!hour_star_) consider(i.second.begin);  // the first instant after the gap
                    break;
                case date::local_info::ambiguous:
                    consider(to_sys(l, i.first.offset));
                    if (hour_star_) consider(to_sys(l, i.second.offset));
                    break;
            }
        }
    }
    return best;
}

SystemTime CronExpr::next_after(SystemTime after, const date::time_zone* tz) const {
    if (!tz) throw std::invalid_argument("CronExpr::next_after: no time zone");
    // Firings are whole minutes, so comparing with the whole second of `after` is exact.
    const auto after_s = std::chrono::floor<seconds>(after);
    const date::sys_info now_info = tz->get_info(after_s);
    // Start a day early: when clocks fall back across midnight, a later instant can have an earlier date.
    date::local_days day =
        std::chrono::floor<date::days>(date::local_seconds{(after_s + now_info.offset).time_since_epoch()}) -
        date::days{1};
    const date::local_days limit = day + kSearchSpan;

    std::optional<date::sys_seconds> best;
    std::optional<date::local_days> found_on;
    while (day < limit) {
        // The day after a match is still checked, for the same reason the search starts a day early.
        if (found_on && day > *found_on + date::days{1}) break;
        const date::year_month_day ymd{day};
        if (!months_[static_cast<unsigned>(ymd.month())]) {
            const date::year_month next = ymd.year() / ymd.month() + date::months{1};
            day = date::local_days{next / date::day{1}};
            continue;
        }
        if (day_matches(ymd)) {
            if (const auto s = first_in_day(day, after_s, tz)) {
                if (!best || *s < *best) best = s;
                if (!found_on) found_on = day;
            }
        }
        day += date::days{1};
    }
    if (!best) throw std::logic_error("cron expression '" + text_ + "' found no firing within 400 years");
    return std::chrono::time_point_cast<SystemTime::duration>(*best);
}

const date::time_zone* parse_time_zone(const std::string& name, const std::string& key) {
    if (name.empty())
        throw UsageError(key + ": the time zone is empty; set an IANA name such as 'UTC' or 'Europe/Berlin'");
    try {
        return date::locate_zone(name);
    } catch (const std::exception&) {
        throw UsageError(
            key + ": unknown time zone '" + name +
            "'; use an IANA name such as 'UTC' or 'Europe/Berlin' (names are case-sensitive; see "
            "/usr/share/zoneinfo)");
    }
}

}  // namespace pgark
