// Backup locks: a drill or restore reading a backup holds locks/<db>/<backup id>/<holder>.json so that
// `pgark prune` leaves that backup alone; and the rules deciding whether the process behind a lock
// (or behind a backup's id claim) may still be running. See docs/adr/0006-prune-and-locks.md.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/backup_id.h"
#include "repo/repository.h"
#include "storage/storage.h"
#include "util/time.h"

namespace pgark {

// Who wrote a lock or a claim. Claims written by `pgark backup` carry only host, pid and started_at.
struct Holder {
    std::string host;
    long pid = 0;
    std::string command;  // "drill", "restore"; empty for claims
    SystemTime started_at{};
    // Identify the process across pid reuse: the kernel's boot id and the process's start time in
    // clock ticks since boot (/proc/PID/stat field 22). Empty/nullopt when unknown.
    std::string boot_id;
    std::optional<unsigned long long> start_ticks;

    std::string to_json() const;
    // nullopt for anything that is not a JSON object with at least host, pid and started_at.
    static std::optional<Holder> parse(const std::string& json);
    static Holder this_process(const std::string& command);
};

// What a process lookup on this host found.
struct ProcessProbe {
    bool exists = false;                            // kill(pid, 0) succeeded or failed with EPERM
    std::optional<unsigned long long> start_ticks;  // when readable from /proc
};

// Everything the liveness decision depends on, so that it is a pure function.
struct HolderCheck {
    std::string host;     // this host's name
    std::string boot_id;  // this boot's id ("" when unknown)
    SystemTime now{};
    std::chrono::seconds foreign_after{0};  // drill.sweep_after
    std::function<ProcessProbe(long pid)> probe;

    // This host, this boot, the real process table.
    static HolderCheck for_this_host(SystemTime now, std::chrono::seconds foreign_after);
};

// True while the holder may still be running:
// - on this host (same host name and boot): while a process with its pid exists and, when both
//   start times are known, started when the holder did (a reused pid is not the holder);
// - on another host, or on this host before a reboot (or another machine with the same name): until
//   `foreign_after` has passed since it started, as its process cannot be checked from here.
// A SIGKILLed drill's lock is thus ignored at once on its own host and expires elsewhere.
bool holder_is_live(const Holder& h, const HolderCheck& c);

struct LockInfo {
    std::string key;               // "locks/<db>/<id>/<holder>.json"
    std::string backup_id;         // the directory name, "<db>_YYYY-MM-DD_HH-MM-SS"
    std::optional<Holder> holder;  // nullopt when unreadable
    std::optional<SystemTime> modified;
};

// Every lock under `prefix` (layout::locks_prefix or layout::lock_prefix). A lock that vanished
// between listing and reading (its drill just ended) is left out.
std::vector<LockInfo> list_locks(Storage& storage, const std::string& prefix);

// An unreadable lock counts as held by another host since its modification time: it expires but is
// never judged dead on a guess.
bool lock_is_live(const LockInfo& lock, const HolderCheck& c);

// An RAII owner of one lock object.
class BackupLock {
  public:
    // Writes the lock object; throws StorageError when it cannot.
    BackupLock(Storage& storage, const BackupId& id, const std::string& command);
    // Removes it, also while unwinding after Ctrl-C; a failure is only logged (the lock then goes
    // stale and prune removes it).
    ~BackupLock();
    BackupLock(const BackupLock&) = delete;
    BackupLock& operator=(const BackupLock&) = delete;

    const std::string& key() const { return key_; }

  private:
    Storage& storage_;
    std::string key_;
};

// Locks backup `id` for `command` ("drill", "restore"), then checks that its manifest still exists: a
// prune may have removed the backup between resolving it and locking it. Throws Error when it is
// gone (and removes the lock again).
std::unique_ptr<BackupLock> lock_backup(Repository& repo, const BackupId& id, const std::string& command);

}  // namespace pgark
