// ISO 8601 UTC formatting and parsing.
#include "util/time.h"

#include <cstdio>
#include <ctime>

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
    std::tm tm{};
    int ms = 0;
    char z = 0;
    int n = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                        &tm.tm_min, &tm.tm_sec);
    if (n != 6) return std::nullopt;
    auto rest = text.substr(19);
    if (!rest.empty() && rest[0] == '.') {
        if (std::sscanf(rest.c_str(), ".%3d%c", &ms, &z) != 2 || z != 'Z') return std::nullopt;
    } else if (rest != "Z") {
        return std::nullopt;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    std::time_t tt = timegm(&tm);
    return std::chrono::system_clock::from_time_t(tt) + std::chrono::milliseconds(ms);
}

}  // namespace pgark
