// The archive-level proof that a stored backup is intact (shared by verify, drill and restore): size,
// SHA-256, zstd frames, the archive's structure against the manifest, and pg_restore --list, in one
// streaming read of the object.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/manifest.h"
#include "core/verification.h"
#include "pg/archive_scanner.h"
#include "repo/repository.h"

namespace pgark {

struct ArchiveVerification {
    std::vector<CheckResult> checks;
    std::unique_ptr<ArchiveScanner> scanner;  // what the archive holds (TOC, per-table data), when it parsed
    bool ok() const { return all_passed(checks); }
};

// The archive checks themselves (shared with drills): size, SHA-256, decompression, archive structure
// against the manifest, and pg_restore --list. With `spool`, the decompressed archive is also written
// there in the same pass (pg_restore -j needs a seekable file).
ArchiveVerification verify_archive(Repository& repo, const Manifest& m, const std::string& pg_bin_dir,
                                   const std::filesystem::path* spool = nullptr);

}  // namespace pgark
