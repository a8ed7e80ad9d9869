// `pgark verify [ID]`: check a backup's archive; exit 1 when it fails.
#include <spdlog/spdlog.h>

#include <memory>

#include "cli/render.h"
#include "cli/subcommands.h"
#include "commands/verify.h"
#include "report/json.h"

namespace pgark::cli {

void add_verify(CLI::App& app, GlobalOptions&, Invocation& inv) {
    struct State {
        bool json_out = false;
        std::string id = "latest";
    };
    auto s = std::make_shared<State>();
    auto* cmd = app.add_subcommand("verify", "check a backup: checksum, decompression, archive contents");
    cmd->add_option("id", s->id, "backup id or 'latest' (default)");
    json_flag(*cmd, s->json_out);
    cmd->callback([&inv, s] {
        inv.action = [s](const Context& ctx) {
            auto r = run_verify(ctx, s->id);
            print(s->json_out ? report::to_json(r) : render_verify(r));
            if (!r.ok()) {
                spdlog::error("backup {} failed verification: {}", r.manifest.id.str(),
                              failure_summary(r.checks));
                return 1;
            }
            return 0;
        };
    });
}

}  // namespace pgark::cli
