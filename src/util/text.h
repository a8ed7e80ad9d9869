// Small text helpers for messages.
#pragma once

#include <cstddef>
#include <string>

namespace pgark {

// The last `max_lines` non-empty lines of `text`, joined with "\n  " (for quoting a child's stderr
// inside an error message).
std::string tail_lines(const std::string& text, std::size_t max_lines = 8);

}  // namespace pgark
