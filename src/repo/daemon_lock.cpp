// Daemon locks: writing, refreshing and judging them (see repo/daemon_lock.h).
#include "repo/daemon_lock.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <random>

#include "repo/layout.h"
#include "util/error.h"
#include "util/random.h"
#include "util/redact.h"

namespace pgark {
namespace {

std::optional<SystemTime> read_heartbeat(const std::string& text) {
    try {
        auto j = nlohmann::json::parse(text);
        if (j.is_object() && j.contains("heartbeat_at") && j["heartbeat_at"].is_string())
            return parse_iso8601(j["heartbeat_at"].get<std::string>());
    } catch (const nlohmann::json::exception&) {
    }
    return std::nullopt;
}

std::string describe(const DaemonLockInfo& l) {
    if (!l.holder) return "an unreadable daemon lock (" + l.key + ")";
    const auto& h = *l.holder;
    return "the daemon with pid " + std::to_string(h.pid) + " on " + h.host + " (running since " +
           format_iso8601(h.started_at) + ", lock " + l.key + ")";
}

}  // namespace

std::vector<DaemonLockInfo> list_daemon_locks(Storage& storage, const std::string& database) {
    std::vector<DaemonLockInfo> out;
    for (const auto& obj : storage.list(layout::daemon_locks_prefix(database))) {
        if (!obj.key.ends_with(".json")) continue;
        DaemonLockInfo l;
        l.key = obj.key;
        l.modified = obj.modified;
        try {
            const auto text = storage.get(obj.key);
            l.holder = Holder::parse(text);
            l.heartbeat = read_heartbeat(text);
        } catch (const NotFoundError&) {
            continue;
        }
        out.push_back(std::move(l));
    }
    return out;
}

bool daemon_lock_is_live(const DaemonLockInfo& lock, const HolderCheck& c) {
    if (lock.holder) {
        const auto& h = *lock.holder;
        const bool same_boot = h.boot_id.empty() || c.boot_id.empty() || h.boot_id == c.boot_id;
        if (h.host == c.host && same_boot) return holder_is_live(h, c);
    }
    // Another host, another boot, or unreadable: alive while the heartbeats keep coming.
    std::optional<SystemTime> seen = lock.heartbeat;
    if (lock.modified && (!seen || *lock.modified > *seen)) seen = lock.modified;
    if (!seen && lock.holder) seen = lock.holder->started_at;
    return seen && c.now - *seen <= kDaemonHeartbeatTimeout;
}

bool daemon_lock_precedes(const DaemonLockInfo& a, const DaemonLockInfo& b) {
    const auto at = a.holder ? a.holder->started_at : SystemTime::max();
    const auto bt = b.holder ? b.holder->started_at : SystemTime::max();
    if (at != bt) return at < bt;
    return a.key < b.key;
}

std::string DaemonLock::body(SystemTime heartbeat) const {
    auto j = nlohmann::json::parse(holder_.to_json());
    j["database"] = database_;
    j["heartbeat_at"] = format_iso8601(heartbeat, true);
    return j.dump(2) + "\n";
}

DaemonLock::DaemonLock(Storage& storage, const std::string& database)
    : storage_(storage), database_(database), holder_(Holder::this_process("daemon")) {
    key_ = layout::daemon_locks_prefix(database) + encode_db_component(holder_.host) + "-" +
           std::to_string(holder_.pid) + "-" + random_hex(8) + ".json";
    storage_.put(key_, body(std::chrono::system_clock::now()));
    try {
        const auto check =
            HolderCheck::for_this_host(std::chrono::system_clock::now(), kDaemonHeartbeatTimeout);
        std::optional<DaemonLockInfo> mine;
        std::vector<DaemonLockInfo> others;
        for (auto& l : list_daemon_locks(storage_, database)) {
            if (l.key == key_) {
                mine = l;
            } else if (daemon_lock_is_live(l, check)) {
                others.push_back(std::move(l));
            } else {
                spdlog::info("daemon: removing the lock of a daemon that is gone ({})", l.key);
                storage_.remove({l.key});
            }
        }
        if (!mine) throw StorageError("the daemon lock " + key_ + " vanished right after it was written");
        for (const auto& o : others) {
            if (!daemon_lock_precedes(o, *mine)) continue;
            throw Error("database " + database + " is already scheduled by " + describe(o) + " in " +
                        storage_.describe() +
                        "; two daemons would run every job twice. Stop the other daemon first, or give "
                        "this one another database (database.dbname); a daemon on another host that "
                        "died counts as running until " +
                        std::to_string(kDaemonHeartbeatTimeout.count() / 60) +
                        " minutes after its last heartbeat");
        }
    } catch (...) {
        try {
            storage_.remove({key_});
        } catch (const std::exception& e) {
            spdlog::warn("could not remove the daemon lock {}: {}", key_, redact::scrub(e.what()));
        }
        throw;
    }
}

DaemonLock::~DaemonLock() {
    try {
        storage_.remove({key_});
    } catch (const std::exception& e) {
        spdlog::warn(
            "could not remove the daemon lock {}: {}; the next daemon ignores it once its heartbeat "
            "is old",
            key_, redact::scrub(e.what()));
    } catch (const Cancelled&) {
        // Cancellation reached the cleanup itself: the next daemon judges the lock by its heartbeat.
    }
}

void DaemonLock::heartbeat() {
    storage_.put(key_, body(std::chrono::system_clock::now()));
}

}  // namespace pgark
