// Wall-clock helpers: UTC timestamps in ISO 8601, and a steady stopwatch for phase timings.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace pgark {

using SystemTime = std::chrono::system_clock::time_point;

// "2026-01-24T02:00:00Z" (seconds) or with milliseconds when `millis`.
std::string format_iso8601(SystemTime t, bool millis = false);
std::optional<SystemTime> parse_iso8601(const std::string& text);

class Stopwatch {
public:
    Stopwatch() : start_(std::chrono::steady_clock::now()) {}
    double seconds() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }

private:
    std::chrono::steady_clock::time_point start_;
};

}  // namespace pgark
