// A process-wide progress meter for long jobs: a command begins a phase (with a total when it is
// known), the layers that move data add to it, and the cli renders it on a terminal. Cheap atomics,
// so the data path may call add() per chunk even when nothing renders.
#pragma once

#include <cstdint>
#include <string>

namespace pgark::progress {

enum class Unit { bytes, items };

// Starts a phase; total 0 = unknown. Resets the counter.
void begin(const std::string& phase, std::uint64_t total, Unit unit = Unit::bytes);
// Sets the total of the current phase once it becomes known.
void set_total(std::uint64_t total);
void add(std::uint64_t n);
// Raises the counter to `done` (never lowers it: sampled counters may dip when a worker exits).
void raise_to(std::uint64_t done);
// Ends the phase: nothing is shown until the next begin().
void end();

struct Snapshot {
    bool active = false;
    std::string phase;
    std::uint64_t done = 0, total = 0;
    Unit unit = Unit::bytes;
    double seconds = 0;            // since begin()
    std::uint64_t generation = 0;  // changes with every begin()/end()
};
Snapshot snapshot();

// RAII phase: end() on scope exit, also on an exception.
class Phase {
  public:
    Phase(const std::string& phase, std::uint64_t total, Unit unit = Unit::bytes) {
        begin(phase, total, unit);
    }
    ~Phase() { end(); }
    Phase(const Phase&) = delete;
    Phase& operator=(const Phase&) = delete;
};

// "412.0 MiB / 1.2 GiB  34%  85.1 MiB/s  ETA 9s" (pure, for the renderer and its tests).
std::string format(const Snapshot& s);
// What the progress line says once cancellation was requested, so a redrawing meter does not look
// as if the job went on: "cancelling… (backup shop: 412.0 MiB so far)".
std::string format_cancelling(const Snapshot& s);

}  // namespace pgark::progress
