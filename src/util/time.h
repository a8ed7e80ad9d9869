// Wall-clock helpers: UTC timestamps in ISO 8601, and a steady stopwatch for phase timings.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace pgark {

using SystemTime = std::chrono::system_clock::time_point;

// The years a SystemTime can hold as pgark uses it: libstdc++'s system_clock counts nanoseconds in 64
// bits, which ends in April 2262 (converting a later time overflows: undefined behaviour), and pgark
// wrote nothing before 1970.
constexpr int kFirstYear = 1970;
constexpr int kLastYear = 2261;

// "2026-01-24T02:00:00Z" (seconds) or with milliseconds when `millis`.
std::string format_iso8601(SystemTime t, bool millis = false);
// Exactly what format_iso8601 writes, with or without milliseconds: a real date (no February 30) in
// kFirstYear..kLastYear; nullopt for anything else. The text comes from files and servers pgark does not
// control (manifests, locks, reports, S3 listings).
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
