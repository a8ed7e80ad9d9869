// Pseudo-terminal sessions for tests; see pty_session.h.
#include "support/pty_session.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "support/pgark_cli.h"

namespace pgark::test {

PtySession::PtySession(const std::string& program, const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& env) {
    std::vector<std::string> argv_s{program};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    // Prepared before fork: only async-signal-safe calls happen in the child.
    std::vector<std::string> env_s;
    auto unset = hermetic_env_unset();
    for (char** e = environ; *e; ++e) {
        std::string kv(*e);
        auto name = kv.substr(0, kv.find('='));
        bool drop = env.count(name) > 0 || name == "TERM";
        for (const auto& u : unset) drop = drop || u == name;
        if (!drop) env_s.push_back(kv);
    }
    for (const auto& [k, v] : env) env_s.push_back(k + "=" + v);
    env_s.push_back("TERM=xterm");
    std::vector<char*> argv, envp;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);

    winsize ws{};
    ws.ws_row = 40;
    ws.ws_col = 160;
    pid_ = forkpty(&master_, nullptr, nullptr, &ws);
    if (pid_ < 0) throw std::runtime_error("forkpty failed");
    if (pid_ == 0) {
        execve(argv[0], argv.data(), envp.data());
        _exit(127);
    }
    ::fcntl(master_, F_SETFD, FD_CLOEXEC);
}

PtySession::~PtySession() {
    if (!reaped_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int st = 0;
        ::waitpid(pid_, &st, 0);
    }
    if (master_ >= 0) ::close(master_);
}

bool PtySession::pump(std::chrono::milliseconds timeout) {
    pollfd pfd{master_, POLLIN, 0};
    int r = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    if (r <= 0) return true;
    char buf[4096];
    ssize_t n = ::read(master_, buf, sizeof buf);
    if (n > 0) {
        out_.append(buf, static_cast<std::size_t>(n));
        return true;
    }
    // EIO: every process closed the terminal's other side.
    return n < 0 && errno == EINTR;
}

bool PtySession::expect(const std::string& text, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out_.find(text) == std::string::npos) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        if (!pump(std::chrono::milliseconds(100))) return out_.find(text) != std::string::npos;
    }
    return true;
}

void PtySession::send(const std::string& text) {
    std::size_t off = 0;
    while (off < text.size()) {
        ssize_t n = ::write(master_, text.data() + off, text.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error("writing to the pty failed");
        off += static_cast<std::size_t>(n);
    }
}

int PtySession::wait(std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!reaped_) {
        bool more = pump(std::chrono::milliseconds(100));
        int st = 0;
        pid_t r = ::waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
            // Collect what it wrote just before exiting.
            for (std::size_t before = 0; before != out_.size() || before == 0;) {
                before = out_.size();
                if (!pump(std::chrono::milliseconds(50)) || before == out_.size()) break;
            }
            reaped_ = true;
            code_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            break;
        }
        if (!more) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (std::chrono::steady_clock::now() >= deadline) return -1;
    }
    return code_;
}

}  // namespace pgark::test
