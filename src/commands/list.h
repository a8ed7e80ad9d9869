// `pgark list`: the complete backups of the configured database (or of all), newest first.
#pragma once

#include <string>
#include <vector>

#include "commands/context.h"
#include "core/manifest.h"

namespace pgark {

struct ListResult {
    std::vector<Manifest> backups;
    std::vector<std::string> problems;  // unreadable manifests
    std::string repository;
};
ListResult run_list(const Context& ctx, bool all_databases);

}  // namespace pgark
