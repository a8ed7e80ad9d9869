// `pgark config show`: the effective configuration and where each value came from.
#include <memory>

#include "cli/render.h"
#include "cli/subcommands.h"
#include "commands/config_show.h"
#include "report/json.h"

namespace pgark::cli {

void add_config(CLI::App& app, GlobalOptions&, Invocation& inv) {
    auto json_out = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("config", "inspect the configuration");
    cmd->require_subcommand(1);
    auto* show =
        cmd->add_subcommand("show", "print the effective configuration and where each value came from");
    json_flag(*show, *json_out);
    show->callback([&inv, json_out] {
        inv.action = [json_out](const Context& ctx) {
            auto entries = run_config_show(ctx);
            auto file = ctx.config().file().value_or("");
            print(*json_out ? report::config_json(entries, file) : render_config(entries, file));
            return 0;
        };
    });
}

}  // namespace pgark::cli
