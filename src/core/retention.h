// Retention for `pgark prune` (grandfather-father-son): which backups a policy keeps and why, as a
// pure function of the backups, the policy and the clock, so `prune --dry-run` and `prune` agree.
#pragma once

#include <chrono>
#include <string>
#include <vector>

// Forward-declared so that users of this header need not compile the whole tz database interface.
namespace date {
class time_zone;
}

namespace pgark {

// The policy, as configured by retention.keep_* and schedule.timezone.
//
// How backups are selected (the same model as restic's `forget` and borg's `prune`):
//
// - Only complete backups (those with a manifest) that are not dated in the future count for the
//   keep rules below. They are walked newest first; of two backups with the same time, the one with
//   the greater id (plain string order) counts as the newer: a "-2" id was taken after its base id.
// - keep_last N keeps the N newest of them.
// - keep_daily N keeps, for each of the N most recent local days that have a backup, the newest
//   backup of that day. Days without a backup do not count: with one backup every other day,
//   keep_daily 7 spans 14 days.
// - keep_weekly N does the same for ISO 8601 weeks (Monday to Sunday, numbered within the ISO
//   week-year: 2026-12-31 and 2027-01-01 are both in 2026-W53), keep_monthly N for calendar months.
// - Days, weeks and months are those of `tz`'s local time, not of UTC: in Europe/Berlin a backup at
//   23:30 UTC belongs to the next day. A DST day is simply a 23- or 25-hour local day.
// - The rules are independent; a backup kept by several rules lists all of them.
//
// Whatever the policy says, these are never removed:
// - the newest complete backup not dated in the future, so that a prune can never leave a database
//   without a usable backup. Every non-zero rule selects it anyway; this is the safety net under them,
//   and its reason is always listed so that `--dry-run` shows it cannot go;
// - a backup in use by a running drill or restore (it holds a lock), which would otherwise fail midway;
// - a backup dated after `now`: its true age is unknown (clock skew between hosts, or a clock that
//   was wrong when it ran), so no rule can judge it; it does not take a rule's slot either, so it
//   cannot push out a backup whose age is known. Once `now` passes its time it is judged normally;
// - an incomplete backup (no manifest) younger than `incomplete_after`: it may still be running.
// An incomplete backup older than that is a crashed or killed run and is removed.
struct RetentionPolicy {
    int keep_last = 0;
    int keep_daily = 0;
    int keep_weekly = 0;
    int keep_monthly = 0;
    const date::time_zone* tz = nullptr;  // from date::locate_zone(schedule.timezone)
};

// Throws UsageError when a count is negative, when the policy keeps nothing at all (all four counts
// 0 would delete every backup but the newest), or when no time zone is set. apply_retention calls it
// too; call it early to reject the configuration before touching the repository.
void validate(const RetentionPolicy& policy);

struct RetentionCandidate {
    std::string id;                              // "freshtrack_2026-01-24_02-00-00"
    std::chrono::system_clock::time_point time;  // when the backup was taken (UTC)
    bool complete = false;                       // has a manifest
    bool in_use = false;                         // a running drill or restore holds its lock
};

struct RetentionDecision {
    std::string id;
    bool keep = false;
    // Kept: every reason that applies, in this order: "newest 7 (#3)", "daily 2026-01-24",
    // "weekly 2026-W04", "monthly 2026-01", "newest complete backup", "dated in the future (clock
    // skew?), age unknown", "incomplete, may still be running", "in use by a running drill or restore".
    // Removed: exactly one of "not kept by any rule", "incomplete, older than 24h".
    std::vector<std::string> reasons;
    bool operator==(const RetentionDecision&) const = default;
};

// One decision per candidate, newest first (equal times: greater id first). Throws UsageError for an
// invalid policy (see validate) or a negative `incomplete_after`.
std::vector<RetentionDecision> apply_retention(const RetentionPolicy& policy,
                                               std::vector<RetentionCandidate> candidates,
                                               std::chrono::system_clock::time_point now,
                                               std::chrono::seconds incomplete_after);

}  // namespace pgark
