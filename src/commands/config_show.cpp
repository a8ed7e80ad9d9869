// `pgark config show`: the effective configuration, scrubbed of secrets.
#include "commands/config_show.h"

#include "util/redact.h"

namespace pgark {

std::vector<ConfigEntry> run_config_show(const Context& ctx) {
    std::vector<ConfigEntry> out;
    for (const auto& k : config::all_keys()) {
        const auto& s = ctx.config().setting(k.name);
        std::string v = s.value;
        if (k.secret && !v.empty()) v = "********";
        v = redact::scrub(v);
        out.push_back({k.name, v, s.origin.describe(), k.secret});
    }
    return out;
}

}  // namespace pgark
