// Verifier check: the operator's own SQL checks ([[drill.checks]]).
#include "restore/verify/verifier.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <regex>

#include <spdlog/spdlog.h>

#include "core/copy_text_hasher.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/progress.h"
#include "util/redact.h"
#include "util/test_hooks.h"

namespace pgark {

void Verifier::run_user_checks() {
    for (const auto& uc : opts_.user_checks) {
        cancel::throw_if_requested();
        std::string name = "check: " + uc.name;
        try {
            Connection c(db_, "pgark drill check");
            c.exec("SET statement_timeout = '10min'");
            auto rows = c.query(uc.sql);
            if (rows.size() != 1 || rows[0].empty()) {
                out_.checks.push_back(CheckResult::fail(
                    name, "returned " + std::to_string(rows.size()) + " rows; a check must return one row"));
                continue;
            }
            std::string value = rows[0][0] ? *rows[0][0] : "NULL";
            if (value == uc.expect)
                out_.checks.push_back(CheckResult::pass(name, "returned " + value));
            else
                out_.checks.push_back(
                    CheckResult::fail(name, "returned " + value + ", expected " + uc.expect));
        } catch (const Error& e) {
            out_.checks.push_back(CheckResult::fail(name, std::string("error: ") + redact::scrub(e.what())));
        }
    }
}

}  // namespace pgark
