// `pgark backup`: back up the database into the repository.
#include <memory>

#include "cli/render.h"
#include "cli/subcommands.h"
#include "commands/backup.h"
#include "report/json.h"

namespace pgark::cli {

void add_backup(CLI::App& app, GlobalOptions& g, Invocation& inv) {
    auto* cmd = app.add_subcommand("backup", "back up the database into the repository");
    auto json_out = std::make_shared<bool>(false);
    json_flag(*cmd, *json_out, "print the manifest as JSON");
    config_flag(*cmd, g, "--compression-level", "backup.compression_level", "zstd level 1..19 (default 3)");
    config_flag(*cmd, g, "--threads", "backup.threads", "compression threads (default: one per CPU)");
    cmd->parse_complete_callback([&inv] { inv.job_name = "backup"; });
    cmd->callback([&inv, json_out] {
        inv.action = [json_out](const Context& ctx) {
            auto r = run_backup(ctx);
            print(*json_out ? report::to_json(r) : render_backup(r));
            return 0;
        };
    });
}

}  // namespace pgark::cli
