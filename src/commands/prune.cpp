// The prune job: gather the backups of one database (complete or not), their locks and unfinished
// writes; let core/retention decide; remove in an order that never leaves a half-deleted backup listed.
#include "commands/prune.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/cron.h"
#include "core/retention.h"
#include "repo/backup_lock.h"
#include "util/error.h"
#include "util/redact.h"
#include "util/test_hooks.h"
#include "util/units.h"

namespace pgark {

std::size_t PruneResult::kept() const {
    return static_cast<std::size_t>(
        std::count_if(backups.begin(), backups.end(), [](const auto& b) { return b.keep; }));
}

std::size_t PruneResult::to_remove() const {
    return backups.size() - kept();
}

std::size_t PruneResult::removed_count() const {
    return static_cast<std::size_t>(
        std::count_if(backups.begin(), backups.end(), [](const auto& b) { return b.removed; }));
}

namespace {

std::string directory_of(const std::string& key) {
    return key.substr(0, key.rfind('/') + 1);
}

std::string describe_holder(const LockInfo& l) {
    if (!l.holder) return "an unreadable lock (" + l.key + ")";
    const auto& h = *l.holder;
    return (h.command.empty() ? "a process" : h.command) + " (pid " + std::to_string(h.pid) + " on " +
           h.host + ", since " + format_iso8601(h.started_at) + ")";
}

struct Claim {
    const ObjectInfo* object;
    std::optional<Holder> holder;  // nullopt: unreadable
};

// The id claims among a backup's objects with the process each names; `include` picks the objects
// worth reading. Claims removed since the listing are left out.
template <typename Include>
std::vector<Claim> read_claims(Storage& storage, const Repository::StoredBackup& b, Include include) {
    const std::string prefix = layout::claim_prefix(b.id);
    std::vector<Claim> out;
    for (const auto& o : b.objects) {
        if (o.key.compare(0, prefix.size(), prefix) != 0 || !include(o)) continue;
        try {
            out.push_back({&o, Holder::parse(storage.get(o.key))});
        } catch (const NotFoundError&) {
        }
    }
    return out;
}

// An incomplete backup whose id claim belongs to a live process on this host is still running,
// however old it is.
bool claimed_by_live_local_process(Storage& storage, const Repository::StoredBackup& b,
                                   const HolderCheck& check) {
    for (const auto& c : read_claims(storage, b, [](const ObjectInfo&) { return true; }))
        if (c.holder && c.holder->host == check.host && holder_is_live(*c.holder, check)) return true;
    return false;
}

class Prune {
  public:
    Prune(const Context& ctx, const PruneOptions& opts) : ctx_(ctx), opts_(opts) {}
    PruneResult run();

  private:
    void remove_backup(Repository& repo, PruneEntry& e, const HolderCheck& check);

    const Context& ctx_;
    const PruneOptions& opts_;
    PruneResult r_;
};

PruneResult Prune::run() {
    const auto& cfg = ctx_.config();
    auto database = ctx_.database_name();
    if (!database)
        throw UsageError(
            "prune works on one database and none is configured: pass -d/--dbname NAME or set PGDATABASE / "
            "database.dbname (`pgark list --all` shows the databases in the repository)");
    r_.database = *database;
    r_.dry_run = opts_.dry_run;
    RetentionPolicy policy;
    policy.keep_last = static_cast<int>(cfg.integer("retention.keep_last"));
    policy.keep_daily = static_cast<int>(cfg.integer("retention.keep_daily"));
    policy.keep_weekly = static_cast<int>(cfg.integer("retention.keep_weekly"));
    policy.keep_monthly = static_cast<int>(cfg.integer("retention.keep_monthly"));
    r_.timezone = cfg.str("schedule.timezone");
    policy.tz = parse_time_zone(r_.timezone, "schedule.timezone");
    validate(policy);
    r_.keep_last = policy.keep_last;
    r_.keep_daily = policy.keep_daily;
    r_.keep_weekly = policy.keep_weekly;
    r_.keep_monthly = policy.keep_monthly;
    r_.incomplete_after = cfg.duration("retention.incomplete_after");
    const SystemTime now = test_hooks::now();
    const HolderCheck check = HolderCheck::for_this_host(now, cfg.duration("drill.sweep_after"));

    Repository repo = ctx_.open_repository();
    r_.repository = repo.describe();
    Storage& storage = repo.storage();
    const std::string backups_prefix = layout::backups_prefix() + encode_db_component(*database) + "/";

    // Locks first: a drill that starts after this listing finds the manifest gone or is seen by the
    // re-check before the archive goes (remove_backup).
    std::map<std::string, std::vector<std::string>> live_locks;  // backup id -> holders
    std::vector<LockInfo> stale;
    for (auto& l : list_locks(storage, layout::locks_prefix(*database))) {
        if (lock_is_live(l, check))
            live_locks[l.backup_id].push_back(describe_holder(l));
        else
            stale.push_back(std::move(l));
    }

    auto stored = repo.list_stored_backups(*database, &r_.problems);
    std::map<std::string, SystemTime> write_activity;  // backup directory -> newest unfinished write
    auto unfinished = storage.list_unfinished_writes(backups_prefix);
    for (const auto& w : unfinished) {
        auto& t = write_activity[directory_of(w.key)];
        if (w.since != SystemTime::max()) t = std::max(t, w.since);
    }

    std::vector<RetentionCandidate> candidates;
    std::map<std::string, PruneEntry> entries;
    for (const auto& b : stored) {
        PruneEntry e;
        e.id = b.id.str();
        e.bytes = b.bytes();
        e.complete = b.has_manifest();
        if (e.complete) {
            try {
                e.time = repo.load_manifest(b.id).started_at;
            } catch (const Error& err) {
                r_.problems.push_back("backup " + e.id + " has an unreadable manifest, left alone: " +
                                      redact::scrub(err.what()));
                continue;
            }
        } else if (claimed_by_live_local_process(storage, b, check)) {
            e.time = now;  // a backup running on this host: "incomplete, may still be running"
        } else {
            // The latest sign of life: its id's time, its objects, its unfinished writes. Storage
            // times come from the server's clock and may be rounded up to the next second (Swift
            // does): one after `now` means activity just now, not a backup dated in the future.
            SystemTime activity = b.id.time();
            for (const auto& o : b.objects)
                if (o.modified) activity = std::max(activity, std::min(*o.modified, now));
            if (auto it = write_activity.find(layout::backup_dir(b.id)); it != write_activity.end())
                activity = std::max(activity, std::min(it->second, now));
            e.time = activity;
        }
        if (auto it = live_locks.find(e.id); it != live_locks.end()) e.locked_by = it->second;
        candidates.push_back({e.id, e.time, e.complete, !e.locked_by.empty()});
        entries[e.id] = std::move(e);
    }

    for (auto& d : apply_retention(policy, candidates, now, r_.incomplete_after)) {
        auto& e = entries.at(d.id);
        e.keep = d.keep;
        e.reasons = std::move(d.reasons);
        r_.backups.push_back(std::move(e));
    }

    // Oldest first, so an interrupted prune has removed the oldest.
    for (auto it = r_.backups.rbegin(); it != r_.backups.rend(); ++it) {
        if (it->keep) continue;
        if (opts_.dry_run) {
            r_.bytes_freed += it->bytes;
            continue;
        }
        try {
            remove_backup(repo, *it, check);
        } catch (const Error& err) {
            it->note = "removal failed: " + redact::scrub(err.what());
            r_.errors.push_back("backup " + it->id + ": " + it->note);
            spdlog::error("could not remove backup {}: {}", it->id, redact::scrub(err.what()));
        }
    }

    // Writes of killed backups (temp files, multipart uploads), except under a backup kept as possibly
    // still running.
    std::set<std::string> spare;
    for (const auto& e : r_.backups)
        if (e.keep && !e.complete) spare.insert(layout::backup_dir(*BackupId::parse(e.id)));
    const SystemTime bound = now - r_.incomplete_after;
    for (const auto& w : unfinished) {
        if (w.since >= bound || spare.count(directory_of(w.key))) continue;
        try {
            if (!opts_.dry_run) {
                storage.discard_unfinished_write(w);
                spdlog::info("discarded an abandoned write of {} (started {})", w.key,
                             format_iso8601(w.since));
            }
            r_.abandoned_writes.push_back(w);
        } catch (const Error& err) {
            r_.errors.push_back("abandoned write of " + w.key + ": " + redact::scrub(err.what()));
        }
    }

    // A backup killed after its manifest was stored keeps its id claim: harmless, but not part of the
    // backup. Removed once its process is gone and it is older than the bound.
    for (const auto& b : stored) {
        if (!b.has_manifest()) continue;
        auto old_enough = [&](const ObjectInfo& o) { return !o.modified || *o.modified < bound; };
        for (const auto& [object, holder] : read_claims(storage, b, old_enough)) {
            if (holder && holder_is_live(*holder, check)) continue;
            const auto& o = *object;
            try {
                if (!opts_.dry_run) {
                    storage.remove({o.key});
                    spdlog::info("removed the leftover id claim {} of a killed backup run", o.key);
                }
                r_.stale_claims.push_back(o.key);
            } catch (const Error& err) {
                r_.errors.push_back("stale claim " + o.key + ": " + redact::scrub(err.what()));
            }
        }
    }

    for (const auto& l : stale) {
        try {
            if (!opts_.dry_run) {
                storage.remove({l.key});
                spdlog::info("removed stale lock {} of {}", l.key, describe_holder(l));
            }
            r_.stale_locks.push_back(l.key);
        } catch (const Error& err) {
            r_.errors.push_back("stale lock " + l.key + ": " + redact::scrub(err.what()));
        }
    }
    r_.ok = r_.errors.empty();
    return r_;
}

// Manifest first, so the backup is never listed half-deleted; then, if no drill or restore locked it
// meanwhile, everything else under its directory (archive, claims, whatever a crash left).
void Prune::remove_backup(Repository& repo, PruneEntry& e, const HolderCheck& check) {
    Storage& storage = repo.storage();
    const BackupId id = *BackupId::parse(e.id);
    const std::string reason = e.reasons.empty() ? "" : e.reasons.front();
    std::uint64_t freed = 0;
    std::size_t count = 0;
    if (e.complete) {
        if (auto m = storage.stat(layout::manifest_key(id))) {
            storage.remove({layout::manifest_key(id)});
            freed += m->size;
            ++count;
        }
        for (const auto& l : list_locks(storage, layout::lock_prefix(id))) {
            if (!lock_is_live(l, check)) continue;
            e.note = describe_holder(l) +
                     " locked it while it was being removed: its manifest is gone (it is no longer listed), "
                     "its archive stays until a later prune";
            r_.bytes_freed += freed;
            spdlog::warn("backup {}: {}", e.id, e.note);
            return;
        }
    } else if (storage.stat(layout::manifest_key(id))) {
        e.note = "it completed while prune ran; left alone";
        spdlog::info("backup {}: {}", e.id, e.note);
        return;
    }
    auto objects = storage.list(layout::backup_dir(id));
    std::vector<std::string> keys;
    for (const auto& o : objects) {
        keys.push_back(o.key);
        freed += o.size;
    }
    if (!keys.empty()) storage.remove(keys);
    count += keys.size();
    e.removed = true;
    r_.bytes_freed += freed;
    spdlog::info("removed backup {} ({}; {} object{}, {})", e.id, reason, count, count == 1 ? "" : "s",
                 units::format_size(freed));
}

}  // namespace

PruneResult run_prune(const Context& ctx, const PruneOptions& opts) {
    Prune p(ctx, opts);
    return p.run();
}

}  // namespace pgark
