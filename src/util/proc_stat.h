// The fields pgark needs from /proc/PID/stat, parsed in one place: the command name (field 2) may
// contain spaces and parentheses, so fields are counted after its last ')'.
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

namespace pgark {

struct ProcStat {
    pid_t pid = 0;
    char state = '?';
    pid_t ppid = 0;
    pid_t pgrp = 0;
    unsigned long long start_ticks = 0;  // field 22: clock ticks after boot when the process started
};

// nullopt when the process does not exist (or vanished while being read).
std::optional<ProcStat> read_proc_stat(pid_t pid);
// Every process visible in /proc.
std::vector<ProcStat> list_processes();

}  // namespace pgark
