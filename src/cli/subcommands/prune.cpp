// `pgark prune`: apply the retention policy and sweep the leftovers of crashed runs.
#include <spdlog/spdlog.h>

#include <memory>

#include "cli/render.h"
#include "cli/subcommands.h"
#include "commands/prune.h"
#include "report/json.h"

namespace pgark::cli {

void add_prune(CLI::App& app, GlobalOptions& g, Invocation& inv) {
    struct State {
        PruneOptions opts;
        bool json_out = false;
    };
    auto s = std::make_shared<State>();
    auto* cmd = app.add_subcommand(
        "prune", "apply the retention policy: remove old backups and the leftovers of crashed runs");
    cmd->add_flag("--dry-run", s->opts.dry_run, "show what would be removed; change nothing");
    json_flag(*cmd, s->json_out);
    config_flag(*cmd, g, "--keep-last", "retention.keep_last", "keep the N newest backups (default 7)");
    config_flag(*cmd, g, "--keep-daily", "retention.keep_daily",
                "keep the newest backup of each of the N latest days with one (default 7)");
    config_flag(*cmd, g, "--keep-weekly", "retention.keep_weekly",
                "keep the newest backup of each of the N latest ISO weeks with one (default 4)");
    config_flag(*cmd, g, "--keep-monthly", "retention.keep_monthly",
                "keep the newest backup of each of the N latest months with one (default 12)");
    cmd->parse_complete_callback([&inv, s] { inv.job_name = s->opts.dry_run ? "" : "prune"; });
    cmd->callback([&inv, s] {
        inv.action = [&inv, s](const Context& ctx) {
            auto r = run_prune(ctx, s->opts);
            inv.job_deleted = r.removed_count();
            print(s->json_out ? report::to_json(r) : render_prune(r));
            if (!r.ok) {
                spdlog::error("prune of {} did not complete: {}", r.database, r.errors.front());
                return 1;
            }
            return 0;
        };
    });
}

}  // namespace pgark::cli
