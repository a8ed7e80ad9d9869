// Test-only hooks, active only when PGARK_TEST_HOOKS=1 is set, that let integration tests pause a
// command at a chosen point or move its clock; without that variable they do nothing.
#pragma once

#include "util/time.h"

namespace pgark::test_hooks {

// True when PGARK_TEST_HOOKS=1.
bool enabled();

// The current time, or PGARK_TEST_NOW (ISO 8601, "2026-01-24T02:00:00Z") when hooks are enabled.
SystemTime now();

// When hooks are enabled and the variable `name` holds a path: waits until that file exists (so a
// test can act while the command is paused there), polling, interruptible by SIGINT/SIGTERM, at most
// 5 minutes. Before waiting, creates "<path>.reached" so the test knows the point was reached.
void pause_at(const char* name);

}  // namespace pgark::test_hooks
