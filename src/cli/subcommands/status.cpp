// `pgark status`: RPO and RTO against the objectives; exit 1 when at risk.
#include <memory>

#include "cli/render.h"
#include "cli/subcommands.h"
#include "commands/status.h"
#include "report/json.h"
#include "util/error.h"

namespace pgark::cli {

void add_status(CLI::App& app, GlobalOptions&, Invocation& inv) {
    auto json_out = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("status", "RPO and RTO against the objectives; exit 1 when at risk");
    json_flag(*cmd, *json_out);
    cmd->callback([&inv, json_out] {
        inv.action = [json_out](const Context& ctx) {
            StatusResult r;
            try {
                r = run_status(ctx, std::chrono::system_clock::now());
            } catch (const Error& e) {
                // A monitoring script reading stdout gets an object, not nothing; stderr says it too.
                if (*json_out) print(report::error_json(e.what(), static_cast<int>(e.code())));
                throw;
            }
            print(*json_out ? report::to_json(r) : render_status(r));
            return r.ok() ? 0 : 1;
        };
    });
}

}  // namespace pgark::cli
