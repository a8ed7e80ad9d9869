// `pgark init`: creates a repository at the configured location, or confirms an existing one.
#pragma once

#include <string>

#include "commands/context.h"

namespace pgark {

struct InitResult {
    bool created = false;  // false: it already was a repository (left untouched)
    std::string location;
};
InitResult run_init(const Context& ctx);

}  // namespace pgark
