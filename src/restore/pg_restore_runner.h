// Restoring an archive into a database with pg_restore (shared by drills and production restores); the
// proof that the result equals the backup is restore/verifier.h.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/drill_report.h"
#include "core/manifest.h"
#include "pg/archive_scanner.h"
#include "pg/conn_params.h"
#include "pg/connection.h"
#include "pg/table_content.h"
#include "util/progress.h"
#include "util/time.h"

namespace pgark {

// Called with the dump id of each item pg_restore reports finished (parallel restores only), on
// another thread, while pg_restore runs.
using ItemFinishedFn = std::function<void(int dump_id)>;

// Runs `pg_restore --jobs N` of `archive` (a seekable raw pg_dump -Fc file) into the database `db`.
// `scanner` (the archive's TOC) lets it avoid a parallel-restore deadlock of PostgreSQL 15.
// Throws PgError with pg_restore's own errors; cancellable. Returns a short description.
std::string restore_archive(const std::filesystem::path& archive, const ConnParams& db, const Manifest& m,
                            const std::string& bin_dir, int jobs, bool restore_owner,
                            const ArchiveScanner* scanner = nullptr, const ItemFinishedFn& on_finished = {});

// CREATE DATABASE options (encoding, and the locale unless `with_locale` is false: then LOCALE 'C')
// taken from the archive's DATABASE entry.
std::string create_database_options(const ArchiveScanner& scanner, bool with_locale);

}  // namespace pgark
