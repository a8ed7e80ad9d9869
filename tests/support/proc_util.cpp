// /proc walking for descendant processes.
#include "support/proc_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "util/proc_stat.h"

namespace pgark::test {
namespace {

std::map<pid_t, pid_t> parent_map() {
    std::map<pid_t, pid_t> parents;
    for (const auto& p : list_processes()) parents[p.pid] = p.ppid;
    return parents;
}

bool matches(pid_t p, const std::string& name, const std::string& arg) {
    std::ifstream f("/proc/" + std::to_string(p) + "/cmdline");
    std::string arg0;
    if (!std::getline(f, arg0, '\0')) return false;
    auto slash = arg0.rfind('/');
    if ((slash == std::string::npos ? arg0 : arg0.substr(slash + 1)) != name) return false;
    if (arg.empty()) return true;
    for (std::string a; std::getline(f, a, '\0');)
        if (a.find(arg) != std::string::npos) return true;
    return false;
}

}  // namespace

std::vector<pid_t> descendants_named(pid_t pid, const std::string& name, const std::string& arg) {
    auto parents = parent_map();
    std::vector<pid_t> out;
    for (const auto& [p, pp] : parents) {
        pid_t cur = pp;
        for (int depth = 0; depth < 32 && cur > 1; ++depth) {
            if (cur == pid) {
                if (matches(p, name, arg)) out.push_back(p);
                break;
            }
            auto it = parents.find(cur);
            if (it == parents.end()) break;
            cur = it->second;
        }
    }
    return out;
}

pid_t wait_for_descendant(pid_t pid, const std::string& name, std::chrono::milliseconds timeout,
                          const std::string& arg) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto found = descendants_named(pid, name, arg);
        if (!found.empty()) return found.front();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
}

bool wait_for_file(const std::string& path, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (::access(path.c_str(), F_OK) != 0) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
}

pid_t dead_pid() {
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    int status = 0;
    waitpid(pid, &status, 0);
    return pid;
}

}  // namespace pgark::test
