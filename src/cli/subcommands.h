// The subcommands, one file each under cli/subcommands/: each adds its CLI11 subcommand and, when it
// is the one parsed, sets the invocation's action. A new command adds a file and a line here.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/subcommand.h"

namespace pgark::cli {

void add_init(CLI::App& app, GlobalOptions& g, Invocation& inv);
void add_backup(CLI::App& app, GlobalOptions& g, Invocation& inv);
void add_list(CLI::App& app, GlobalOptions& g, Invocation& inv);
void add_verify(CLI::App& app, GlobalOptions& g, Invocation& inv);
void add_drill(CLI::App& app, GlobalOptions& g, Invocation& inv);
void add_restore(CLI::App& app, GlobalOptions& g, Invocation& inv);
void add_prune(CLI::App& app, GlobalOptions& g, Invocation& inv);
void add_daemon(CLI::App& app, GlobalOptions& g, Invocation& inv);
void add_status(CLI::App& app, GlobalOptions& g, Invocation& inv);
void add_config(CLI::App& app, GlobalOptions& g, Invocation& inv);

// Every subcommand, in the order `pgark --help` lists them.
inline void add_subcommands(CLI::App& app, GlobalOptions& g, Invocation& inv) {
    for (auto add : {add_init, add_backup, add_list, add_verify, add_drill, add_restore, add_prune,
                     add_daemon, add_status, add_config})
        add(app, g, inv);
}

}  // namespace pgark::cli
