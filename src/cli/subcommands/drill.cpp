// `pgark drill [ID]`: restore a backup into a scratch database and verify it; `--sweep` only cleans up.
#include <spdlog/spdlog.h>

#include <memory>

#include "cli/render.h"
#include "cli/subcommands.h"
#include "commands/drill.h"
#include "report/json.h"

namespace pgark::cli {

void add_drill(CLI::App& app, GlobalOptions& g, Invocation& inv) {
    struct State {
        bool json_out = false, sweep = false;
        std::string id = "latest";
    };
    auto s = std::make_shared<State>();
    auto* cmd =
        app.add_subcommand("drill", "prove a backup restores: restore into a scratch database and verify it");
    cmd->add_option("id", s->id, "backup id or 'latest' (default)");
    json_flag(*cmd, s->json_out, "print the drill report as JSON");
    cmd->add_flag("--sweep", s->sweep, "only drop scratch databases left by drills that were killed");
    config_flag(*cmd, g, "--level", "drill.level", "archive | schema | rows | content (default)");
    config_flag(*cmd, g, "--jobs", "drill.jobs",
                "parallel restore jobs and verification connections (default 2)");
    config_flag(*cmd, g, "--target", "drill.target",
                "conninfo of the server to restore into (default: the source)");
    cmd->add_flag_function(
        "--keep-on-failure", [&g](std::int64_t) { g.flag_values["drill.keep_on_failure"] = "true"; },
        "leave a failed drill's scratch database for inspection");
    cmd->parse_complete_callback([&inv, s] { inv.job_name = s->sweep ? "" : "drill"; });
    cmd->callback([&inv, s] {
        inv.action = [&inv, s](const Context& ctx) {
            if (s->sweep) {
                auto dropped = run_drill_sweep(ctx);
                print(dropped.empty()
                          ? "No leftover scratch databases.\n"
                          : "Dropped " + std::to_string(dropped.size()) + " leftover scratch database(s).\n");
                return 0;
            }
            auto r = run_drill(ctx, s->id);
            Objectives o{ctx.config().duration("objectives.rpo"), ctx.config().duration("objectives.rto")};
            print(s->json_out ? report::to_json(r) : render_drill(r, o));
            if (!r.report.ok) {
                inv.job_message = "drill " + r.report.id + " of backup " + r.report.backup_id + " failed" +
                                  (r.report.error.empty() ? "" : ": " + r.report.error);
                spdlog::error("drill of backup {} failed{}", r.report.backup_id,
                              r.report.error.empty() ? "" : ": " + r.report.error);
                return 1;
            }
            return 0;
        };
    });
}

}  // namespace pgark::cli
