// `pgark config show`: every setting with its value and where it came from, secrets masked.
#pragma once

#include <string>
#include <vector>

#include "commands/context.h"

namespace pgark {

struct ConfigEntry {
    std::string key, value, origin;
    bool secret = false;
};
// Secrets show as "********" when set; [[drill.checks]] follow as drill.checks[N]. Throws UsageError,
// naming the key, for a schedule or time zone that does not parse.
std::vector<ConfigEntry> run_config_show(const Context& ctx);

}  // namespace pgark
