// Backup locks and the liveness of their holders.
#include "repo/backup_lock.h"

#include <signal.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/manifest.h"
#include "util/error.h"
#include "util/host.h"
#include "util/proc_stat.h"
#include "util/random.h"
#include "util/redact.h"

namespace pgark {
namespace {

std::string read_boot_id() {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    std::getline(in, id);
    return id;
}

std::optional<unsigned long long> process_start_ticks(long pid) {
    auto s = read_proc_stat(static_cast<pid_t>(pid));
    if (!s || s->start_ticks == 0) return std::nullopt;
    return s->start_ticks;
}

ProcessProbe probe_process(long pid) {
    ProcessProbe p;
    if (pid <= 0) return p;
    p.exists = ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
    if (p.exists) p.start_ticks = process_start_ticks(pid);
    return p;
}

}  // namespace

std::string Holder::to_json() const {
    nlohmann::json j = {{"host", host},
                        {"pid", pid},
                        {"command", command},
                        {"started_at", format_iso8601(started_at, true)},
                        {"boot_id", boot_id}};
    if (start_ticks) j["start_ticks"] = *start_ticks;
    return j.dump(2) + "\n";
}

std::optional<Holder> Holder::parse(const std::string& text) {
    try {
        auto j = nlohmann::json::parse(text);
        if (!j.is_object() || !j.contains("host") || !j.contains("pid") || !j.contains("started_at"))
            return std::nullopt;
        Holder h;
        h.host = j.at("host").get<std::string>();
        h.pid = j.at("pid").get<long>();
        auto started = parse_iso8601(j.at("started_at").get<std::string>());
        if (!started) return std::nullopt;
        h.started_at = *started;
        h.command = j.value("command", "");
        h.boot_id = j.value("boot_id", "");
        if (j.contains("start_ticks") && j["start_ticks"].is_number_unsigned())
            h.start_ticks = j["start_ticks"].get<unsigned long long>();
        return h;
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
}

Holder Holder::this_process(const std::string& command) {
    Holder h;
    h.host = host_name();
    h.pid = static_cast<long>(getpid());
    h.command = command;
    h.started_at = std::chrono::system_clock::now();
    h.boot_id = read_boot_id();
    h.start_ticks = process_start_ticks(h.pid);
    return h;
}

HolderCheck HolderCheck::for_this_host(SystemTime now, std::chrono::seconds foreign_after) {
    return {host_name(), read_boot_id(), now, foreign_after, probe_process};
}

bool holder_is_live(const Holder& h, const HolderCheck& c) {
    const bool same_boot = h.boot_id.empty() || c.boot_id.empty() || h.boot_id == c.boot_id;
    if (h.host != c.host || !same_boot) return c.now - h.started_at <= c.foreign_after;
    if (h.pid <= 0) return false;
    const ProcessProbe p = c.probe(h.pid);
    if (!p.exists) return false;
    if (h.start_ticks && p.start_ticks && *h.start_ticks != *p.start_ticks) return false;  // pid reused
    return true;
}

std::vector<LockInfo> list_locks(Storage& storage, const std::string& prefix) {
    std::vector<LockInfo> out;
    for (const auto& obj : storage.list(prefix)) {
        // locks/<db>/<id>/<holder>.json
        const auto last = obj.key.rfind('/');
        if (last == std::string::npos || last == 0) continue;
        const auto before = obj.key.rfind('/', last - 1);
        if (before == std::string::npos) continue;
        LockInfo l;
        l.key = obj.key;
        l.backup_id = obj.key.substr(before + 1, last - before - 1);
        l.modified = obj.modified;
        try {
            l.holder = Holder::parse(storage.get(obj.key));
        } catch (const NotFoundError&) {
            continue;  // released while we listed
        }
        out.push_back(std::move(l));
    }
    return out;
}

bool lock_is_live(const LockInfo& lock, const HolderCheck& c) {
    if (lock.holder) return holder_is_live(*lock.holder, c);
    Holder unknown;
    unknown.host = "?";  // never this host: judged by age
    unknown.started_at = lock.modified.value_or(c.now);
    return holder_is_live(unknown, c);
}

BackupLock::BackupLock(Storage& storage, const BackupId& id, const std::string& command) : storage_(storage) {
    const Holder h = Holder::this_process(command);
    key_ = layout::lock_prefix(id) + encode_db_component(h.host) + "-" + std::to_string(h.pid) + "-" +
           random_hex(8) + ".json";
    storage_.put(key_, h.to_json());
    spdlog::debug("locked backup {} for {} ({})", id.str(), command, key_);
}

BackupLock::~BackupLock() {
    try {
        storage_.remove({key_});
    } catch (const std::exception& e) {
        spdlog::warn("could not remove backup lock {}: {}; `pgark prune` removes it once it is stale", key_,
                     redact::scrub(e.what()));
    } catch (const Cancelled&) {
        // Cancellation reached the cleanup itself: the next run sweeps what is left.
    }
}

std::unique_ptr<BackupLock> lock_backup(Repository& repo, const BackupId& id, const std::string& command) {
    std::unique_ptr<BackupLock> lock;
    try {
        lock = std::make_unique<BackupLock>(repo.storage(), id, command);
    } catch (const StorageError& e) {
        // The storage error says what failed (a full or read-only filesystem, missing permissions); say
        // what it means for this command. verify goes on without the lock and words its own warning.
        std::string why = "cannot lock backup " + id.str() + " in " + repo.describe() + " for this " +
                          command + ": " + e.what();
        if (command != "verify") {
            const std::string report = command == "drill" ? ", and stores its report there" : "";
            why += "\na " + command + " writes a lock into the repository so that `pgark prune` leaves the " +
                   "backup alone while it reads it" + report +
                   ", so it needs write access to the repository (nothing was restored); `pgark verify` " +
                   "checks a backup with read-only access";
        }
        throw StorageError(why);
    }
    if (!repo.storage().stat(layout::manifest_key(id)))
        throw Error("backup " + id.str() + " was removed from " + repo.describe() +
                    " (by `pgark prune`?) while this " + command +
                    " was starting; choose another backup (`pgark list`) and run the " + command + " again");
    return lock;
}

}  // namespace pgark
