// The drill job: composition of archive verification (with a one-pass spool), scratch database,
// pg_restore, and the verification levels of docs/drills.md.
#include "commands/drill.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <thread>

#include <xxhash.h>

#include "pg/connection.h"
#include "pg/scratch_db.h"
#include "pg/table_content.h"
#include "pg/tools.h"
#include "repo/backup_lock.h"
#include "restore/archive_check.h"
#include "restore/pg_restore_runner.h"
#include "restore/phase.h"
#include "restore/roles.h"
#include "restore/spool.h"
#include "restore/verify/verifier.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/process.h"
#include "util/redact.h"
#include "util/temp.h"
#include "util/test_hooks.h"
#include "util/text.h"
#include "util/units.h"

namespace pgark {

namespace {

std::string make_drill_id(const std::string& database, SystemTime now) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    char rnd[8];
    std::snprintf(rnd, sizeof rnd, "%04llx", static_cast<unsigned long long>(rng() & 0xffff));
    return BackupId::make(database, now).str() + "_" + rnd;
}

// The server to restore into: drill.target, or the source server.
ConnParams target_server(const Context& ctx, const Manifest& m) {
    const auto& target = ctx.config().str("drill.target");
    if (!target.empty()) {
        auto p = parse_conninfo(target);
        if (p.password.empty()) p.password = ctx.config().str("database.password");
        if (!p.password.empty()) redact::register_secret(p.password);
        if (p.dbname().empty()) p.params["dbname"] = "postgres";
        return p;
    }
    return ctx.server_params(m.database);
}

// Before anything is downloaded: the target accepts this role (its password included) and lets it
// create the scratch database. A wrong password or a missing CREATEDB used to surface only after the
// download, and then again in a retry with LOCALE 'C'.
void check_drill_target(const ConnParams& target) {
    Connection c(target, "pgark drill");
    auto me = c.query(
        "SELECT current_user, rolsuper OR rolcreatedb FROM pg_catalog.pg_roles WHERE rolname = current_user");
    if (me.empty() || me[0][1] != "t")
        throw Error(
            "role " + (me.empty() ? std::string("?") : me[0][0].value_or("?")) + " on " +
            target.server_display() +
            " may not create databases, and a drill restores into a scratch database: grant it CREATEDB "
            "(ALTER ROLE ... CREATEDB) or set drill.target to a server where it may (nothing was "
            "downloaded)");
}

// Whether CREATE DATABASE failed for the archive's locale (then LOCALE 'C' is worth a try), not for
// permissions or a lost connection.
bool is_locale_error(const std::string& message) {
    const auto m = ascii_lower(message);
    return m.find("locale") != std::string::npos || m.find("collation") != std::string::npos ||
           m.find("lc_collate") != std::string::npos || m.find("lc_ctype") != std::string::npos ||
           m.find("encoding") != std::string::npos;
}

// A drill restores without owners by default, so roles missing on its target do not fail it; but a
// restore onto that server would need them: said as a warning and a skipped check "owner roles".
void note_missing_owners(const ConnParams& target, const ArchiveScanner& scanner,
                         std::vector<CheckResult>& checks) {
    try {
        Connection c(target, "pgark drill");
        auto missing = missing_roles(c, archive_owners(scanner));
        if (missing.empty()) return;
        std::string names;
        for (const auto& n : missing) names += (names.empty() ? "" : ", ") + n;
        const auto detail = plural(missing.size(), "owner role", "owner roles") +
                            " of the backup missing on " + target.server_display() + ": " + names +
                            "; a restore onto this server needs them (or restore --no-owner)";
        spdlog::warn("drill: {}", detail);
        checks.push_back(CheckResult::skip("owner roles", detail));
    } catch (const Error& e) {
        spdlog::warn("drill: could not compare the backup's owner roles with the target: {}",
                     redact::scrub(e.what()));
    }
}

class Drill {
  public:
    Drill(const Context& ctx, Repository& repo, Manifest m) : ctx_(ctx), repo_(repo), m_(std::move(m)) {}

    DrillReport run();

  private:
    template <typename F>
    void phase(const std::string& name, F&& fn) {
        spdlog::info("drill {}: {}", r_.id, name);
        run_phase(r_.phases, name, std::forward<F>(fn));
    }

    const Context& ctx_;
    Repository& repo_;
    Manifest m_;
    DrillReport r_;
};

DrillReport Drill::run() {
    r_.started_at = std::chrono::system_clock::now();
    r_.id = make_drill_id(m_.database, r_.started_at);
    r_.backup_id = m_.id.str();
    r_.database = m_.database;
    auto level = *parse_drill_level(ctx_.config().str("drill.level"));
    r_.level = to_string(level);
    const auto bin_dir = ctx_.config().str("pg.bin_dir");

    ConnParams target = target_server(ctx_, m_);
    r_.target = target.server_display();
    if (level > DrillLevel::archive) {
        check_drill_target(target);
        try {
            auto swept = sweep_scratch_databases(target, ctx_.config().duration("drill.sweep_after"));
            for (const auto& s : swept) spdlog::info("swept leftover scratch database {}", s);
        } catch (const Error& e) {
            spdlog::warn("could not sweep leftover scratch databases: {}", redact::scrub(e.what()));
        }
    }

    std::unique_ptr<Spool> spool_dir;
    std::filesystem::path spool;
    if (level > DrillLevel::archive) {
        spool_dir = std::make_unique<Spool>(spool_parent(ctx_.config()), "drill", m_.raw_bytes);
        spool = spool_dir->archive();
        test_hooks::crash_point("drill: spool directory created");
    }

    // Download and validate in one pass; a corrupt archive stops the drill before any database exists.
    ArchiveVerification av;
    phase("download+validate", [&](PhaseTiming& p) {
        av = verify_archive(repo_, m_, bin_dir, spool.empty() ? nullptr : &spool);
        for (auto& c : av.checks) r_.checks.push_back(c);
        p.ok = av.ok();
        p.detail = units::format_size(m_.stored_bytes) + " downloaded, " + units::format_size(m_.raw_bytes) +
                   " archive";
    });
    r_.restore_seconds = r_.phases.back().seconds;
    if (!av.ok()) {
        r_.error = "the archive failed verification: " + failure_summary(av.checks);
        return r_;
    }
    if (level == DrillLevel::archive) {
        r_.ok = true;
        return r_;
    }
    note_missing_owners(target, *av.scanner, r_.checks);

    std::unique_ptr<ScratchDatabase> scratch;
    bool keep_on_failure = ctx_.config().boolean("drill.keep_on_failure");
    try {
        phase("create database", [&](PhaseTiming& p) {
            auto name = scratch_database_name(m_.database, r_.started_at);
            auto mark = ScratchMark::for_this_process(r_.id);
            try {
                scratch = std::make_unique<ScratchDatabase>(target, name, mark,
                                                            create_database_options(*av.scanner, true));
            } catch (const PgError& e) {
                if (!is_locale_error(e.what())) throw;
                // The backup's locale may not exist on the restore server; C keeps byte order semantics.
                spdlog::warn(
                    "creating the scratch database with the backup's locale failed ({}); retrying with "
                    "LOCALE 'C'",
                    redact::scrub(e.what()));
                scratch = std::make_unique<ScratchDatabase>(target, name, mark,
                                                            create_database_options(*av.scanner, false));
                p.detail = "locale C (the backup's locale is not available on " + r_.target + ")";
            }
            r_.scratch_database = name;
        });
        test_hooks::crash_point("drill: scratch database created");
        // Test-only: tamper with the restored data to prove verification catches it (tables are then
        // read only after the tampering, not while pg_restore runs).
        const char* tamper = test_hooks::enabled() ? getenv("PGARK_TEST_AFTER_RESTORE_SQL") : nullptr;
        const int jobs = static_cast<int>(ctx_.config().integer("drill.jobs"));
        auto opts = VerifyOptions::from_config(ctx_.config(), level, jobs);
        opts.during_restore = tamper == nullptr;
        Verifier verifier(scratch->conn(), m_, opts, *av.scanner);
        phase("restore", [&](PhaseTiming& p) {
            verifier.start();
            p.detail = restore_archive(spool, scratch->conn(), m_, bin_dir, jobs,
                                       ctx_.config().boolean("drill.restore_owner"), av.scanner.get(),
                                       [&](int id) { verifier.item_restored(id); });
        });
        for (std::size_t i = 1; i < r_.phases.size(); ++i) r_.restore_seconds += r_.phases[i].seconds;

        if (tamper) {
            Connection c(scratch->conn(), "pgark drill test hook");
            c.exec(tamper);
        }
        phase("verify", [&](PhaseTiming& p) {
            verifier.verify_data();
            for (auto& c : verifier.result().checks) r_.checks.push_back(c);
            r_.tables = verifier.result().tables;
            p.detail = plural(r_.tables.size(), "table", "tables") + ", " +
                       std::to_string(r_.tables_mismatched()) + " mismatched";
            p.ok = r_.tables_mismatched() == 0 && all_passed(r_.checks);
        });
        phase("checks", [&](PhaseTiming& p) {
            auto before = verifier.result().checks.size();
            verifier.run_checks();
            for (auto i = before; i < verifier.result().checks.size(); ++i)
                r_.checks.push_back(verifier.result().checks[i]);
            p.ok = all_passed(r_.checks);
        });
    } catch (const Error& e) {
        r_.error = redact::scrub(e.what());
    }
    r_.ok = r_.error.empty() && all_passed(r_.checks) && r_.tables_mismatched() == 0;
    if (scratch) {
        if (!r_.ok && keep_on_failure) {
            scratch->keep();
            r_.scratch_kept = true;
            spdlog::warn("keeping scratch database {} on {} for inspection (drop it when done)",
                         scratch->name(), r_.target);
        } else {
            test_hooks::crash_point("drill: before dropping the scratch database");
            test_hooks::pause_at("PGARK_TEST_BEFORE_CLEANUP_WAIT_FOR");
            // The verdict is about the backup: a scratch database that will not go is reported beside
            // it (and swept by the next drill), and the report is still written.
            try {
                phase("cleanup", [&](PhaseTiming&) { scratch->drop(); });
            } catch (const Error& e) {
                r_.cleanup_ok = false;
                r_.cleanup_error = redact::scrub(e.what());
                spdlog::warn(
                    "drill {}: the scratch database {} on {} was not dropped: {}; the next drill or "
                    "`pgark drill --sweep` drops it",
                    r_.id, scratch->name(), r_.target, r_.cleanup_error);
            }
        }
    }
    return r_;
}

}  // namespace

DrillResult run_drill(const Context& ctx, const std::string& id_or_latest) {
    Repository repo = ctx.open_repository();
    auto m = repo.resolve(id_or_latest, id_or_latest == "latest" ? ctx.database_name() : std::nullopt);
    test_hooks::pause_at("PGARK_TEST_BEFORE_LOCK_WAIT_FOR");
    // Keeps `pgark prune` away from the backup until the drill is done with it.
    auto lock = lock_backup(repo, m.id, "drill");
    test_hooks::pause_at("PGARK_TEST_AFTER_LOCK_WAIT_FOR");
    Drill drill(ctx, repo, m);
    DrillResult result;
    result.repository = repo.describe();
    result.report = drill.run();
    result.report.finished_at = std::chrono::system_clock::now();
    result.report_key = layout::drill_report_key(m.database, result.report.id);
    try {
        repo.storage().put(result.report_key, result.report.to_json());
        test_hooks::crash_point("drill: report stored");
    } catch (const Error& e) {
        spdlog::error("could not store the drill report: {}", redact::scrub(e.what()));
        result.report_key.clear();
    }
    return result;
}

std::vector<std::string> run_drill_sweep(const Context& ctx) {
    sweep_stale_spools(spool_parent(ctx.config()));
    const auto& target = ctx.config().str("drill.target");
    ConnParams server = target.empty() ? ctx.server_params("postgres") : parse_conninfo(target);
    if (server.password.empty()) server.password = ctx.config().str("database.password");
    return sweep_scratch_databases(server, ctx.config().duration("drill.sweep_after"));
}

}  // namespace pgark
