// What every subcommand file (cli/subcommands/) shares: the global options, the invocation the parsed
// subcommand fills in, and the helpers to declare flags and print results.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "commands/context.h"
#include "config/config.h"

namespace pgark::cli {

struct GlobalOptions {
    std::string config_file;
    int verbose = 0;
    bool quiet = false;
    // Flags that map onto configuration keys, applied only when given.
    std::map<std::string, std::string> flag_values;
};

// What the parsed subcommand runs once the configuration is loaded.
struct Invocation {
    std::function<int(const Context&)> action;
    // A scheduled job (backup, drill, prune) run one-shot reports its outcome to the metrics textfile
    // and the webhook, as the daemon does; empty for everything else.
    std::string job_name;
    std::string job_message;  // the failure, when the action returned non-zero
    std::uint64_t job_deleted = 0;
    bool progress_display = true;  // a live progress line on a terminal (not for the daemon)
    // Loads the configuration again from the same sources (the daemon's SIGHUP); set before `action`.
    std::function<config::Config()> reload_config;
};

// Adds a flag that sets configuration key `key` (validated with the configuration, naming the flag).
void config_flag(CLI::App& app, GlobalOptions& g, const std::string& names, const std::string& key,
                 const std::string& help);
// Adds --json to a subcommand.
void json_flag(CLI::App& app, bool& json_out, const std::string& help = "JSON output");
// Writes a command's result to stdout.
void print(const std::string& text);
// Refuses a database name PostgreSQL would cut short (UsageError naming `flag`).
void check_database_name(const std::string& flag, const std::string& name);

}  // namespace pgark::cli
