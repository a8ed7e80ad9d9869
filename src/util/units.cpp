// Human units for configuration values and reports.
#include "util/units.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>

namespace pgark::units {

std::optional<std::chrono::seconds> parse_duration(const std::string& text) {
    if (text.empty()) return std::nullopt;
    long double total = 0;
    std::size_t i = 0;
    bool any = false;
    while (i < text.size()) {
        while (i < text.size() && text[i] == ' ') ++i;
        if (i == text.size()) break;
        std::size_t start = i;
        while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
        if (start == i) return std::nullopt;
        long double v;
        try {
            v = std::stold(text.substr(start, i - start));
        } catch (...) {
            return std::nullopt;
        }
        std::size_t us = i;
        while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
        std::string unit = text.substr(us, i - us);
        long double mult;
        if (unit.empty() || unit == "s" || unit == "sec")
            mult = 1;
        else if (unit == "m" || unit == "min")
            mult = 60;
        else if (unit == "h")
            mult = 3600;
        else if (unit == "d")
            mult = 86400;
        else if (unit == "w")
            mult = 7 * 86400;
        else
            return std::nullopt;
        total += v * mult;
        any = true;
    }
    if (!any || total > static_cast<long double>(std::numeric_limits<std::int32_t>::max()) * 100)
        return std::nullopt;
    return std::chrono::seconds(static_cast<std::int64_t>(std::llround(total)));
}

std::string format_duration(double s) {
    char buf[64];
    if (s < 0) s = 0;
    if (s < 60) {
        std::snprintf(buf, sizeof buf, "%.1fs", s);
    } else if (s < 3600) {
        auto t = static_cast<long>(s);
        std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
    } else if (s < 86400) {
        auto t = static_cast<long>(s);
        std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t % 3600) / 60);
    } else {
        auto t = static_cast<long>(s);
        std::snprintf(buf, sizeof buf, "%ldd%02ldh", t / 86400, (t % 86400) / 3600);
    }
    return buf;
}

std::optional<std::uint64_t> parse_size(const std::string& text) {
    std::size_t i = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == 0 || i > 19) return std::nullopt;
    std::uint64_t v = std::stoull(text.substr(0, i));
    std::string unit = text.substr(i);
    while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
    std::uint64_t mult = 1;
    if (unit.empty() || unit == "B")
        mult = 1;
    else if (unit == "k" || unit == "K" || unit == "KiB" || unit == "kB" || unit == "KB")
        mult = 1ull << 10;
    else if (unit == "M" || unit == "MiB" || unit == "MB")
        mult = 1ull << 20;
    else if (unit == "G" || unit == "GiB" || unit == "GB")
        mult = 1ull << 30;
    else
        return std::nullopt;
    if (v > std::numeric_limits<std::uint64_t>::max() / mult) return std::nullopt;
    return v * mult;
}

std::string format_size(std::uint64_t bytes) {
    static const char* names[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    if (u == 0)
        std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
    else
        std::snprintf(buf, sizeof buf, "%.1f %s", v, names[u]);
    return buf;
}

}  // namespace pgark::units
