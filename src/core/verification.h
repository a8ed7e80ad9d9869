// Outcomes of individual checks (verify, drill), as values that reports and exit codes derive from.
#pragma once

#include <string>
#include <vector>

namespace pgark {

struct CheckResult {
    enum class Status { pass, fail, skipped };
    std::string name;  // "sha256", "decompress", "pg_restore --list", ...
    Status status = Status::pass;
    std::string detail;  // what was compared, or why it failed / was skipped

    static CheckResult pass(std::string n, std::string d = {}) {
        return {std::move(n), Status::pass, std::move(d)};
    }
    static CheckResult fail(std::string n, std::string d) {
        return {std::move(n), Status::fail, std::move(d)};
    }
    static CheckResult skip(std::string n, std::string d) {
        return {std::move(n), Status::skipped, std::move(d)};
    }
};

const char* to_string(CheckResult::Status s);
// True when no check failed (skipped checks do not fail a run, and are never reported as passed).
bool all_passed(const std::vector<CheckResult>& checks);
// "sha256: expected ab.., got cd..; decompress: ..." for error messages.
std::string failure_summary(const std::vector<CheckResult>& checks);

}  // namespace pgark
