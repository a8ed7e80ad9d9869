// Literals for values passed to PostgreSQL as query parameters: an array literal with every element
// quoted and escaped, so names taken from an archive cannot break or change a query.
#pragma once

#include <string>
#include <vector>

namespace pgark {

// `{"a","b\"c","d\\e"}`: a PostgreSQL array literal (for a `$1::text[]` parameter) whose elements are
// exactly `items`, whatever characters they hold (quotes, backslashes, commas, braces, spaces, NULL).
std::string text_array_literal(const std::vector<std::string>& items);

}  // namespace pgark
