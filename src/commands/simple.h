// The small jobs: `pgark init`, `pgark list`, `pgark config show`.
#pragma once

#include <string>
#include <vector>

#include "commands/context.h"
#include "core/manifest.h"

namespace pgark {

struct InitResult {
    bool created = false;  // false: it already was a repository (left untouched)
    std::string location;
};
InitResult run_init(const Context& ctx);

struct ListResult {
    std::vector<Manifest> backups;
    std::vector<std::string> problems;  // unreadable manifests
    std::string repository;
};
ListResult run_list(const Context& ctx, bool all_databases);

struct ConfigEntry {
    std::string key, value, origin;
    bool secret = false;
};
// Secrets show as "********" when set.
std::vector<ConfigEntry> run_config_show(const Context& ctx);

}  // namespace pgark
