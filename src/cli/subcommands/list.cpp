// `pgark list`: list the complete backups.
#include <memory>

#include "cli/render.h"
#include "cli/subcommands.h"
#include "commands/list.h"
#include "report/json.h"

namespace pgark::cli {

void add_list(CLI::App& app, GlobalOptions&, Invocation& inv) {
    struct State {
        bool json_out = false, all = false;
    };
    auto s = std::make_shared<State>();
    auto* cmd = app.add_subcommand("list", "list the complete backups");
    json_flag(*cmd, s->json_out);
    cmd->add_flag("--all", s->all, "all databases, not only the configured one");
    cmd->callback([&inv, s] {
        inv.action = [s](const Context& ctx) {
            auto r = run_list(ctx, s->all);
            print(s->json_out ? report::to_json(r) : render_list(r));
            return 0;
        };
    });
}

}  // namespace pgark::cli
