// `pgark verify ID|latest`: the archive-level proof that a backup is intact and readable.
#pragma once

#include <string>
#include <vector>

#include "commands/context.h"
#include "core/manifest.h"
#include "core/verification.h"

namespace pgark {

struct VerifyResult {
    Manifest manifest;
    std::vector<CheckResult> checks;
    double seconds = 0;
    bool ok() const { return all_passed(checks); }
};

VerifyResult run_verify(const Context& ctx, const std::string& id_or_latest);

}  // namespace pgark
