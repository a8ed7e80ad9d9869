// Test-only hooks, active only when PGARK_TEST_HOOKS=1 is set, that let integration tests pause a
// command at a chosen point or move its clock; without that variable they do nothing.
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

}  // namespace pgark::test_hooks
