// Signal-to-cancellation bridge: an atomic flag plus a self-pipe for poll().
#include "util/cancel.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>

#include "util/error.h"

namespace pgark::cancel {
namespace {

std::atomic<int> g_signal{0};
std::atomic<bool> g_requested{false};
int g_pipe[2] = {-1, -1};
std::once_flag g_pipe_once;

void make_pipe() {
    std::call_once(g_pipe_once, [] {
        if (pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) g_pipe[0] = g_pipe[1] = -1;
    });
}

void on_signal(int signo) {
    int saved = errno;
    g_signal.store(signo);
    g_requested.store(true);
    if (g_pipe[1] >= 0) {
        char b = 1;
        [[maybe_unused]] auto n = write(g_pipe[1], &b, 1);
    }
    errno = saved;
}

}  // namespace

void install_signal_handlers() {
    make_pipe();
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    // Writes to a child that exited early must fail with EPIPE, not kill pgark.
    signal(SIGPIPE, SIG_IGN);
}

bool requested() noexcept {
    return g_requested.load(std::memory_order_relaxed);
}

int signal_number() noexcept {
    return g_signal.load();
}

void throw_if_requested() {
    if (requested()) throw Interrupted();
}

int wake_fd() noexcept {
    make_pipe();
    return g_pipe[0];
}

void request(int signo) noexcept {
    on_signal(signo);
}

void reset() noexcept {
    g_requested.store(false);
    g_signal.store(0);
    if (g_pipe[0] >= 0) {
        char buf[64];
        while (read(g_pipe[0], buf, sizeof buf) > 0) {
        }
    }
}

}  // namespace pgark::cancel
