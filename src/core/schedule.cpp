// The daemon's job bookkeeping: due times with random delay, overlap skips, coalescing, reload.
#include "core/schedule.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>

namespace pgark {

namespace {

std::size_t index(JobKind kind) {
    const auto i = static_cast<std::size_t>(kind);
    if (i >= kJobKinds) throw std::invalid_argument("Scheduler: invalid job kind " + std::to_string(i));
    return i;
}

}  // namespace

std::string to_string(JobKind kind) {
    switch (kind) {
        case JobKind::backup:
            return "backup";
        case JobKind::drill:
            return "drill";
        case JobKind::prune:
            return "prune";
    }
    return "job " + std::to_string(static_cast<int>(kind));
}

RandomDelay uniform_random_delay() {
    struct State {
        std::mutex mutex;
        std::mt19937_64 engine{std::random_device{}()};
    };
    auto state = std::make_shared<State>();
    return [state](std::chrono::seconds max) {
        if (max <= std::chrono::seconds::zero()) return std::chrono::seconds::zero();
        std::lock_guard lock(state->mutex);
        std::uniform_int_distribution<std::chrono::seconds::rep> dist(0, max.count());
        return std::chrono::seconds{dist(state->engine)};
    };
}

Scheduler::Scheduler(std::vector<JobSchedule> jobs, const date::time_zone* tz,
                     std::chrono::seconds random_delay, RandomDelay random, SystemTime start)
    : tz_(tz), max_delay_(random_delay), random_(std::move(random)) {
    check(jobs, tz, random_delay, random_);
    for (auto& j : jobs) {
        entries_.push_back(Entry{std::move(j), {}, {}});
        schedule_after(entries_.back(), start);
    }
}

void Scheduler::check(const std::vector<JobSchedule>& jobs, const date::time_zone* tz,
                      std::chrono::seconds random_delay, const RandomDelay& random) {
    if (!tz) throw std::invalid_argument("Scheduler: no time zone");
    if (random_delay < std::chrono::seconds::zero())
        throw std::invalid_argument("Scheduler: negative random delay");
    if (random_delay > std::chrono::seconds::zero() && !random)
        throw std::invalid_argument("Scheduler: a random delay needs a random source");
    std::array<bool, kJobKinds> seen{};
    for (const auto& j : jobs) {
        if (seen[index(j.kind)])
            throw std::invalid_argument("Scheduler: job '" + to_string(j.kind) + "' is scheduled twice");
        seen[index(j.kind)] = true;
    }
}

void Scheduler::schedule_after(Entry& e, SystemTime t) {
    e.firing = e.job.cron.next_after(t, tz_);
    std::chrono::seconds delay{0};
    if (max_delay_ > std::chrono::seconds::zero())
        delay = std::clamp(random_(max_delay_), std::chrono::seconds{0}, max_delay_);
    e.due_at = e.firing + delay;
}

const Scheduler::Entry* Scheduler::find(JobKind kind) const {
    for (const auto& e : entries_)
        if (e.job.kind == kind) return &e;
    return nullptr;
}

std::vector<JobKind> Scheduler::due(SystemTime now) {
    std::vector<Entry*> ready;
    for (auto& e : entries_)
        if (e.due_at <= now) ready.push_back(&e);
    std::sort(ready.begin(), ready.end(), [](const Entry* a, const Entry* b) {
        if (a->due_at != b->due_at) return a->due_at < b->due_at;
        return a->job.kind < b->job.kind;
    });
    std::vector<JobKind> out;
    for (Entry* e : ready) {
        const std::size_t i = index(e->job.kind);
        if (running_[i])
            ++skipped_[i];
        else
            out.push_back(e->job.kind);
        schedule_after(*e, now);
    }
    return out;
}

void Scheduler::mark_started(JobKind kind) {
    running_[index(kind)] = true;
}
void Scheduler::mark_finished(JobKind kind) {
    running_[index(kind)] = false;
}
bool Scheduler::running(JobKind kind) const {
    return running_[index(kind)];
}
std::uint64_t Scheduler::skipped(JobKind kind) const {
    return skipped_[index(kind)];
}

std::optional<SystemTime> Scheduler::next_wakeup() const {
    std::optional<SystemTime> out;
    for (const auto& e : entries_)
        if (!out || e.due_at < *out) out = e.due_at;
    return out;
}

std::optional<SystemTime> Scheduler::next_due(JobKind kind) const {
    if (const Entry* e = find(kind)) return e->due_at;
    return std::nullopt;
}

std::optional<SystemTime> Scheduler::next_firing(JobKind kind) const {
    if (const Entry* e = find(kind)) return e->firing;
    return std::nullopt;
}

void Scheduler::reload(std::vector<JobSchedule> jobs, const date::time_zone* tz,
                       std::chrono::seconds random_delay, SystemTime now) {
    check(jobs, tz, random_delay, random_);
    const bool same_timing = tz == tz_ && random_delay == max_delay_;
    std::vector<Entry> old = std::move(entries_);
    entries_.clear();
    tz_ = tz;
    max_delay_ = random_delay;
    for (auto& j : jobs) {
        const auto prev =
            std::find_if(old.begin(), old.end(), [&](const Entry& e) { return e.job.kind == j.kind; });
        const bool keep = same_timing && prev != old.end() && prev->job.cron == j.cron;
        entries_.push_back(Entry{std::move(j), {}, {}});
        if (keep) {
            entries_.back().firing = prev->firing;
            entries_.back().due_at = prev->due_at;
        } else {
            schedule_after(entries_.back(), now);
        }
    }
}

}  // namespace pgark
