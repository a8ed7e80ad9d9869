// The production restore: refusals and permission checks first, then confirmation, download and
// validation, a safety backup, the destructive step, pg_restore, and the drill's verification.
#include "commands/restore.h"

#include <unistd.h>

#include <spdlog/spdlog.h>
#include <memory>
#include <regex>
#include <set>

#include "commands/backup.h"
#include "pg/connection.h"
#include "pg/scratch_db.h"
#include "pg/sql_literals.h"
#include "repo/backup_lock.h"
#include "repo/drill_history.h"
#include "restore/archive_check.h"
#include "restore/database_properties.h"
#include "restore/pg_restore_runner.h"
#include "restore/phase.h"
#include "restore/roles.h"
#include "restore/spool.h"
#include "restore/verify/verifier.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/redact.h"
#include "util/temp.h"
#include "util/test_hooks.h"
#include "util/text.h"
#include "util/time.h"
#include "util/units.h"

namespace pgark {

std::size_t RestoreResult::tables_mismatched() const {
    std::size_t n = 0;
    for (const auto& t : tables) n += t.ok ? 0 : 1;
    return n;
}

std::string safety_restore_command(const std::string& backup_id, const std::string& database) {
    return "pgark restore " + backup_id + " --mode clean --target-db " + database + " --yes";
}

namespace {

// Sessions in `db` that the connecting role may not terminate (superusers' sessions for a non-superuser,
// other roles' sessions without pg_signal_backend): "pid 123 (postgres)".
std::vector<std::string> unterminatable_sessions(Connection& c, const std::string& db) {
    auto rows = c.query(
        "SELECT a.pid::text, coalesce(a.usename, a.backend_type) FROM pg_catalog.pg_stat_activity a "
        "LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.usesysid "
        "WHERE a.datname = $1 AND a.pid <> pg_catalog.pg_backend_pid() "
        "AND NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) "
        "AND (r.oid IS NULL OR r.rolsuper OR NOT (pg_catalog.pg_has_role(r.oid, 'USAGE') "
        "OR pg_catalog.pg_has_role('pg_signal_backend', 'USAGE')))",
        {db});
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back("pid " + r[0].value_or("?") + " (" + r[1].value_or("?") + ")");
    return out;
}

class Restore {
  public:
    Restore(const Context& ctx, const RestoreOptions& opts, const ConfirmFn& confirm)
        : ctx_(ctx), opts_(opts), confirm_(confirm) {}

    RestoreResult run();

  private:
    template <typename F>
    void phase(const std::string& name, F&& fn) {
        cancel::throw_if_requested();
        spdlog::info("restore: {}", name);
        run_phase(r_.phases, name, std::forward<F>(fn));
        const auto& p = r_.phases.back();
        spdlog::info("restore: {} done in {}{}", name, units::format_duration(p.seconds),
                     p.detail.empty() ? "" : " (" + p.detail + ")");
    }
    void inspect_target(Connection& admin);
    void estimate(Repository& repo);
    void take_safety_backup();
    void destroy_and_prepare(const ArchiveScanner& scanner);
    std::string failure_advice() const;
    void check_owner_roles(const ArchiveScanner& scanner);

    const Context& ctx_;
    const RestoreOptions& opts_;
    const ConfirmFn& confirm_;
    ConnParams server_;  // the target server, maintenance database
    Manifest m_;
    RestoreResult r_;
    bool destroyed_ = false;
    bool marked_ = false;  // the target carries the in-progress mark
};

void Restore::inspect_target(Connection& admin) {
    auto& plan = r_.plan;
    const auto& db = plan.target_database;
    auto rows = admin.query(
        "SELECT pg_catalog.pg_get_userbyid(d.datdba), "
        "pg_catalog.pg_has_role(d.datdba, 'MEMBER') OR (SELECT rolsuper FROM pg_catalog.pg_roles WHERE "
        "rolname = current_user) "
        "FROM pg_catalog.pg_database d WHERE d.datname = $1",
        {db});
    plan.target_exists = !rows.empty();
    if (plan.target_exists) plan.target_owner = rows[0][0].value_or("");
    auto me = admin.query(
        "SELECT current_user, rolsuper, rolcreatedb FROM pg_catalog.pg_roles WHERE rolname = current_user");
    const std::string role = me.empty() ? "?" : me[0][0].value_or("?");
    const bool super = !me.empty() && me[0][1] == "t",
               createdb = !me.empty() && (me[0][1] == "t" || me[0][2] == "t");
    const std::string where = db + " on " + plan.server;

    switch (plan.mode) {
        case RestoreMode::to_new:
            if (plan.target_exists) {
                // What a killed restore left behind carries its mark: restoring again replaces it.
                auto mark = database_mark(admin, db, ScratchMark::kRestorePrefix);
                if (mark && mark->owner_gone(ctx_.config().duration("drill.sweep_after")))
                    plan.partial_from = mark->describe();
                else if (mark)
                    throw UsageError("database " + where + " is being restored right now (" +
                                     mark->describe() +
                                     "); wait for that restore or choose another name (nothing was changed)");
                else
                    throw UsageError("database " + where +
                                     " already exists; --to-new needs a new name (nothing was changed)");
            }
            if (!createdb)
                throw Error("role " + role + " may not create databases on " + plan.server +
                            "; connect as a role with CREATEDB (nothing was changed)");
            break;
        case RestoreMode::clean:
            if (plan.target_exists && rows[0][1] != "t")
                throw Error("role " + role + " may not drop database " + where + " (owned by " +
                            plan.target_owner +
                            "); connect as its owner or a superuser (nothing was changed)");
            if (!createdb)
                throw Error("role " + role + " may not create databases on " + plan.server +
                            "; --mode clean recreates the database (nothing was changed)");
            if (plan.target_exists) {
                // A session that cannot be terminated would make DROP DATABASE fail after the safety
                // backup; refuse now instead.
                auto stuck = unterminatable_sessions(admin, db);
                if (!stuck.empty()) {
                    std::string list;
                    for (const auto& s : stuck) list += (list.empty() ? "" : ", ") + s;
                    throw Error(
                        "cannot terminate the connections to " + where + ": role " + role +
                        " may not terminate " + list +
                        "; connect as a superuser or close those sessions first (nothing was changed)");
                }
            }
            if (!plan.target_exists) plan.target_owner.clear();
            break;
        case RestoreMode::schema_cascade: {
            if (!plan.target_exists)
                throw UsageError(
                    "database " + where +
                    " does not exist; --mode schema-cascade replaces schemas in an existing database "
                    "(use --to-new or --mode clean)");
            Connection c(server_.with_dbname(db), "pgark restore");
            if (!super) {
                auto bad = c.query(
                    "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = ANY($1::text[]) "
                    "AND NOT pg_catalog.pg_has_role(nspowner, 'MEMBER') ORDER BY 1",
                    {text_array_literal(plan.schemas)});
                if (!bad.empty())
                    throw Error(
                        "role " + role + " does not own schema " + bad[0][0].value_or("?") + " in " + where +
                        " and cannot drop it; connect as its owner or a superuser (nothing was changed)");
            }
            break;
        }
    }
}

void Restore::estimate(Repository& repo) {
    auto& plan = r_.plan;
    std::optional<DrillReport> best;
    try {
        auto history = read_drill_history(repo.storage(), m_.database);
        best = history.newest(m_.database, [](const DrillReport& d) { return d.measures_rto(); });
    } catch (const Error& e) {
        spdlog::warn("could not read the drill history: {}", redact::scrub(e.what()));
    }
    if (!best) {
        plan.estimate_basis = "no successful drill of " + m_.database + " yet; run `pgark drill` to measure";
        return;
    }
    std::uint64_t drill_raw = 0;
    try {
        drill_raw = repo.resolve(best->backup_id).raw_bytes;
    } catch (const Error&) {
        // the drilled backup was pruned: use its time unscaled
    }
    plan.estimated_seconds = estimate_restore_seconds(best->restore_seconds, drill_raw, m_.raw_bytes);
    plan.estimate_basis = "drill " + best->id + " restored " + best->backup_id + " in " +
                          units::format_duration(best->restore_seconds) +
                          (drill_raw ? ", scaled by archive size" : "");
}

void Restore::take_safety_backup() {
    auto cfg = ctx_.config();
    const auto& db = r_.plan.target_database;
    std::string value =
        looks_like_conninfo(cfg.str("database.dbname")) ? server_.with_dbname(db).conninfo() : db;
    cfg.set("database.dbname", value, config::Origin{config::Origin::Kind::flag, "--target-db"});
    Context safety(std::move(cfg));
    auto b = run_backup(safety, Manifest::kSafetyPurpose);
    r_.safety_backup_id = b.manifest.id.str();
}

void Restore::destroy_and_prepare(const ArchiveScanner& scanner) {
    auto& plan = r_.plan;
    const auto& db = plan.target_database;
    Connection admin(server_, "pgark restore");
    const std::string qdb = admin.quote_ident(db);
    auto create = [&](PhaseTiming& p) {
        std::string owner = plan.target_owner.empty() ? "" : " OWNER " + admin.quote_ident(plan.target_owner);
        try {
            admin.exec("CREATE DATABASE " + qdb + " TEMPLATE template0" + owner + " " +
                       create_database_options(scanner, true));
        } catch (const PgError& e) {
            // The backup's locale may not exist on this server; C keeps byte order semantics.
            spdlog::warn("creating {} with the backup's locale failed ({}); retrying with LOCALE 'C'", db,
                         redact::scrub(e.what()));
            admin.exec("CREATE DATABASE " + qdb + " TEMPLATE template0" + owner + " " +
                       create_database_options(scanner, false));
            p.detail = "locale C (the backup's locale is not available)";
        }
        destroyed_ = true;  // (--to-new) from here on, a failure leaves a partial database of ours
        // Until the restore finished, the database says so: a killed run's leftover is recognisable.
        admin.exec(
            "COMMENT ON DATABASE " + qdb + " IS " +
            admin.quote_literal(
                ScratchMark::for_this_process(plan.backup_id).to_comment(ScratchMark::kRestorePrefix)));
        marked_ = true;
    };
    switch (plan.mode) {
        case RestoreMode::to_new:
            if (!plan.partial_from.empty()) {
                phase("drop database", [&](PhaseTiming& p) {
                    auto mark = database_mark(admin, db, ScratchMark::kRestorePrefix);
                    if (!mark || !mark->owner_gone(ctx_.config().duration("drill.sweep_after")))
                        throw Error(
                            "database " + db + " on " + plan.server +
                            " is no longer the partial result of an unfinished restore (another restore "
                            "may have taken it over); nothing was changed: run the command again "
                            "once that restore has finished, or choose another name");
                    drop_database(admin, db);
                    p.detail = "the partial result of an unfinished restore (" + plan.partial_from + ")";
                });
            }
            phase("create database", create);
            test_hooks::crash_point("restore: database created");
            break;
        case RestoreMode::clean:
            if (plan.target_exists) {
                phase("terminate connections", [&](PhaseTiming& p) {
                    auto n = admin.query(
                        "SELECT count(pg_catalog.pg_terminate_backend(pid)) FROM pg_catalog.pg_stat_activity "
                        "WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid()",
                        {db});
                    p.detail = n[0][0].value_or("0") + " terminated";
                });
                destroyed_ = true;
                phase("drop database", [&](PhaseTiming&) {
                    drop_database(admin, db);  // FORCE terminates sessions that connected since
                });
            }
            phase("create database", create);
            break;
        case RestoreMode::schema_cascade:
            phase("drop schemas", [&](PhaseTiming& p) {
                Connection c(server_.with_dbname(db), "pgark restore");
                // One transaction: either every listed schema is replaced or none is.
                std::string sql = "BEGIN;";
                for (const auto& s : plan.schemas)
                    sql += "DROP SCHEMA IF EXISTS " + c.quote_ident(s) + " CASCADE;";
                bool has_public =
                    std::find(plan.schemas.begin(), plan.schemas.end(), "public") != plan.schemas.end();
                if (has_public) {
                    // pg_dump does not create public; recreate it as initdb does.
                    sql += c.server_version_num() >= 140000
                               ? "CREATE SCHEMA public AUTHORIZATION pg_database_owner;"
                               : "CREATE SCHEMA public;";
                    sql += "GRANT USAGE ON SCHEMA public TO PUBLIC;";
                    sql += "COMMENT ON SCHEMA public IS 'standard public schema';";
                }
                // Large objects belong to no schema: the backup's replace those with the same OID, the
                // target's others are kept.
                auto oids = large_object_oids(scanner);
                if (!oids.empty())
                    sql +=
                        "SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid "
                        "= ANY('" +
                        oid_array(oids) + "'::oid[]);";
                sql += "COMMIT;";
                destroyed_ = true;
                c.exec(sql);
                p.detail = std::to_string(plan.schemas.size()) + " schema(s)";
            });
            break;
    }
}

// With owners restored (restore.restore_owner, the default), every owner role of the archive must exist
// on the target: refused before anything is changed, naming them, instead of pg_restore's raw errors
// halfway through.
void Restore::check_owner_roles(const ArchiveScanner& scanner) {
    if (!ctx_.config().boolean("restore.restore_owner")) return;
    Connection admin(server_, "pgark restore");
    auto missing = missing_roles(admin, archive_owners(scanner));
    if (missing.empty()) return;
    std::string names;
    for (const auto& n : missing) names += (names.empty() ? "" : ", ") + n;
    throw UsageError("the backup's objects are owned by " + plural(missing.size(), "role", "roles") +
                     (missing.size() == 1 ? " that does not exist on " : " that do not exist on ") +
                     r_.plan.server + ": " + names +
                     ". Create them first (e.g. from `pg_dumpall --roles-only` of the source), or pass "
                     "--no-owner to make the restoring role own everything (nothing was changed)");
}

std::string Restore::failure_advice() const {
    const auto& db = r_.plan.target_database;
    if (!r_.safety_backup_id.empty())
        return "the state of " + db + " before this restore is in safety backup " + r_.safety_backup_id +
               "; bring it back with:\n    " + safety_restore_command(r_.safety_backup_id, db);
    if (r_.plan.mode == RestoreMode::to_new)
        return "nothing else was changed; run the same command again (it replaces the partial " + db +
               "), or drop " + db;
    if (!r_.plan.target_exists)
        return db +
               " did not exist before this restore, so there was nothing to back up; run the same "
               "command again (it replaces the partial " +
               db + "), or drop " + db;
    if (!r_.plan.safety_backup)
        return "no safety backup was taken (--no-safety-backup); restore " + db + " from another backup";
    return "the restore failed before its safety backup was complete, so nothing in " + db +
           " was destroyed; run the same command again once the cause is fixed";
}

RestoreResult Restore::run() {
    auto& plan = r_.plan;
    Repository repo = ctx_.open_repository();
    auto latest_db = ctx_.database_name();
    if (!latest_db && opts_.mode != RestoreMode::to_new) latest_db = opts_.target_database;
    m_ = repo.resolve(opts_.id_or_latest, opts_.id_or_latest == "latest" ? latest_db : std::nullopt);
    // Keeps `pgark prune` away from the backup while its archive is read (a plain --dry-run reads none).
    std::unique_ptr<BackupLock> lock;
    if (!opts_.dry_run || opts_.mode == RestoreMode::schema_cascade) {
        test_hooks::pause_at("PGARK_TEST_BEFORE_LOCK_WAIT_FOR");
        lock = lock_backup(repo, m_.id, "restore");
        test_hooks::pause_at("PGARK_TEST_AFTER_LOCK_WAIT_FOR");
    }

    const auto bin_dir = ctx_.config().str("pg.bin_dir");
    auto level = *parse_drill_level(ctx_.config().str("restore.level"));
    plan.mode = opts_.mode;
    plan.backup_id = m_.id.str();
    plan.source_database = m_.database;
    plan.target_database = opts_.target_database;
    plan.stored_bytes = m_.stored_bytes;
    plan.raw_bytes = m_.raw_bytes;
    plan.jobs = static_cast<int>(ctx_.config().integer("restore.jobs"));
    plan.level = to_string(level);
    plan.safety_backup = opts_.safety_backup && ctx_.config().boolean("restore.safety_backup");
    server_ = ctx_.server_params("postgres");
    plan.server = server_.server_display();

    // Everything that can refuse happens before anything changes.
    spdlog::info("restore: checking {} on {}", plan.target_database, plan.server);
    // The spool's free space is checked now, before the confirmation (and on --dry-run): a restore must
    // not fail for want of local disk after the operator said yes.
    const auto spool_at = spool_parent(ctx_.config());
    std::unique_ptr<Spool> spool_dir;
    std::filesystem::path spool;
    if (opts_.dry_run) {
        check_spool_space(spool_at, m_.raw_bytes);
    } else {
        spool_dir = std::make_unique<Spool>(spool_at, "restore", m_.raw_bytes);
        spool = spool_dir->archive();
    }
    ArchiveVerification av;
    bool downloaded = false;
    auto download = [&] {
        phase("download+validate", [&](PhaseTiming& p) {
            av = verify_archive(repo, m_, bin_dir, spool.empty() ? nullptr : &spool);
            p.ok = av.ok();
            p.detail = units::format_size(m_.stored_bytes) + " downloaded, " +
                       units::format_size(m_.raw_bytes) + " archive";
        });
        for (auto& c : av.checks) r_.checks.push_back(c);
        if (!av.ok())
            throw VerifyError("backup " + plan.backup_id +
                              " failed verification: " + failure_summary(av.checks) +
                              "; nothing was changed, choose another backup (pgark list)");
        downloaded = true;
    };
    {
        Connection admin(server_, "pgark restore");
        if (plan.mode == RestoreMode::schema_cascade) {
            // The schemas to replace come from the archive's TOC (the manifest does not list them).
            download();
            std::vector<TocObject> toc;
            for (const auto& e : av.scanner->toc()) toc.push_back({e.desc, e.schema, e.tag});
            plan.schemas = schemas_in_backup(toc);
        }
        inspect_target(admin);
    }
    estimate(repo);
    if (plan.mode == RestoreMode::clean && !plan.target_exists) {
        std::set<std::string> known;
        for (const auto& b : repo.list_backups(std::nullopt)) known.insert(b.database);
        std::string names;
        for (const auto& n : known) names += (names.empty() ? "" : ", ") + n;
        plan.warning = "database " + plan.target_database + " does not exist on " + plan.server +
                       ": --mode clean will create it, not replace anything. Databases with backups in " +
                       repo.describe() + ": " + (names.empty() ? "none" : names);
        spdlog::warn("restore: {}", plan.warning);
    }
    plan.build_steps();
    if (opts_.dry_run) {
        r_.ok = true;
        return r_;
    }
    if (plan.destructive() && !plan.safety_backup)
        spdlog::warn(
            "--no-safety-backup: the current contents of {} on {} will be destroyed WITHOUT a backup; "
            "they cannot be brought back by pgark",
            plan.target_database, plan.server);
    if (plan.needs_confirmation() && !confirm_(plan))
        throw UsageError("restore not confirmed; nothing was changed");

    r_.executed = true;
    if (!downloaded) download();
    check_owner_roles(*av.scanner);
    if (plan.destructive() && plan.safety_backup) {
        phase("safety backup", [&](PhaseTiming& p) {
            take_safety_backup();
            p.detail = r_.safety_backup_id;
        });
        spdlog::info("restore: safety backup {} holds the current {}", r_.safety_backup_id,
                     plan.target_database);
    }

    try {
        destroy_and_prepare(*av.scanner);
        auto vopts = VerifyOptions::from_config(ctx_.config(), level, plan.jobs);
        if (plan.mode == RestoreMode::schema_cascade)
            vopts.large_object_oids = large_object_oids(*av.scanner);
        Verifier verifier(server_.with_dbname(plan.target_database), m_, vopts, *av.scanner);
        phase("restore", [&](PhaseTiming& p) {
            verifier.start();
            p.detail = restore_archive(spool, server_.with_dbname(plan.target_database), m_, bin_dir,
                                       plan.jobs, ctx_.config().boolean("restore.restore_owner"),
                                       av.scanner.get(), [&](int id) { verifier.item_restored(id); });
        });
        // The measured restore time excludes the safety backup, like a drill's: download + database work.
        for (const auto& p : r_.phases)
            if (p.name != "safety backup") r_.restore_seconds += p.seconds;

        phase("verify", [&](PhaseTiming& p) {
            verifier.verify_data();
            verifier.run_checks();
            for (auto& c : verifier.result().checks) r_.checks.push_back(c);
            r_.tables = verifier.result().tables;
            p.detail = plural(r_.tables.size(), "table", "tables") + ", " +
                       std::to_string(r_.tables_mismatched()) + " mismatched";
            p.ok = r_.tables_mismatched() == 0 && all_passed(r_.checks);
        });
    } catch (const Interrupted&) {
        if (destroyed_)
            spdlog::error("restore of {} interrupted: {}", plan.target_database, failure_advice());
        throw;
    } catch (const Error& e) {
        if (!destroyed_) throw;
        throw Error("restore of backup " + plan.backup_id + " into " + plan.target_database + " on " +
                    plan.server + " failed: " + redact::scrub(e.what()) + "\n  " + failure_advice());
    }
    if (marked_) {
        // Restored and verified (whatever the verdict): no longer the partial result of a restore.
        try {
            Connection admin(server_, "pgark restore");
            admin.exec("COMMENT ON DATABASE " + admin.quote_ident(plan.target_database) + " IS NULL");
        } catch (const Error& e) {
            spdlog::warn(
                "{} is restored, but its pgark-restore mark could not be removed ({}); a later `pgark "
                "restore --to-new {}` would take it for a killed restore's leftover once this process has "
                "ended: remove the mark with COMMENT ON DATABASE ... IS NULL",
                plan.target_database, redact::scrub(e.what()), plan.target_database);
        }
    }
    // The database's own COMMENT, ACL and settings: pg_restore applies them only with --create, and
    // the database was created here. After the mark's removal, so the archive's comment is the one kept.
    if (plan.mode != RestoreMode::schema_cascade) {
        try {
            auto props = database_properties(*av.scanner, m_.database, plan.target_database);
            if (!props.empty()) {
                Connection admin(server_, "pgark restore");
                r_.checks.push_back(apply_database_properties(admin, props, plan.target_database));
            }
        } catch (const Error& e) {
            r_.checks.push_back(CheckResult::fail("database properties", redact::scrub(e.what())));
        }
    }
    r_.ok = r_.tables_mismatched() == 0 && all_passed(r_.checks);
    if (!r_.ok)
        r_.error = "the restored " + plan.target_database + " does not match backup " + plan.backup_id +
                   ": " + failure_summary(r_.checks) + "; " + failure_advice();
    return r_;
}

}  // namespace

RestoreResult run_restore(const Context& ctx, const RestoreOptions& opts, const ConfirmFn& confirm) {
    if (opts.target_database.empty())
        throw UsageError("no target database: pass --to-new NAME or --target-db NAME");
    Restore restore(ctx, opts, confirm);
    return restore.run();
}

}  // namespace pgark
