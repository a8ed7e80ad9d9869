// Argument parsing (CLI11) and dispatch to the commands layer.
#include "cli/app.h"

#include <spdlog/spdlog.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>

#include "cli/log_sink.h"
#include "cli/render.h"
#include "cli/terminal.h"
#include "commands/backup.h"
#include "commands/daemon.h"
#include "commands/drill.h"
#include "commands/metrics.h"
#include "commands/notify.h"
#include "commands/prune.h"
#include "commands/restore.h"
#include "commands/simple.h"
#include "commands/status.h"
#include "commands/verify.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/redact.h"
#include "util/time.h"

extern char** environ;

namespace pgark::cli {
namespace {

// After a one-shot backup, drill or prune: the metrics textfile and the webhook (DESIGN.md section 7).
void report_job(const Context& ctx, const std::string& job, bool ok, const std::string& message,
                std::uint64_t deleted, double seconds) {
    auto previous = update_metrics_textfile(ctx, job, ok, deleted);
    notify_job(ctx, JobEvent{job, ctx.database_name().value_or(""), ok, previous,
                             ok || !message.empty() ? message : "failed; see the log", seconds});
}

struct GlobalOptions {
    std::string config_file;
    int verbose = 0;
    bool quiet = false;
    // Flags that map onto configuration keys, applied only when given.
    std::map<std::string, std::string> flag_values;
};

std::map<std::string, std::string> environment() {
    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return env;
}

// Adds a flag that sets configuration key `key` (validated later, naming the flag).
void config_flag(CLI::App& app, GlobalOptions& g, const std::string& names, const std::string& key,
                 const std::string& help) {
    app.add_option_function<std::string>(
           names, [&g, key](const std::string& v) { g.flag_values[key] = v; }, help)
        ->type_name("VALUE");
}

void print(const std::string& text) {
    write_output(text);
}

// PostgreSQL cuts longer names to 63 bytes (NAMEDATALEN - 1) in CREATE and DROP DATABASE, but not in
// the lookups before them: a longer name would restore into, or replace, a database of another name.
void check_database_name(const std::string& flag, const std::string& name) {
    constexpr std::size_t kMaxName = 63;
    if (name.size() > kMaxName)
        throw UsageError(
            flag + " names a database of " + std::to_string(name.size()) +
            " bytes; PostgreSQL database names have at most " + std::to_string(kMaxName) +
            " bytes (it would cut this one short and use another database); choose a shorter name "
            "(nothing was changed)");
}

}  // namespace

int run(int argc, char** argv) {
    cancel::install_signal_handlers();
    CLI::App app{"pgark: backups of PostgreSQL that are proven restorable", "pgark"};
    app.set_version_flag("--version", std::string("pgark ") + PGARK_VERSION);
    app.require_subcommand(1);
    app.fallthrough();
    GlobalOptions g;
    std::string job_name, job_message;  // a scheduled job run one-shot, see report_job
    std::uint64_t job_deleted = 0;
    app.add_option("--config", g.config_file,
                   "TOML config file (default /etc/pgark/pgark.toml if present, or $PGARK_CONFIG)");
    app.add_flag("-v,--verbose", g.verbose, "debug logging on stderr");
    app.add_flag("-q,--quiet", g.quiet, "only warnings and errors on stderr");
    config_flag(app, g, "--repo", "repository.url", "repository: a path or s3://bucket/prefix");
    config_flag(app, g, "--host", "database.host", "PostgreSQL host (or PGHOST)");
    config_flag(app, g, "--port", "database.port", "PostgreSQL port (or PGPORT)");
    config_flag(app, g, "-U,--username", "database.user", "PostgreSQL user (or PGUSER)");
    config_flag(app, g, "-d,--dbname", "database.dbname", "database name, conninfo or URI (or PGDATABASE)");
    config_flag(app, g, "--pg-bin-dir", "pg.bin_dir", "directory holding pg_dump and pg_restore");
    config_flag(app, g, "--metrics-textfile", "metrics.textfile",
                "write metrics to this node_exporter textfile after backup, drill and prune");

    bool json_out = false;
    std::function<int(const Context&)> action;

    auto* init = app.add_subcommand("init", "create a repository at --repo");
    init->callback([&] {
        action = [&](const Context& ctx) {
            auto r = run_init(ctx);
            print(r.created ? "Initialized pgark repository at " + r.location + "\n"
                            : r.location + " already is a pgark repository; nothing changed\n");
            return 0;
        };
    });

    auto* backup = app.add_subcommand("backup", "back up the database into the repository");
    backup->add_flag("--json", json_out, "print the manifest as JSON");
    config_flag(*backup, g, "--compression-level", "backup.compression_level",
                "zstd level 1..19 (default 3)");
    config_flag(*backup, g, "--threads", "backup.threads", "compression threads (default: one per CPU)");
    backup->callback([&] {
        action = [&](const Context& ctx) {
            auto r = run_backup(ctx);
            print(json_out ? render_backup_json(r) : render_backup(r));
            return 0;
        };
    });

    auto* list = app.add_subcommand("list", "list the complete backups");
    bool list_all = false;
    list->add_flag("--json", json_out, "JSON output");
    list->add_flag("--all", list_all, "all databases, not only the configured one");
    list->callback([&] {
        action = [&](const Context& ctx) {
            auto r = run_list(ctx, list_all);
            print(json_out ? render_list_json(r) : render_list(r));
            return 0;
        };
    });

    auto* verify = app.add_subcommand("verify", "check a backup: checksum, decompression, archive contents");
    std::string verify_id = "latest";
    verify->add_option("id", verify_id, "backup id or 'latest' (default)");
    verify->add_flag("--json", json_out, "JSON output");
    verify->callback([&] {
        action = [&](const Context& ctx) {
            auto r = run_verify(ctx, verify_id);
            print(json_out ? render_verify_json(r) : render_verify(r));
            if (!r.ok()) {
                spdlog::error("backup {} failed verification: {}", r.manifest.id.str(),
                              failure_summary(r.checks));
                return 1;
            }
            return 0;
        };
    });

    auto* drill =
        app.add_subcommand("drill", "prove a backup restores: restore into a scratch database and verify it");
    std::string drill_id = "latest";
    bool sweep = false;
    drill->add_option("id", drill_id, "backup id or 'latest' (default)");
    drill->add_flag("--json", json_out, "print the drill report as JSON");
    drill->add_flag("--sweep", sweep, "only drop scratch databases left by drills that were killed");
    config_flag(*drill, g, "--level", "drill.level", "archive | schema | rows | content (default)");
    config_flag(*drill, g, "--jobs", "drill.jobs",
                "parallel restore jobs and verification connections (default 2)");
    config_flag(*drill, g, "--target", "drill.target",
                "conninfo of the server to restore into (default: the source)");
    drill->add_flag_function(
        "--keep-on-failure", [&g](std::int64_t) { g.flag_values["drill.keep_on_failure"] = "true"; },
        "leave a failed drill's scratch database for inspection");
    drill->callback([&] {
        action = [&](const Context& ctx) {
            if (sweep) {
                auto dropped = run_drill_sweep(ctx);
                print(dropped.empty()
                          ? "No leftover scratch databases.\n"
                          : "Dropped " + std::to_string(dropped.size()) + " leftover scratch database(s).\n");
                return 0;
            }
            auto r = run_drill(ctx, drill_id);
            Objectives o{ctx.config().duration("objectives.rpo"), ctx.config().duration("objectives.rto")};
            print(json_out ? render_drill_json(r) : render_drill(r, o));
            if (!r.report.ok) {
                job_message = "drill " + r.report.id + " of backup " + r.report.backup_id + " failed" +
                              (r.report.error.empty() ? "" : ": " + r.report.error);
                spdlog::error("drill of backup {} failed{}", r.report.backup_id,
                              r.report.error.empty() ? "" : ": " + r.report.error);
                return 1;
            }
            return 0;
        };
    });

    auto* restore = app.add_subcommand(
        "restore", "restore a backup: into a new database, or replacing one (clean, schema-cascade)");
    RestoreOptions restore_opts;
    std::string restore_to_new, restore_mode;
    bool restore_yes = false;
    restore->add_option("id", restore_opts.id_or_latest, "backup id or 'latest' (default)");
    restore->add_option("--to-new", restore_to_new,
                        "restore into this new database (the original stays untouched)");
    restore->add_option("--mode", restore_mode,
                        "replace --target-db: clean (drop, recreate) | schema-cascade");
    restore->add_option("--target-db", restore_opts.target_database, "the database --mode replaces");
    restore->add_flag("--dry-run", restore_opts.dry_run,
                      "print the plan (steps, sizes, estimated time); change nothing");
    restore->add_flag("--yes", restore_yes, "confirm a destructive restore without asking (automation)");
    restore->add_flag("--json", json_out, "JSON output");
    restore->add_flag_function(
        "--no-safety-backup", [&g](std::int64_t) { g.flag_values["restore.safety_backup"] = "false"; },
        "do NOT back up the target database before destroying it");
    config_flag(*restore, g, "--level", "restore.level",
                "verification afterwards: archive | schema | rows | content (default)");
    config_flag(*restore, g, "--jobs", "restore.jobs",
                "parallel pg_restore jobs and verification connections (default 2)");
    restore->callback([&] {
        action = [&](const Context& ctx) {
            if (restore_to_new.empty() == restore_mode.empty())
                throw UsageError(
                    "pass exactly one of --to-new NAME or --mode clean|schema-cascade --target-db NAME");
            if (!restore_to_new.empty()) {
                if (!restore_opts.target_database.empty())
                    throw UsageError("--to-new NAME and --target-db do not go together");
                check_database_name("--to-new", restore_to_new);
                restore_opts.mode = RestoreMode::to_new;
                restore_opts.target_database = restore_to_new;
            } else {
                auto m = parse_restore_mode(restore_mode);
                if (!m || *m == RestoreMode::to_new)
                    throw UsageError("--mode " + restore_mode +
                                     " is not known: use clean or schema-cascade (or --to-new NAME)");
                if (restore_opts.target_database.empty())
                    throw UsageError("--mode " + restore_mode +
                                     " needs --target-db NAME (the database to replace)");
                check_database_name("--target-db", restore_opts.target_database);
                restore_opts.mode = *m;
            }
            restore_opts.safety_backup = ctx.config().boolean("restore.safety_backup");
            ConfirmFn confirm = [&](const RestorePlan& p) {
                if (restore_yes) return true;
                const std::string what = "restore --mode " + std::string(to_string(p.mode)) +
                                         " destroys data in " + p.target_database + " on " + p.server;
                if (!isatty(STDIN_FILENO))
                    throw UsageError(
                        what +
                        " and needs confirmation, but there is no terminal to ask on; pass --yes to "
                        "confirm (nothing was changed)");
                std::string prompt = render_restore_plan(p) + "\nThis REPLACES database " +
                                     p.target_database + " on " + p.server + " with backup " + p.backup_id +
                                     ".\nType the database name (" + p.target_database + ") to continue: ";
                std::fwrite(prompt.data(), 1, prompt.size(), stderr);
                std::fflush(stderr);
                std::string answer;
                if (!std::getline(std::cin, answer)) return false;
                return answer == p.target_database;
            };
            auto r = run_restore(ctx, restore_opts, confirm);
            print(json_out ? render_restore_json(r) : render_restore(r));
            if (!r.ok) {
                spdlog::error("restore of backup {} into {} failed: {}", r.plan.backup_id,
                              r.plan.target_database, r.error);
                return 1;
            }
            return 0;
        };
    });

    auto* prune = app.add_subcommand(
        "prune", "apply the retention policy: remove old backups and the leftovers of crashed runs");
    PruneOptions prune_opts;
    prune->add_flag("--dry-run", prune_opts.dry_run, "show what would be removed; change nothing");
    prune->add_flag("--json", json_out, "JSON output");
    config_flag(*prune, g, "--keep-last", "retention.keep_last", "keep the N newest backups (default 7)");
    config_flag(*prune, g, "--keep-daily", "retention.keep_daily",
                "keep the newest backup of each of the N latest days with one (default 7)");
    config_flag(*prune, g, "--keep-weekly", "retention.keep_weekly",
                "keep the newest backup of each of the N latest ISO weeks with one (default 4)");
    config_flag(*prune, g, "--keep-monthly", "retention.keep_monthly",
                "keep the newest backup of each of the N latest months with one (default 12)");
    prune->callback([&] {
        action = [&](const Context& ctx) {
            auto r = run_prune(ctx, prune_opts);
            job_deleted = r.removed_count();
            print(json_out ? render_prune_json(r) : render_prune(r));
            if (!r.ok) {
                spdlog::error("prune of {} did not complete: {}", r.database, r.errors.front());
                return 1;
            }
            return 0;
        };
    });

    // The scheduled jobs report their outcome to the metrics textfile and the webhook when run
    // one-shot (from cron or a systemd timer); the daemon does the same itself.
    backup->parse_complete_callback([&] { job_name = "backup"; });
    drill->parse_complete_callback([&] { job_name = sweep ? "" : "drill"; });
    prune->parse_complete_callback([&] { job_name = prune_opts.dry_run ? "" : "prune"; });

    auto* daemon = app.add_subcommand("daemon", "run the schedules; serve /metrics and /healthz");
    config_flag(*daemon, g, "--listen", "daemon.listen",
                "address:port for /metrics and /healthz (default 127.0.0.1:9871)");
    std::function<config::Config()> reload_config;
    daemon->callback(
        [&] { action = [&](const Context& ctx) { return run_daemon(ctx.config(), reload_config); }; });

    auto* status = app.add_subcommand("status", "RPO and RTO against the objectives; exit 1 when at risk");
    status->add_flag("--json", json_out, "JSON output");
    status->callback([&] {
        action = [&](const Context& ctx) {
            auto r = run_status(ctx, std::chrono::system_clock::now());
            print(json_out ? render_status_json(r) : render_status(r));
            return r.ok() ? 0 : 1;
        };
    });

    auto* config_cmd = app.add_subcommand("config", "inspect the configuration");
    config_cmd->require_subcommand(1);
    auto* show = config_cmd->add_subcommand(
        "show", "print the effective configuration and where each value came from");
    show->add_flag("--json", json_out, "JSON output");
    show->callback([&] {
        action = [&](const Context& ctx) {
            auto entries = run_config_show(ctx);
            auto file = ctx.config().file().value_or("");
            print(json_out ? render_config_json(entries, file) : render_config(entries, file));
            return 0;
        };
    });

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return static_cast<int>(ExitCode::usage);
    }

    try {
        config::Inputs in;
        if (!g.config_file.empty()) in.file = g.config_file;
        in.env = environment();
        in.flags = g.flag_values;
        auto cfg = config::Config::load(in);
        std::string level = g.verbose ? "debug" : g.quiet ? "warn" : cfg.str("log.level");
        setup_logging(level);
        for (const auto& w : cfg.warnings()) spdlog::warn("{}", w);
        Context ctx(std::move(cfg));
        reload_config = [in] { return config::Config::load(in); };
        std::optional<ProgressDisplay> display;
        if (!g.quiet && !daemon->parsed()) display.emplace();
        if (job_name.empty()) return action(ctx);
        int code = static_cast<int>(ExitCode::failed);
        Stopwatch sw;
        try {
            code = action(ctx);
        } catch (const Error& e) {
            code = static_cast<int>(e.code());
            job_message = redact::scrub(e.what());
            if (code != static_cast<int>(ExitCode::usage))
                report_job(ctx, job_name, false, job_message, 0, sw.seconds());
            throw;
        }
        report_job(ctx, job_name, code == 0, code == 0 ? "" : job_message, job_deleted, sw.seconds());
        return code;
    } catch (const Cancelled& c) {
        std::fprintf(stderr, "pgark: %s\n", c.what());
        return static_cast<int>(c.code());
    } catch (const Error& e) {
        if (!spdlog::default_logger()) setup_logging("info");
        std::fprintf(stderr, "pgark: error: %s\n", redact::scrub(e.what()).c_str());
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pgark: internal error: %s\n", redact::scrub(e.what()).c_str());
        return static_cast<int>(ExitCode::failed);
    }
}

}  // namespace pgark::cli
