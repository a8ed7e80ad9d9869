// Rewrites a TOML text into an equivalent pure-ASCII one before toml++ parses it, because Debian 12's
// toml++ 3.3.0 has undefined behaviour on some non-ASCII characters (ADR 0008).
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace pgark::config {

// Why a text was refused: its line (1-based) and what to do about it.
struct TomlTextProblem {
    std::size_t line;
    std::string message;
};

// Returns the text with every non-ASCII character of a string escaped (\uXXXX or \UXXXXXXXX; a
// literal string becomes the equivalent basic string) and every non-ASCII character of a comment
// replaced by '?', so that toml++ reads the same values without ever seeing a non-ASCII byte. Lines are
// kept, so the parser's line numbers stay right. A problem is returned for invalid UTF-8 and for
// non-ASCII characters where TOML allows none (outside strings and comments, after a backslash).
std::variant<std::string, TomlTextProblem> ascii_toml(std::string_view text);

}  // namespace pgark::config
