// Test-only hooks, active only when PGARK_TEST_HOOKS=1 is set, that let integration tests pause a
// command at a chosen point, move its clock, or kill it at a chosen point; without that variable they do
// nothing.
#pragma once

#include "util/time.h"

namespace pgark::test_hooks {

// True when PGARK_TEST_HOOKS=1.
bool enabled();

// The current time, or PGARK_TEST_NOW (ISO 8601, "2026-01-24T02:00:00Z") when hooks are enabled.
SystemTime now();

// The integer in the variable `name` when hooks are enabled and it is set, else `fallback` (lets a test
// exercise size-dependent paths, such as reading a table in ranges, on small data).
long long number(const char* name, long long fallback);

// When hooks are enabled and the variable `name` holds a path: waits until that file exists (so a
// test can act while the command is paused there), polling, interruptible by SIGINT/SIGTERM, at most
// 5 minutes. Before waiting, creates "<path>.reached" so the test knows the point was reached.
void pause_at(const char* name);

// Crash injection for the crash-consistency tests. Each call is one numbered point in a run (the
// places a crash can hurt: after each chunk streamed or stored, between a file's fsync and its rename,
// before a manifest, ...). With PGARK_TEST_CRASH_LOG=FILE every point reached is appended to FILE
// ("N where"), so a test learns how many points a run passes; with PGARK_TEST_CRASH_AT=N the N-th point
// kills the process with SIGKILL, as an OOM kill or a power cut would: no destructor, no handler runs.
void crash_point(const char* where);

}  // namespace pgark::test_hooks
