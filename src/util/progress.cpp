// Process-wide progress state; see progress.h.
#include "util/progress.h"

#include <atomic>
#include <chrono>
#include <mutex>

#include "util/units.h"

namespace pgark::progress {
namespace {

struct State {
    std::mutex mu;  // guards phase, unit, start, total, active
    std::string phase;
    Unit unit = Unit::bytes;
    std::chrono::steady_clock::time_point start;
    std::uint64_t total = 0;
    bool active = false;
    std::atomic<std::uint64_t> done{0};
    std::atomic<std::uint64_t> generation{0};
};

State& state() {
    static State s;
    return s;
}

std::string amount(std::uint64_t n, Unit unit) {
    return unit == Unit::bytes ? units::format_size(n) : std::to_string(n);
}

}  // namespace

void begin(const std::string& phase, std::uint64_t total, Unit unit) {
    auto& s = state();
    std::lock_guard lock(s.mu);
    s.phase = phase;
    s.unit = unit;
    s.total = total;
    s.start = std::chrono::steady_clock::now();
    s.done.store(0);
    s.active = true;
    s.generation.fetch_add(1);
}

void set_total(std::uint64_t total) {
    auto& s = state();
    std::lock_guard lock(s.mu);
    s.total = total;
}

void add(std::uint64_t n) {
    state().done.fetch_add(n, std::memory_order_relaxed);
}

void raise_to(std::uint64_t done) {
    auto& d = state().done;
    auto cur = d.load(std::memory_order_relaxed);
    while (cur < done && !d.compare_exchange_weak(cur, done, std::memory_order_relaxed)) {
    }
}

void end() {
    auto& s = state();
    std::lock_guard lock(s.mu);
    s.active = false;
    s.generation.fetch_add(1);
}

Snapshot snapshot() {
    auto& s = state();
    std::lock_guard lock(s.mu);
    Snapshot out;
    out.active = s.active;
    out.phase = s.phase;
    out.done = s.done.load();
    out.total = s.total;
    out.unit = s.unit;
    out.generation = s.generation.load();
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - s.start).count();
    return out;
}

std::string format_cancelling(const Snapshot& s) {
    if (!s.active) return "cancelling…";
    return "cancelling… (" + s.phase + ": " + amount(s.done, s.unit) + " so far)";
}

std::string format(const Snapshot& s) {
    std::string out = s.phase + ": " + amount(s.done, s.unit);
    if (s.total > 0) {
        auto done = std::min(s.done, s.total);
        out += " / " + amount(s.total, s.unit) + "  " +
               std::to_string(
                   static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(s.total))) +
               "%";
    }
    // A rate over less than half a second is noise.
    if (s.seconds >= 0.5 && s.done > 0) {
        double rate = static_cast<double>(s.done) / s.seconds;
        out += "  " +
               (s.unit == Unit::bytes ? units::format_size(static_cast<std::uint64_t>(rate))
                                      : std::to_string(static_cast<std::uint64_t>(rate))) +
               "/s";
        if (s.total > s.done)
            out += "  ETA " + units::format_duration(static_cast<double>(s.total - s.done) / rate);
    }
    return out;
}

}  // namespace pgark::progress
