// Parsing and formatting of durations ("30m", "24h") and byte sizes ("16MiB"), for config and output.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace pgark::units {

// "90s", "30m", "24h", "7d", "1h30m", or a plain number of seconds. nullopt when malformed.
std::optional<std::chrono::seconds> parse_duration(const std::string& text);
// "1h 30m 5s" style, compact: "2h05m", "45.2s", "3d04h".
std::string format_duration(double seconds);

// "16MiB", "5MB", "1048576", "64k" (k/M/G are binary). nullopt when malformed or overflowing.
std::optional<std::uint64_t> parse_size(const std::string& text);
// "1.5 MiB"
std::string format_size(std::uint64_t bytes);

}  // namespace pgark::units
