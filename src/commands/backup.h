// `pgark backup`: pg_dump -Fc -Z0 streamed through zstd and SHA-256 into the repository; manifest last.
#pragma once

#include <string>

#include "commands/context.h"
#include "core/manifest.h"

namespace pgark {

struct BackupResult {
    Manifest manifest;
    std::string repository;
};

// `purpose` is recorded in the manifest ("" for a backup, Manifest::kSafetyPurpose for a restore's
// safety backup).
BackupResult run_backup(const Context& ctx, const std::string& purpose = "");

}  // namespace pgark
