// Logging to stderr through spdlog, with every line scrubbed of registered secrets.
#pragma once

#include <string>

namespace pgark::cli {

// level: "error" | "warn" | "info" | "debug".
void setup_logging(const std::string& level);

}  // namespace pgark::cli
