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

// The archive checks themselves (shared with drills): size, SHA-256, decompression, archive structure
// against the manifest, and pg_restore --list.
std::vector<CheckResult> verify_archive(Repository& repo, const Manifest& m, const std::string& pg_bin_dir);

}  // namespace pgark
