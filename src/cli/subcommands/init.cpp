// `pgark init`: create a repository at --repo.
#include "commands/init.h"
#include "cli/subcommands.h"

namespace pgark::cli {

void add_init(CLI::App& app, GlobalOptions&, Invocation& inv) {
    auto* cmd = app.add_subcommand("init", "create a repository at --repo");
    cmd->callback([&inv] {
        inv.action = [](const Context& ctx) {
            auto r = run_init(ctx);
            print(r.created ? "Initialized pgark repository at " + r.location + "\n"
                            : r.location + " already is a pgark repository; nothing changed\n");
            return 0;
        };
    });
}

}  // namespace pgark::cli
