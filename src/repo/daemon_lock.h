// The daemon lock: a running `pgark daemon` holds daemons/<db>/<holder>.json for the database whose
// jobs it schedules, and refreshes it every minute, so that a second daemon (on this host or another)
// refuses to schedule the same jobs instead of running every backup and drill twice.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "repo/backup_lock.h"
#include "storage/storage.h"
#include "util/time.h"

namespace pgark {

// How long a daemon on another host (or before a reboot) counts as running after its last heartbeat.
inline constexpr std::chrono::seconds kDaemonHeartbeatTimeout{300};
// How often a running daemon refreshes its lock.
inline constexpr std::chrono::seconds kDaemonHeartbeatInterval{60};

struct DaemonLockInfo {
    std::string key;
    std::optional<Holder> holder;         // nullopt: unreadable
    std::optional<SystemTime> heartbeat;  // written by the holder; falls back to the object's time
    std::optional<SystemTime> modified;
};

// Every daemon lock of `database`; one removed while listing is left out.
std::vector<DaemonLockInfo> list_daemon_locks(Storage& storage, const std::string& database);

// True while the daemon behind `lock` may still be running: on this host, while its process exists
// (and started when it did); elsewhere, until kDaemonHeartbeatTimeout after its last heartbeat.
bool daemon_lock_is_live(const DaemonLockInfo& lock, const HolderCheck& c);

// Of two live daemons, the one that started first keeps the database (ties: the smaller key), so
// two daemons starting at once settle on exactly one.
bool daemon_lock_precedes(const DaemonLockInfo& a, const DaemonLockInfo& b);

class DaemonLock {
  public:
    // Writes this daemon's lock for `database`, removes the locks of daemons that are gone, and throws
    // Error (removing its own lock again) when another live daemon already schedules the database.
    DaemonLock(Storage& storage, const std::string& database);
    // Removes the lock; a failure is only logged (the next daemon judges it by its heartbeat).
    ~DaemonLock();
    DaemonLock(const DaemonLock&) = delete;
    DaemonLock& operator=(const DaemonLock&) = delete;

    // Rewrites the lock with a new heartbeat; throws StorageError when it cannot.
    void heartbeat();
    const std::string& key() const { return key_; }
    const std::string& database() const { return database_; }

  private:
    std::string body(SystemTime heartbeat) const;

    Storage& storage_;
    std::string database_;
    Holder holder_;
    std::string key_;
};

}  // namespace pgark
