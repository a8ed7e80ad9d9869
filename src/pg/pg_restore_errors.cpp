// pg_restore_error_summary: picks the error lines out of pg_restore's stderr.
#include "pg/pg_restore_errors.h"

#include <sstream>
#include <string_view>
#include <vector>

#include "util/text.h"

namespace pgark {

std::string pg_restore_error_summary(const std::string& stderr_text, std::size_t max_errors) {
    std::vector<std::string> errors;  // each with its DETAIL/HINT lines
    std::string count_line;
    std::size_t total = 0;
    bool in_error = false;
    std::istringstream in(stderr_text);
    for (std::string line; std::getline(in, line);) {
        std::string_view l(line);
        if (l.starts_with("pg_restore: error:")) {
            ++total;
            in_error = errors.size() < max_errors;
            if (in_error) errors.emplace_back(line);
        } else if (l.starts_with("pg_restore: warning: errors ignored on restore:")) {
            count_line = line;
            in_error = false;
        } else if (in_error && (l.starts_with("DETAIL:") || l.starts_with("HINT:") ||
                                l.starts_with("pg_restore: detail:") || l.starts_with("pg_restore: hint:"))) {
            errors.back() += "\n    " + line;
        } else if (l.starts_with("pg_restore: ") || l.starts_with("Command was:")) {
            in_error = false;  // progress, another warning, or the SQL of the failed item
        }
    }
    if (errors.empty()) return tail_lines(stderr_text, 10);
    std::string out;
    for (const auto& e : errors) out += (out.empty() ? "" : "\n  ") + e;
    if (total > errors.size()) out += "\n  ... and " + std::to_string(total - errors.size()) + " more errors";
    if (!count_line.empty()) out += "\n  " + count_line;
    return out;
}

}  // namespace pgark
