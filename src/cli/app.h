// The command-line front end: parses arguments, builds the configuration, runs a command, prints
// its result, and maps errors to exit codes (DESIGN.md section 6).
#pragma once

namespace pgark::cli {

int run(int argc, char** argv);

}  // namespace pgark::cli
