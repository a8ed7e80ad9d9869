// Hermetic child processes for tests: a poll loop with a deadline (not pgark's cancellation-aware I/O,
// so a test that requests cancellation in-process cannot break the harness), and /proc walking for
// the "secrets never in argv" checks.
#include "support/pgark_cli.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iterator>
#include <sstream>

#include "support/pg_cluster.h"
#include "support/test_paths.h"
#include "util/proc_stat.h"

extern char** environ;

namespace pgark::test {

namespace {

constexpr const char* kHermeticPrefixes[] = {"PG", "POSTGRES_", "AWS_", "MINIO_", "PGARK_"};

ProcessSpec make_spec(const std::string& program, const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env) {
    ProcessSpec spec;
    spec.program = program;
    spec.args = args;
    spec.env_unset = hermetic_env_unset();
    spec.env_set = env;
    spec.capture_stderr = true;
    return spec;
}

bool has_exited(pid_t pid) {
    siginfo_t info{};
    // WNOWAIT leaves the zombie for Child::wait() to reap and record.
    if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0)
        return errno == ECHILD;
    return info.si_pid == pid;
}

// Feeds stdin, drains stdout, and waits for the child, all before `timeout`.
CliResult drive(Child& child, std::optional<std::string> stdin_text, std::chrono::seconds timeout) {
    // A child that exits without reading its stdin must not kill the test process with SIGPIPE.
    signal(SIGPIPE, SIG_IGN);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // On Ctrl-C the harness kills it before stopping the servers it is talking to.
    track_process_group(child.pid());
    CliResult r;
    std::size_t written = 0;
    int in_fd = stdin_text ? child.stdin_fd() : -1;
    if (in_fd >= 0) fcntl(in_fd, F_SETFL, fcntl(in_fd, F_GETFL) | O_NONBLOCK);
    int out_fd = child.stdout_fd();
    if (out_fd >= 0) fcntl(out_fd, F_SETFL, fcntl(out_fd, F_GETFL) | O_NONBLOCK);
    if (in_fd >= 0 && stdin_text->empty()) {
        child.close_stdin();
        in_fd = -1;
    }

    auto remaining_ms = [&] {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                          std::chrono::steady_clock::now());
        return static_cast<int>(std::clamp<long long>(left.count(), 0, 200));
    };
    while (in_fd >= 0 || out_fd >= 0) {
        if (std::chrono::steady_clock::now() >= deadline) break;
        pollfd fds[2];
        nfds_t n = 0;
        if (in_fd >= 0) fds[n++] = {in_fd, POLLOUT, 0};
        if (out_fd >= 0) fds[n++] = {out_fd, POLLIN, 0};
        int rc = ::poll(fds, n, remaining_ms());
        if (rc < 0 && errno != EINTR) break;
        if (rc <= 0) {
            // stdout may stay open in a grandchild after the child itself exited; don't wait for it.
            if (out_fd >= 0 && in_fd < 0 && has_exited(child.pid())) {
                char buf[16384];
                ssize_t got;
                while ((got = ::read(out_fd, buf, sizeof buf)) > 0)
                    r.out.append(buf, static_cast<std::size_t>(got));
                break;
            }
            continue;
        }
        for (nfds_t i = 0; i < n; ++i) {
            if (fds[i].revents == 0) continue;
            if (fds[i].fd == in_fd) {
                ssize_t w = ::write(in_fd, stdin_text->data() + written, stdin_text->size() - written);
                if (w > 0) written += static_cast<std::size_t>(w);
                if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == stdin_text->size()) {
                    child.close_stdin();
                    in_fd = -1;
                }
            } else {
                char buf[16384];
                ssize_t got = ::read(out_fd, buf, sizeof buf);
                if (got > 0) {
                    r.out.append(buf, static_cast<std::size_t>(got));
                } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                    child.close_stdout();
                    out_fd = -1;
                }
            }
        }
    }
    while (!has_exited(child.pid()) && std::chrono::steady_clock::now() < deadline) ::usleep(10000);
    if (!has_exited(child.pid())) {
        r.timed_out = true;
        child.terminate(std::chrono::milliseconds(2000));
    }
    ExitStatus st = child.wait();
    untrack_process_group(child.pid());
    r.err = child.stderr_text();
    if (st.exited) {
        r.exit_code = st.code;
    } else {
        r.term_signal = st.signal;
        r.exit_code = 128 + st.signal;
    }
    return r;
}

}  // namespace

std::string CliResult::describe() const {
    std::string s = timed_out ? "timed out, " : "";
    s += term_signal ? "killed by signal " + std::to_string(term_signal)
                     : "exit code " + std::to_string(exit_code);
    if (!err.empty()) s += ", stderr:\n" + err;
    if (!out.empty()) s += "\nstdout:\n" + out;
    return s;
}

std::vector<std::string> hermetic_env_unset() {
    std::vector<std::string> names;
    for (char** e = environ; e && *e; ++e) {
        std::string kv(*e);
        std::string name = kv.substr(0, kv.find('='));
        for (const char* prefix : kHermeticPrefixes) {
            if (name.rfind(prefix, 0) == 0) {
                names.push_back(name);
                break;
            }
        }
    }
    return names;
}

CliResult run_command(const std::string& program, const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env, std::optional<std::string> stdin_text,
                      std::chrono::seconds timeout) {
    return run_hermetic(make_spec(program, args, env), std::move(stdin_text), timeout);
}

CliResult run_hermetic(ProcessSpec spec, std::optional<std::string> stdin_text,
                       std::chrono::seconds timeout) {
    auto unset = hermetic_env_unset();
    spec.env_unset.insert(spec.env_unset.end(), unset.begin(), unset.end());
    spec.stdin_mode = stdin_text ? ProcessSpec::In::pipe : ProcessSpec::In::null;
    spec.stdout_mode = ProcessSpec::Out::pipe;
    spec.capture_stderr = true;
    auto child = Child::spawn(spec);
    return drive(*child, std::move(stdin_text), timeout);
}

CliResult run_pgark(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                    std::optional<std::string> stdin_text, std::chrono::seconds timeout) {
    return run_command(pgark_binary(), args, env, std::move(stdin_text), timeout);
}

std::unique_ptr<Child> start_command(const std::string& program, const std::vector<std::string>& args,
                                     const std::map<std::string, std::string>& env,
                                     ProcessSpec::Out stdout_mode) {
    ProcessSpec spec = make_spec(program, args, env);
    spec.stdin_mode = ProcessSpec::In::null;
    spec.stdout_mode = stdout_mode;
    return Child::spawn(spec);
}

std::unique_ptr<Child> start_pgark(const std::vector<std::string>& args,
                                   const std::map<std::string, std::string>& env,
                                   ProcessSpec::Out stdout_mode) {
    return start_command(pgark_binary(), args, env, stdout_mode);
}

CliResult wait_pgark(Child& child, std::chrono::seconds timeout) {
    return drive(child, std::nullopt, timeout);
}

std::vector<std::string> descendant_cmdlines(pid_t pid, bool include_self) {
    std::multimap<pid_t, pid_t> children;  // parent -> child
    for (const auto& p : list_processes()) children.emplace(p.ppid, p.pid);
    std::vector<pid_t> order;
    if (include_self) order.push_back(pid);
    std::deque<pid_t> todo{pid};
    while (!todo.empty()) {
        pid_t parent = todo.front();
        todo.pop_front();
        auto [lo, hi] = children.equal_range(parent);
        for (auto it = lo; it != hi; ++it) {
            order.push_back(it->second);
            todo.push_back(it->second);
        }
    }
    std::vector<std::string> out;
    for (pid_t p : order) {
        std::ifstream f("/proc/" + std::to_string(p) + "/cmdline", std::ios::binary);
        std::string raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        if (!f && raw.empty()) continue;  // exited meanwhile (or a kernel thread)
        if (!raw.empty() && raw.back() == '\0') raw.pop_back();
        std::replace(raw.begin(), raw.end(), '\0', ' ');
        out.push_back(raw);
    }
    return out;
}

}  // namespace pgark::test
