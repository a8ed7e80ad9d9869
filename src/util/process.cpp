// posix_spawn-based child processes: own process group (a terminal's Ctrl-C reaches pgark only,
// which then stops its children deliberately), default signal dispositions, explicit environment.
#include "util/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "util/cancel.h"
#include "util/error.h"
#include "util/proc_stat.h"

extern char** environ;

namespace pgark {

std::string ExitStatus::describe() const {
    if (exited) return "exit code " + std::to_string(code);
    return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
}

std::string find_in_path(const std::string& name) {
    if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
    const char* path = getenv("PATH");
    std::stringstream ss(path ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(ss, dir, ':')) {
        std::string full = (dir.empty() ? "." : dir) + "/" + name;
        struct stat st {};
        if (stat(full.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(full.c_str(), X_OK) == 0)
            return full;
    }
    return "";
}

namespace {

std::vector<std::string> build_env(const ProcessSpec& spec) {
    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string kv(*e);
        auto eq = kv.find('=');
        if (eq == std::string::npos) continue;
        env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& k : spec.env_unset) env.erase(k);
    for (const auto& [k, v] : spec.env_set) env[k] = v;
    std::vector<std::string> out;
    out.reserve(env.size());
    for (const auto& [k, v] : env) out.push_back(k + "=" + v);
    return out;
}

struct SpawnActions {
    posix_spawn_file_actions_t fa{};
    posix_spawnattr_t attr{};
    SpawnActions() {
        posix_spawn_file_actions_init(&fa);
        posix_spawnattr_init(&attr);
    }
    ~SpawnActions() {
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
    }
};

}  // namespace

std::unique_ptr<Child> Child::spawn(const ProcessSpec& spec) {
    std::string exe = find_in_path(spec.program);
    if (exe.empty())
        throw Error("cannot run '" + spec.program + "': not found or not executable (PATH=" +
                    (getenv("PATH") ? getenv("PATH") : "") + "); install it or configure its location");

    std::unique_ptr<Child> child(new Child());
    child->program_ = spec.program;
    SpawnActions sa;
    int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    auto cleanup_pipes = [&] {
        for (int* p : {in_pipe, out_pipe, err_pipe})
            for (int i = 0; i < 2; ++i)
                if (p[i] >= 0) close(p[i]);
    };

    if (spec.stdin_mode == ProcessSpec::In::pipe) {
        if (pipe2(in_pipe, O_CLOEXEC) != 0) throw Error("pipe() failed: " + errno_text(errno));
        posix_spawn_file_actions_adddup2(&sa.fa, in_pipe[0], 0);
    } else if (spec.stdin_mode == ProcessSpec::In::null) {
        posix_spawn_file_actions_addopen(&sa.fa, 0, "/dev/null", O_RDONLY, 0);
    }
    switch (spec.stdout_mode) {
        case ProcessSpec::Out::pipe:
            if (pipe2(out_pipe, O_CLOEXEC) != 0) {
                cleanup_pipes();
                throw Error("pipe() failed: " + errno_text(errno));
            }
            posix_spawn_file_actions_adddup2(&sa.fa, out_pipe[1], 1);
            break;
        case ProcessSpec::Out::null:
            posix_spawn_file_actions_addopen(&sa.fa, 1, "/dev/null", O_WRONLY, 0);
            break;
        case ProcessSpec::Out::fd:
            posix_spawn_file_actions_adddup2(&sa.fa, spec.stdout_fd, 1);
            break;
        case ProcessSpec::Out::inherit:
            break;
    }
    if (spec.capture_stderr) {
        if (pipe2(err_pipe, O_CLOEXEC) != 0) {
            cleanup_pipes();
            throw Error("pipe() failed: " + errno_text(errno));
        }
        posix_spawn_file_actions_adddup2(&sa.fa, err_pipe[1], 2);
    }
    if (spec.cwd) posix_spawn_file_actions_addchdir_np(&sa.fa, spec.cwd->c_str());

    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&sa.attr, &all);
    posix_spawnattr_setsigmask(&sa.attr, &none);
    posix_spawnattr_setpgroup(&sa.attr, 0);
    posix_spawnattr_setflags(&sa.attr,
                             POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);

    std::vector<std::string> argv_s;
    argv_s.push_back(spec.program);
    argv_s.insert(argv_s.end(), spec.args.begin(), spec.args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    auto env_s = build_env(spec);
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);

    pid_t pid = -1;
    int rc = posix_spawn(&pid, exe.c_str(), &sa.fa, &sa.attr, argv.data(), envp.data());
    if (rc != 0) {
        cleanup_pipes();
        throw Error("cannot start '" + exe + "': " + errno_text(rc));
    }
    child->pid_ = pid;
    if (in_pipe[1] >= 0) {
        close(in_pipe[0]);
        child->stdin_.reset(in_pipe[1]);
    }
    if (out_pipe[0] >= 0) {
        close(out_pipe[1]);
        child->stdout_.reset(out_pipe[0]);
    }
    child->stderr_buf_ = std::make_shared<std::string>();
    if (err_pipe[0] >= 0) {
        close(err_pipe[1]);
        int fd = err_pipe[0];
        auto buf = child->stderr_buf_;
        // Drained on a thread so a chatty child never blocks on a full stderr pipe.
        child->stderr_thread_ = std::thread([fd, buf, on_line = spec.stderr_line] {
            constexpr std::size_t kMax = 64 * 1024;
            auto keep = [&buf](std::string_view text) {
                buf->append(text);
                if (buf->size() > 2 * kMax) buf->erase(0, buf->size() - kMax);
            };
            std::string partial;  // an incomplete last line, when lines are filtered
            char tmp[4096];
            for (;;) {
                ssize_t n = read(fd, tmp, sizeof tmp);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) break;
                if (!on_line) {
                    keep({tmp, static_cast<std::size_t>(n)});
                    continue;
                }
                partial.append(tmp, static_cast<std::size_t>(n));
                std::size_t start = 0;
                for (std::size_t nl; (nl = partial.find('\n', start)) != std::string::npos; start = nl + 1) {
                    std::string_view line(partial.data() + start, nl - start);
                    bool kept = true;
                    try {
                        kept = on_line(line);
                    } catch (...) {
                        // An observer's failure must not stop the draining (the child would block).
                    }
                    if (kept) keep(std::string_view(partial.data() + start, nl - start + 1));
                }
                partial.erase(0, start);
                if (partial.size() > kMax) {  // a runaway line without newline: keep its end
                    keep(partial);
                    partial.clear();
                }
            }
            if (!partial.empty()) keep(partial);
            close(fd);
        });
    }
    return child;
}

void Child::record_exit(int st) {
    reaped_ = true;
    if (WIFEXITED(st)) {
        status_.exited = true;
        status_.code = WEXITSTATUS(st);
    } else if (WIFSIGNALED(st)) {
        status_.signal = WTERMSIG(st);
    }
    if (stderr_thread_.joinable()) stderr_thread_.join();
}

ExitStatus Child::wait() {
    if (!reaped_) {
        int st = 0;
        while (waitpid(pid_, &st, 0) < 0) {
            if (errno != EINTR) break;
        }
        record_exit(st);
    }
    return status_;
}

ExitStatus Child::wait_cancellable() {
    return wait_cancellable([] {});
}

ExitStatus Child::wait_cancellable(const std::function<void()>& tick) {
    while (!reaped_) {
        tick();
        cancel::throw_if_requested();
        int st = 0;
        pid_t r = waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
            record_exit(st);
            break;
        }
        pollfd pfd{cancel::wake_fd(), POLLIN, 0};
        ::poll(&pfd, pfd.fd >= 0 ? 1 : 0, 50);
    }
    return status_;
}

void Child::kill(int signo) {
    if (!reaped_ && pid_ > 0) ::kill(-pid_, signo);
}

void Child::terminate(std::chrono::milliseconds grace) {
    if (reaped_ || pid_ <= 0) return;
    stdin_.reset();
    stdout_.reset();
    kill(SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < deadline) {
        int st = 0;
        pid_t r = waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
            record_exit(st);
            return;
        }
        usleep(20000);
    }
    kill(SIGKILL);
    wait();
}

std::string Child::stderr_text() const {
    if (stderr_thread_.joinable()) return "";
    return stderr_buf_ ? *stderr_buf_ : "";
}

Child::~Child() {
    try {
        terminate();
    } catch (...) {
    }
    if (stderr_thread_.joinable()) stderr_thread_.join();
}

RunResult run_process(ProcessSpec spec, const std::optional<std::string>& input) {
    if (input) spec.stdin_mode = ProcessSpec::In::pipe;
    auto child = Child::spawn(spec);
    std::thread writer;
    if (input) {
        writer = std::thread([&child, &input] {
            try {
                write_all(child->stdin_fd(), std::as_bytes(std::span(input->data(), input->size())),
                          "child stdin");
            } catch (...) {
                // The reader side reports the failure (exit status, cancellation).
            }
            child->close_stdin();
        });
    }
    RunResult r;
    try {
        if (spec.stdout_mode == ProcessSpec::Out::pipe) {
            std::byte buf[16384];
            for (;;) {
                std::size_t n = read_some(child->stdout_fd(), buf, spec.program + " output");
                if (n == 0) break;
                r.out.append(reinterpret_cast<const char*>(buf), n);
            }
        }
    } catch (...) {
        child->terminate();
        if (writer.joinable()) writer.join();
        throw;
    }
    if (writer.joinable()) writer.join();
    r.status = child->wait();
    r.err = child->stderr_text();
    return r;
}

}  // namespace pgark

namespace pgark {

std::uint64_t process_group_read_bytes(pid_t pgid) {
    std::uint64_t total = 0;
    for (const auto& p : list_processes()) {
        if (p.pgrp != pgid) continue;
        std::ifstream io("/proc/" + std::to_string(p.pid) + "/io");
        for (std::string key; io >> key;) {
            std::uint64_t v = 0;
            io >> v;
            if (key == "rchar:") {
                total += v;
                break;
            }
        }
    }
    return total;
}

}  // namespace pgark
