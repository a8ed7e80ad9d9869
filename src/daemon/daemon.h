// `pgark daemon`: runs the configured schedules (backup, drill, prune), one run of a kind at a time,
// serves /metrics and /healthz, reloads the configuration on SIGHUP and stops cleanly on SIGTERM.
#pragma once

#include <functional>

#include "config/config.h"

namespace pgark {

// Loads the configuration again from the same sources (file, environment, flags) for SIGHUP; throws
// UsageError when the new configuration is invalid (the daemon then keeps the old one).
using ConfigLoader = std::function<config::Config()>;

// Runs until SIGTERM or SIGINT; returns the exit code (0 after a clean stop). Throws UsageError for
// an invalid initial configuration and Error when the HTTP address cannot be bound.
int run_daemon(config::Config initial, const ConfigLoader& reload);

}  // namespace pgark
