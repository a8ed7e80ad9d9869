// Coordination of log lines and the progress line on stderr; see terminal.h.
#include "cli/terminal.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "util/cancel.h"
#include "util/progress.h"

namespace pgark::cli {
namespace {

std::mutex& stderr_mutex() {
    static std::mutex mu;
    return mu;
}
bool line_shown = false;  // guarded by stderr_mutex()

void erase_locked() {
    if (!line_shown) return;
    std::fputs("\r\033[K", stderr);
    line_shown = false;
}

void draw_locked(std::string text) {
    // A wrapped line could not be erased with \r: clip it to the terminal's width.
    winsize ws{};
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && text.size() >= ws.ws_col)
        text.resize(ws.ws_col - 1);
    std::fputs("\r\033[K", stderr);
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
    line_shown = true;
}

bool wanted() {
    const char* term = std::getenv("TERM");
    return isatty(STDERR_FILENO) && !(term && std::string(term) == "dumb");
}

}  // namespace

void write_log_line(const std::string& text) {
    std::lock_guard lock(stderr_mutex());
    erase_locked();
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
}

void write_output(const std::string& text) {
    std::lock_guard lock(stderr_mutex());
    erase_locked();
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

ProgressDisplay::ProgressDisplay() {
    if (!wanted()) return;
    thread_ = std::thread([this] {
        std::uint64_t last_gen = 0;
        while (!stop_.load()) {
            auto s = progress::snapshot();
            {
                std::lock_guard lock(stderr_mutex());
                if (cancel::requested())
                    draw_locked(progress::format_cancelling(s));
                else if (s.active)
                    draw_locked(progress::format(s));
                else if (s.generation != last_gen)
                    erase_locked();
            }
            last_gen = s.generation;
            for (int i = 0; i < 4 && !stop_.load(); ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        std::lock_guard lock(stderr_mutex());
        erase_locked();
    });
}

ProgressDisplay::~ProgressDisplay() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
}

}  // namespace pgark::cli
