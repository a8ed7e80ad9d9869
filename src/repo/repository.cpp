// Repository marker, listing and id reservation.
#include "repo/repository.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "util/error.h"

namespace pgark {

using nlohmann::json;

bool Repository::init(Storage& storage) {
    json marker = {{"format", kFormat},
                   {"created_at", format_iso8601(std::chrono::system_clock::now())},
                   {"created_by", std::string("pgark ") + PGARK_VERSION}};
    return storage.put_if_absent(layout::kMarker, marker.dump(2) + "\n");
}

Repository Repository::open(std::unique_ptr<Storage> storage) {
    std::string where = storage->describe();
    if (!storage->stat(layout::kMarker))
        throw Error(where + " is not a pgark repository (no " + layout::kMarker +
                    "); create one with: pgark init --repo " + where);
    json marker;
    try {
        marker = json::parse(storage->get(layout::kMarker));
    } catch (const json::exception&) {
        throw Error(where + "/" + layout::kMarker + " is not valid JSON; the repository marker is damaged");
    }
    int format = marker.value("format", 0);
    if (format > kFormat)
        throw Error(where + " has repository format " + std::to_string(format) +
                    ", newer than this pgark supports (" + std::to_string(kFormat) + "); upgrade pgark");
    if (format < 1)
        throw Error(where + "/" + layout::kMarker + " has no valid format version; the marker is damaged");
    return Repository(std::move(storage));
}

std::vector<Manifest> Repository::list_backups(const std::optional<std::string>& database,
                                               std::vector<std::string>* problems) {
    std::string prefix = layout::backups_prefix();
    if (database) prefix += encode_db_component(*database) + "/";
    std::vector<Manifest> out;
    for (const auto& obj : storage_->list(prefix)) {
        // backups/<db>/<id>/manifest.json
        auto slash = obj.key.rfind('/');
        if (slash == std::string::npos || obj.key.substr(slash + 1) != Manifest::kManifestName) continue;
        auto dir = obj.key.substr(0, slash);
        auto id_text = dir.substr(dir.rfind('/') + 1);
        auto id = BackupId::parse(id_text);
        if (!id || layout::manifest_key(*id) != obj.key) continue;
        try {
            auto m = Manifest::from_json(storage_->get(obj.key), obj.key);
            if (m.id != *id)
                throw VerifyError(obj.key + ": manifest id " + m.id.str() + " does not match its location");
            if (database && m.database != *database) continue;
            out.push_back(std::move(m));
        } catch (const Error& e) {
            if (problems) problems->push_back(e.what());
        }
    }
    std::sort(out.begin(), out.end(), [](const Manifest& a, const Manifest& b) { return a.id < b.id; });
    return out;
}

Manifest Repository::load_manifest(const BackupId& id) {
    auto key = layout::manifest_key(id);
    if (!storage_->stat(key)) {
        std::string state =
            storage_->list(layout::backup_dir(id)).empty() ? "" : " (it is incomplete: no manifest)";
        throw Error("backup " + id.str() + " not found in " + describe() + state +
                    "; `pgark list` shows the backups");
    }
    auto m = Manifest::from_json(storage_->get(key), key);
    if (m.id != id) throw VerifyError(key + ": manifest id " + m.id.str() + " does not match its location");
    return m;
}

bool Repository::StoredBackup::has_manifest() const {
    const auto key = layout::manifest_key(id);
    return std::any_of(objects.begin(), objects.end(), [&](const ObjectInfo& o) { return o.key == key; });
}

std::uint64_t Repository::StoredBackup::bytes() const {
    std::uint64_t n = 0;
    for (const auto& o : objects) n += o.size;
    return n;
}

std::vector<Repository::StoredBackup> Repository::list_stored_backups(const std::string& database,
                                                                      std::vector<std::string>* problems) {
    const std::string prefix = layout::backups_prefix() + encode_db_component(database) + "/";
    std::map<std::string, StoredBackup> dirs;
    for (auto& obj : storage_->list(prefix)) {
        // backups/<db>/<id>/<name>
        const auto rest = obj.key.substr(prefix.size());
        const auto slash = rest.find('/');
        std::optional<BackupId> id;
        if (slash != std::string::npos) id = BackupId::parse(rest.substr(0, slash));
        if (!id || obj.key.compare(0, layout::backup_dir(*id).size(), layout::backup_dir(*id)) != 0) {
            if (problems)
                problems->push_back(describe() + "/" + obj.key +
                                    " is not inside a backup's directory; pgark leaves it alone");
            continue;
        }
        auto& d = dirs[id->str()];
        d.id = *id;
        d.objects.push_back(std::move(obj));
    }
    std::vector<StoredBackup> out;
    for (auto& [name, d] : dirs) out.push_back(std::move(d));
    std::sort(out.begin(), out.end(),
              [](const StoredBackup& a, const StoredBackup& b) { return a.id < b.id; });
    return out;
}

Manifest Repository::resolve(const std::string& id_or_latest, const std::optional<std::string>& database) {
    if (id_or_latest == "latest" || id_or_latest.empty()) {
        auto all = list_backups(database);
        if (all.empty())
            throw Error("no backups" + (database ? " of database " + *database : std::string()) + " in " +
                        describe() + "; take one with `pgark backup`");
        return all.back();
    }
    auto id = BackupId::parse(id_or_latest);
    if (!id)
        throw UsageError(
            "'" + id_or_latest +
            "' is not a backup id (expected DB_YYYY-MM-DD_HH-MM-SS or 'latest'); `pgark list` shows them");
    return load_manifest(*id);
}

Repository::Reservation Repository::reserve_backup_id(const std::string& database, SystemTime now,
                                                      const std::string& owner_info) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    for (int seq = 1; seq < 1000; ++seq) {
        auto id = BackupId::make(database, now, seq);
        if (storage_->stat(layout::manifest_key(id))) continue;
        if (!storage_->list(layout::claim_prefix(id)).empty()) continue;
        // Claim, then look: the claim wins only if it is the only one. Two claimants that both see
        // each other both retreat; one that listed before the other's claim existed wins, and the
        // other then sees its claim. Needs only read-after-write consistent PUT and LIST.
        char nonce[20];
        std::snprintf(nonce, sizeof nonce, "%016llx", static_cast<unsigned long long>(rng()));
        auto claim = layout::claim_key(id, nonce);
        storage_->put(claim, owner_info);
        auto claims = storage_->list(layout::claim_prefix(id));
        if (claims.size() == 1 && claims[0].key == claim && !storage_->stat(layout::manifest_key(id)))
            return {id, claim};
        storage_->remove({claim});
        std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 100));
    }
    throw Error("cannot reserve a backup id for " + database + " in " + describe() +
                ": too many backups this second");
}

}  // namespace pgark
