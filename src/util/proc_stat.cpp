// /proc/PID/stat parsing; see proc_stat.h.
#include "util/proc_stat.h"

#include <dirent.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace pgark {

std::optional<ProcStat> read_proc_stat(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) return std::nullopt;
    auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream rest(line.substr(close + 1));
    ProcStat s;
    s.pid = pid;
    long ppid = 0, pgrp = 0;
    if (!(rest >> s.state >> ppid >> pgrp)) return std::nullopt;
    s.ppid = static_cast<pid_t>(ppid);
    s.pgrp = static_cast<pid_t>(pgrp);
    std::string field;
    for (int i = 6; i <= 22; ++i)
        if (!(rest >> field)) return s;  // start_ticks stays 0: unknown
    s.start_ticks = std::strtoull(field.c_str(), nullptr, 10);
    return s;
}

std::vector<ProcStat> list_processes() {
    std::vector<ProcStat> out;
    DIR* d = ::opendir("/proc");
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
        char* end = nullptr;
        long p = std::strtol(e->d_name, &end, 10);
        if (p <= 0 || *end != '\0') continue;
        if (auto s = read_proc_stat(static_cast<pid_t>(p))) out.push_back(*s);
    }
    ::closedir(d);
    return out;
}

}  // namespace pgark
