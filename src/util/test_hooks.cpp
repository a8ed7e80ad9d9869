// Test-only hooks (see test_hooks.h).
#include "util/test_hooks.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "util/cancel.h"
#include "util/error.h"

namespace pgark::test_hooks {

bool enabled() {
    const char* v = std::getenv("PGARK_TEST_HOOKS");
    return v && std::string(v) == "1";
}

SystemTime now() {
    if (enabled()) {
        if (const char* v = std::getenv("PGARK_TEST_NOW"); v && *v) {
            auto t = parse_iso8601(v);
            if (!t) throw UsageError(std::string("PGARK_TEST_NOW='") + v + "' is not an ISO 8601 UTC time");
            return *t;
        }
    }
    return std::chrono::system_clock::now();
}

long long number(const char* name, long long fallback) {
    if (!enabled()) return fallback;
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    try {
        return std::stoll(v);
    } catch (const std::exception&) {
        throw UsageError(std::string(name) + "='" + v + "' is not an integer");
    }
}

void crash_point(const char* where) {
    // Read once: the points sit on hot paths (every chunk streamed or stored).
    static const long long crash_at = number("PGARK_TEST_CRASH_AT", 0);
    static const char* log_path = enabled() ? std::getenv("PGARK_TEST_CRASH_LOG") : nullptr;
    if (crash_at <= 0 && !(log_path && *log_path)) return;
    static std::atomic<long long> count{0};
    const long long n = ++count;
    if (log_path && *log_path) {
        // One write(2) per line with O_APPEND: lines of concurrent threads do not interleave.
        int fd = ::open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0) {
            std::string line = std::to_string(n) + " " + where + "\n";
            (void)!::write(fd, line.data(), line.size());
            ::close(fd);
        }
    }
    if (n == crash_at) {
        std::string msg = "test hook: crash at point " + std::to_string(n) + " (" + where + ")\n";
        (void)!::write(2, msg.data(), msg.size());
        ::raise(SIGKILL);
    }
}

void pause_at(const char* name) {
    if (!enabled()) return;
    const char* path = std::getenv(name);
    if (!path || !*path) return;
    spdlog::info("test hook {}: waiting for {}", name, path);
    { std::ofstream(std::string(path) + ".reached") << "reached\n"; }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    while (!std::filesystem::exists(path)) {
        cancel::throw_if_requested();
        if (std::chrono::steady_clock::now() > deadline)
            throw Error(std::string("test hook ") + name + " timed out");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace pgark::test_hooks
