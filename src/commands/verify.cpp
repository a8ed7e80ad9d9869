// `pgark verify ID|latest`: locks the backup against a concurrent prune and runs the archive checks
// (restore/archive_check.h) on it.
#include "commands/verify.h"

#include <spdlog/spdlog.h>

#include "repo/backup_lock.h"
#include "restore/archive_check.h"
#include "util/error.h"
#include "util/progress.h"
#include "util/redact.h"
#include "util/time.h"

namespace pgark {

VerifyResult run_verify(const Context& ctx, const std::string& id_or_latest) {
    Stopwatch sw;
    Repository repo = ctx.open_repository();
    VerifyResult r;
    r.manifest = repo.resolve(id_or_latest, id_or_latest == "latest" ? ctx.database_name() : std::nullopt);
    spdlog::info("verifying backup {} in {}", r.manifest.id.str(), repo.describe());
    // A lock keeps a concurrent prune from removing the backup mid-read. Best effort: verifying must
    // also work with read-only credentials.
    std::unique_ptr<BackupLock> lock;
    try {
        lock = lock_backup(repo, r.manifest.id, "verify");
    } catch (const StorageError& e) {
        spdlog::warn("could not lock backup {} against a concurrent prune ({}); verifying anyway",
                     r.manifest.id.str(), redact::scrub(e.what()));
    }
    progress::Phase shown("verify " + r.manifest.id.str(), r.manifest.stored_bytes);
    r.checks = verify_archive(repo, r.manifest, ctx.config().str("pg.bin_dir")).checks;
    r.seconds = sw.seconds();
    return r;
}

}  // namespace pgark
