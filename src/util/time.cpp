// ISO 8601 UTC formatting and parsing.
#include "util/time.h"

#include <cstdio>
#include <ctime>
#include <string_view>

namespace pgark {

std::string format_iso8601(SystemTime t, bool millis) {
    auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
    std::time_t tt = std::chrono::system_clock::to_time_t(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string out = buf;
    if (millis) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - secs).count();
        char m[8];
        std::snprintf(m, sizeof m, ".%03d", static_cast<int>(ms));
        out += m;
    }
    return out + "Z";
}

std::optional<SystemTime> parse_iso8601(const std::string& text) {
    const bool millis = text.size() == 24;
    const std::string_view shape = millis ? "dddd-dd-ddTdd:dd:dd.dddZ" : "dddd-dd-ddTdd:dd:ddZ";
    if (text.size() != shape.size()) return std::nullopt;
    for (std::size_t i = 0; i < shape.size(); ++i)
        if (shape[i] == 'd' ? (text[i] < '0' || text[i] > '9') : text[i] != shape[i]) return std::nullopt;
    auto num = [&](std::size_t pos, std::size_t len) {
        int v = 0;
        for (std::size_t i = pos; i < pos + len; ++i) v = v * 10 + (text[i] - '0');
        return v;
    };
    const int year = num(0, 4);
    if (year < kFirstYear || year > kLastYear) return std::nullopt;
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = num(5, 2) - 1;
    tm.tm_mday = num(8, 2);
    tm.tm_hour = num(11, 2);
    tm.tm_min = num(14, 2);
    tm.tm_sec = num(17, 2);
    const auto t = std::chrono::system_clock::from_time_t(timegm(&tm)) +
                   std::chrono::milliseconds(millis ? num(20, 3) : 0);
    // timegm normalises (February 30 becomes March 2): only a date that formats back as given is real.
    if (format_iso8601(t, millis) != text) return std::nullopt;
    return t;
}

}  // namespace pgark
