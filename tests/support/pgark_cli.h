// Running the pgark binary under test (and other programs) hermetically from integration tests:
// inherited PG*, POSTGRES_*, AWS_*, MINIO_*, PGARK_* variables never reach the child, so a developer's
// shell cannot change what a test sees.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/process.h"

namespace pgark::test {

using namespace std::chrono_literals;

struct CliResult {
    int exit_code = -1;  // the exit code; 128 + signal when killed by a signal (like a shell)
    std::string out, err;
    int term_signal = 0;     // the signal that killed the process, or 0
    bool timed_out = false;  // killed by run_* after `timeout`
    // "exit code 1, stderr: ..." for assertion messages.
    std::string describe() const;
};

// Names of the inherited variables that are removed from every child's environment.
std::vector<std::string> hermetic_env_unset();

// Runs `program` (a path, or looked up in PATH) to completion with the hermetic environment plus `env`,
// optional stdin text (otherwise /dev/null), capturing stdout fully and the tail (last 64 KiB or more)
// of stderr. On timeout the process group is terminated and timed_out is set. Never throws for a
// failing child, only when it cannot be started.
CliResult run_command(const std::string& program, const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env = {},
                      std::optional<std::string> stdin_text = {}, std::chrono::seconds timeout = 300s);

// run_command with a full ProcessSpec (cwd, extra environment); the hermetic variables are removed
// first, then spec.env_set applies. stdin and stdout modes are set from the arguments.
CliResult run_hermetic(ProcessSpec spec, std::optional<std::string> stdin_text = {},
                       std::chrono::seconds timeout = 300s);

// run_command for the pgark binary under test.
CliResult run_pgark(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                    std::optional<std::string> stdin_text = {}, std::chrono::seconds timeout = 300s);

// Starts pgark in the background (own process group, stdin /dev/null) for signal tests. stdout is a pipe
// by default: read it or pass Out::null, or a chatty pgark blocks. The Child terminates pgark when
// destroyed; collect the result with wait_pgark.
std::unique_ptr<Child> start_pgark(const std::vector<std::string>& args,
                                   const std::map<std::string, std::string>& env = {},
                                   ProcessSpec::Out stdout_mode = ProcessSpec::Out::pipe);
// Same for any program.
std::unique_ptr<Child> start_command(const std::string& program, const std::vector<std::string>& args,
                                     const std::map<std::string, std::string>& env = {},
                                     ProcessSpec::Out stdout_mode = ProcessSpec::Out::pipe);

// Reads the rest of the child's stdout (if piped) and waits for it, terminating it after `timeout`.
CliResult wait_pgark(Child& child, std::chrono::seconds timeout = 300s);

// Command lines (argv joined by spaces) of every live process below `pid` in the process tree, and of
// `pid` itself when include_self: a test asserts that a secret appears in none of them.
std::vector<std::string> descendant_cmdlines(pid_t pid, bool include_self = true);

}  // namespace pgark::test
