// The command-line front end: parses arguments, builds the configuration, runs a command, prints
// its result, and maps errors to exit codes (README "Exit codes").
#pragma once

namespace pgark::cli {

int run(int argc, char** argv);

}  // namespace pgark::cli
