// `pgark daemon`: run the schedules; serve /metrics and /healthz.
#include "daemon/daemon.h"
#include "cli/subcommands.h"

namespace pgark::cli {

void add_daemon(CLI::App& app, GlobalOptions& g, Invocation& inv) {
    auto* cmd = app.add_subcommand("daemon", "run the schedules; serve /metrics and /healthz");
    config_flag(*cmd, g, "--listen", "daemon.listen",
                "address:port for /metrics and /healthz (default 127.0.0.1:9871)");
    cmd->callback([&inv] {
        inv.progress_display = false;
        inv.action = [&inv](const Context& ctx) { return run_daemon(ctx.config(), inv.reload_config); };
    });
}

}  // namespace pgark::cli
