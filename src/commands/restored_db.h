// Restoring an archive into a database with pg_restore, and proving the restored database equals the
// backup (schema objects, sequence values, per-table rows and contents, large objects, amcheck, user
// checks). Shared by drills and production restores.
#pragma once

#include <filesystem>
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

// Runs `pg_restore --jobs N` of `archive` (a seekable raw pg_dump -Fc file) into the database `db`.
// `scanner` (the archive's TOC) lets it avoid a parallel-restore deadlock of PostgreSQL 15.
// Throws PgError with pg_restore's own errors; cancellable. Returns a short description.
std::string restore_archive(const std::filesystem::path& archive, const ConnParams& db, const Manifest& m,
                            const std::string& bin_dir, int jobs, bool restore_owner,
                            const ArchiveScanner* scanner = nullptr);

// Removes "pgark-drill-<pid>-*" / "pgark-restore-<pid>-*" spool directories under `parent` whose
// process is gone.
void sweep_stale_spools(const std::filesystem::path& parent);

// CREATE DATABASE options (encoding, and the locale unless `with_locale` is false: then LOCALE 'C')
// taken from the archive's DATABASE entry.
std::string create_database_options(const ArchiveScanner& scanner, bool with_locale);

// Runs one timed phase of a drill or restore and appends its timing to `phases`, also when `fn`
// throws (the phase is then marked failed and the exception goes on). `fn` may fill the detail.
template <typename F>
void run_phase(std::vector<PhaseTiming>& phases, const std::string& name, F&& fn) {
    Stopwatch sw;
    progress::Phase shown(name, 0);
    PhaseTiming p{name, 0, true, ""};
    try {
        fn(p);
    } catch (...) {
        p.seconds = sw.seconds();
        p.ok = false;
        phases.push_back(p);
        throw;
    }
    p.seconds = sw.seconds();
    phases.push_back(p);
}

struct VerifyOptions {
    DrillLevel level = DrillLevel::content;
    int jobs = 2;
    bool amcheck = true;
    std::vector<config::UserCheck> user_checks;
    // The large objects to compare with the backup; unset = every large object in the database (a
    // schema-cascade restore keeps the target's other large objects).
    std::optional<std::vector<std::string>> large_object_oids;
};

// OIDs of the large objects in an archive (its BLOB entries), as text.
std::vector<std::string> large_object_oids(const ArchiveScanner& scanner);
// A PostgreSQL array literal of OIDs: "{1,2,3}".
std::string oid_array(const std::vector<std::string>& oids);

struct RestoredVerification {
    std::vector<TableResult> tables;
    std::vector<CheckResult> checks;
};

class Verifier {
public:
    Verifier(ConnParams db, const Manifest& m, VerifyOptions opts);
    // Schema and sequences (level >= schema), rows or contents (>= rows), large objects (content).
    void verify_data(const ArchiveScanner& scanner);
    // amcheck (when enabled) and the user's SQL checks.
    void run_checks();
    const RestoredVerification& result() const { return out_; }

private:
    void verify_schema(Connection& c, const ArchiveScanner& scanner);
    void verify_sequences(Connection& c, const ArchiveScanner& scanner);
    void verify_tables(const ArchiveScanner& scanner, DrillLevel level);
    void verify_large_objects(Connection& c);
    void run_amcheck(Connection& c);
    void run_user_checks();

    ConnParams db_;
    const Manifest& m_;
    VerifyOptions opts_;
    CopySession session_;
    RestoredVerification out_;
};

}  // namespace pgark
