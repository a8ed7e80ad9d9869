// `pgark restore [ID]`: into a new database, or replacing one (clean, schema-cascade) after the
// operator typed its name (or --yes).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/render.h"
#include "cli/subcommands.h"
#include "commands/restore.h"
#include "report/json.h"
#include "util/error.h"

namespace pgark::cli {
namespace {

struct State {
    RestoreOptions opts;
    std::string to_new, mode;
    bool yes = false, json_out = false;
};

// The typed confirmation of a destructive restore: the plan, then the target database's name.
bool confirm_on_terminal(const State& s, const RestorePlan& p) {
    if (s.yes) return true;
    const std::string what = p.target_exists
                                 ? "restore --mode " + std::string(to_string(p.mode)) + " destroys data in " +
                                       p.target_database + " on " + p.server + " and"
                                 : "restore --mode clean into " + p.target_database +
                                       ", which does not exist on " + p.server + ",";
    if (!isatty(STDIN_FILENO))
        throw UsageError(what +
                         " needs confirmation, but there is no terminal to ask on; pass --yes to "
                         "confirm (nothing was changed)");
    std::string prompt =
        render_restore_plan(p) +
        (p.target_exists ? "\nThis REPLACES database " + p.target_database + " on " + p.server +
                               " with backup " + p.backup_id + "."
                         : "\nDatabase " + p.target_database + " does not exist on " + p.server +
                               ": this CREATES it from backup " + p.backup_id + " (is the name right?).") +
        "\nType the database name (" + p.target_database + ") to continue: ";
    std::fwrite(prompt.data(), 1, prompt.size(), stderr);
    std::fflush(stderr);
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    return answer == p.target_database;
}

// --to-new NAME, or --mode clean|schema-cascade --target-db NAME: exactly one.
void resolve_target(State& s) {
    if (s.to_new.empty() == s.mode.empty())
        throw UsageError("pass exactly one of --to-new NAME or --mode clean|schema-cascade --target-db NAME");
    if (!s.to_new.empty()) {
        if (!s.opts.target_database.empty())
            throw UsageError("--to-new NAME and --target-db do not go together");
        check_database_name("--to-new", s.to_new);
        s.opts.mode = RestoreMode::to_new;
        s.opts.target_database = s.to_new;
        return;
    }
    auto m = parse_restore_mode(s.mode);
    if (!m || *m == RestoreMode::to_new)
        throw UsageError("--mode " + s.mode +
                         " is not known: use clean or schema-cascade (or --to-new NAME)");
    if (s.opts.target_database.empty())
        throw UsageError("--mode " + s.mode + " needs --target-db NAME (the database to replace)");
    check_database_name("--target-db", s.opts.target_database);
    s.opts.mode = *m;
}

}  // namespace

void add_restore(CLI::App& app, GlobalOptions& g, Invocation& inv) {
    auto s = std::make_shared<State>();
    auto* cmd = app.add_subcommand(
        "restore", "restore a backup: into a new database, or replacing one (clean, schema-cascade)");
    cmd->add_option("id", s->opts.id_or_latest, "backup id or 'latest' (default)");
    cmd->add_option("--to-new", s->to_new, "restore into this new database (the original stays untouched)");
    cmd->add_option("--mode", s->mode, "replace --target-db: clean (drop, recreate) | schema-cascade");
    cmd->add_option("--target-db", s->opts.target_database, "the database --mode replaces");
    cmd->add_flag("--dry-run", s->opts.dry_run,
                  "print the plan (steps, sizes, estimated time); change nothing");
    cmd->add_flag("--yes", s->yes, "confirm a destructive restore without asking (automation)");
    json_flag(*cmd, s->json_out);
    cmd->add_flag_function(
        "--no-safety-backup", [&g](std::int64_t) { g.flag_values["restore.safety_backup"] = "false"; },
        "do NOT back up the target database before destroying it");
    cmd->add_flag_function(
        "--no-owner", [&g](std::int64_t) { g.flag_values["restore.restore_owner"] = "false"; },
        "the restoring role owns every object (for a server without the backup's roles)");
    config_flag(*cmd, g, "--level", "restore.level",
                "verification afterwards: archive | schema | rows (default) | content");
    config_flag(*cmd, g, "--jobs", "restore.jobs",
                "parallel pg_restore jobs and verification connections (default 2)");
    cmd->callback([&inv, s] {
        inv.action = [s](const Context& ctx) {
            resolve_target(*s);
            s->opts.safety_backup = ctx.config().boolean("restore.safety_backup");
            ConfirmFn confirm = [s](const RestorePlan& p) { return confirm_on_terminal(*s, p); };
            auto r = run_restore(ctx, s->opts, confirm);
            print(s->json_out ? report::to_json(r) : render_restore(r));
            if (!r.ok) {
                spdlog::error("restore of backup {} into {} failed: {}", r.plan.backup_id,
                              r.plan.target_database, r.error);
                return 1;
            }
            return 0;
        };
    });
}

}  // namespace pgark::cli
