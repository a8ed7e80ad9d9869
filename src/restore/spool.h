// The spool: a private directory on local disk where a drill or restore keeps the decompressed archive
// (pg_restore --jobs needs a seekable file). Its free space is checked before anything is confirmed,
// downloaded or created, and the spools of killed runs are swept.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "config/config.h"
#include "util/temp.h"

namespace pgark {

// Where spools go: drill.spool_dir (PGARK_SPOOL_DIR), else $TMPDIR or /tmp.
std::filesystem::path spool_parent(const config::Config& config);

// Throws Error, saying what to set, when `parent` has no room for an archive of `raw_bytes` (plus 2 %
// and 16 MiB of slack). Does nothing when the free space cannot be read.
void check_spool_space(const std::filesystem::path& parent, std::uint64_t raw_bytes);

// Removes "pgark-drill-<pid>-*" / "pgark-restore-<pid>-*" spool directories under `parent` whose
// process is gone (SIGKILL leaves them behind).
void sweep_stale_spools(const std::filesystem::path& parent);

// A spool directory of this process, removed with its contents when the owner goes out of scope.
class Spool {
  public:
    // `job` ("drill", "restore") names the directory: pgark-<job>-<pid>-XXXXXX. Checks the space for
    // `raw_bytes` after sweeping stale spools.
    Spool(const std::filesystem::path& parent, const std::string& job, std::uint64_t raw_bytes);
    // Where the decompressed archive goes.
    const std::filesystem::path& archive() const { return archive_; }
    const std::filesystem::path& dir() const { return dir_.path(); }

  private:
    TempDir dir_;
    std::filesystem::path archive_;
};

}  // namespace pgark
