// `pgark status`: RPO and RTO against the objectives; exit 1 when at risk.
#include <memory>

#include "cli/render.h"
#include "cli/subcommands.h"
#include "commands/status.h"
#include "report/json.h"

namespace pgark::cli {

void add_status(CLI::App& app, GlobalOptions&, Invocation& inv) {
    auto json_out = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("status", "RPO and RTO against the objectives; exit 1 when at risk");
    json_flag(*cmd, *json_out);
    cmd->callback([&inv, json_out] {
        inv.action = [json_out](const Context& ctx) {
            auto r = run_status(ctx, std::chrono::system_clock::now());
            print(*json_out ? report::to_json(r) : render_status(r));
            return r.ok() ? 0 : 1;
        };
    });
}

}  // namespace pgark::cli
