// Check outcome helpers.
#include "core/verification.h"

#include <algorithm>

namespace pgark {

const char* to_string(CheckResult::Status s) {
    switch (s) {
        case CheckResult::Status::pass:
            return "pass";
        case CheckResult::Status::fail:
            return "FAIL";
        case CheckResult::Status::skipped:
            return "skipped";
    }
    return "?";
}

bool all_passed(const std::vector<CheckResult>& checks) {
    return std::none_of(checks.begin(), checks.end(),
                        [](const CheckResult& c) { return c.status == CheckResult::Status::fail; });
}

std::string failure_summary(const std::vector<CheckResult>& checks) {
    std::string out;
    for (const auto& c : checks)
        if (c.status == CheckResult::Status::fail)
            out += (out.empty() ? "" : "; ") + c.name + ": " + c.detail;
    return out;
}

}  // namespace pgark
