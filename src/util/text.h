// Small text helpers: case folding, trimming, and quoting for messages. The one home of each (no
// file keeps a private lower() or trim()).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pgark {

// ASCII letters folded to lower case; other bytes (UTF-8 included) unchanged.
std::string ascii_lower(std::string_view s);
// Without leading and trailing ASCII white space (space, \t, \n, \v, \f, \r).
std::string trim(std::string_view s);
// Without trailing ASCII white space (a server message's final newline).
std::string trim_end(std::string_view s);

// "1 table", "2 tables": the count and the word that goes with it.
std::string plural(std::size_t n, std::string_view one, std::string_view many);

// The last `max_lines` non-empty lines of `text`, joined with "\n  " (for quoting a child's stderr
// inside an error message).
std::string tail_lines(const std::string& text, std::size_t max_lines = 8);

}  // namespace pgark
