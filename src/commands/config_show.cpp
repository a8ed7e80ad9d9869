// `pgark config show`: the effective configuration, scrubbed of secrets.
#include "commands/config_show.h"

#include "core/cron.h"
#include "util/redact.h"

namespace pgark {

namespace {

// What only the daemon used to find out: the schedules and their time zone must parse (UsageError
// naming the key otherwise), so `config show` is a complete check of a configuration.
void check_schedules(const config::Config& cfg) {
    parse_time_zone(cfg.str("schedule.timezone"), "schedule.timezone");
    for (const char* key : {"schedule.backup", "schedule.drill", "schedule.prune"}) {
        const auto& text = cfg.str(key);
        if (text.find_first_not_of(" \t") != std::string::npos) CronExpr::parse(text, key);
    }
}

}  // namespace

std::vector<ConfigEntry> run_config_show(const Context& ctx) {
    check_schedules(ctx.config());
    std::vector<ConfigEntry> out;
    for (const auto& k : config::all_keys()) {
        const auto& s = ctx.config().setting(k.name);
        std::string v = s.value;
        if (k.secret && !v.empty()) v = "********";
        v = redact::scrub(v);
        out.push_back({k.name, v, s.origin.describe(), k.secret});
    }
    // The operator's SQL checks of a drill ([[drill.checks]]), one entry each, where they were defined.
    const auto& checks = ctx.config().user_checks();
    for (std::size_t i = 0; i < checks.size(); ++i) {
        const auto& c = checks[i];
        out.push_back({"drill.checks[" + std::to_string(i) + "]",
                       redact::scrub(c.name + ": " + c.sql + " (expect " + c.expect + ")"), c.where, false});
    }
    return out;
}

}  // namespace pgark
