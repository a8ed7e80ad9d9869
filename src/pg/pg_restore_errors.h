// What pg_restore said went wrong, for a failure message: its own error lines (with the server's
// DETAIL and HINT), not the progress, the SQL it ran, or the tail of interleaved parallel output.
#pragma once

#include <cstddef>
#include <string>

namespace pgark {

// The first `max_errors` errors in pg_restore's stderr, one per line, then "... and N more errors"
// and pg_restore's own count ("errors ignored on restore: N") when given. Falls back to the last
// lines when no line is an error (e.g. a crash).
std::string pg_restore_error_summary(const std::string& stderr_text, std::size_t max_errors = 5);

}  // namespace pgark
