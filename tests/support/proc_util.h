// Finding and signalling descendant processes of a pid (for fault-injection tests that kill pg_dump).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace pgark::test {

// Pids of every descendant of `pid` whose argv[0] basename equals `name` and whose command line
// contains `arg` (e.g. "--format=custom", to tell a pg_dump at work from `pg_dump --version`).
std::vector<pid_t> descendants_named(pid_t pid, const std::string& name, const std::string& arg = "");

// Polls until such a descendant exists; returns its pid or -1 after `timeout`.
pid_t wait_for_descendant(pid_t pid, const std::string& name, std::chrono::milliseconds timeout,
                          const std::string& arg = "");

// Polls until `path` exists (a test hook's "<file>.reached" marker, say); false after `timeout`.
bool wait_for_file(const std::string& path, std::chrono::seconds timeout);

// A pid that certainly runs no process: a child that has exited and been reaped.
pid_t dead_pid();

}  // namespace pgark::test
