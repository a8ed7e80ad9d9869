// Repository marker, listing and id reservation.
#include "repo/repository.h"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "util/error.h"
#include "util/random.h"

namespace pgark {

using nlohmann::json;

namespace {

// Text from a command line or a manifest echoed in a message: control characters escaped (an id with
// a newline must not forge a second log line) and cut short (ids are at most BackupId::kMaxLength).
std::string printable(const std::string& text) {
    constexpr std::size_t kShown = 80;
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (out.size() >= kShown && (c & 0xC0) != 0x80) {
            out += "... (" + std::to_string(text.size()) + " bytes)";
            break;
        }
        if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02X", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

}  // namespace

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
    const std::string prefix =
        database ? layout::database_backups_prefix(*database) : layout::backups_prefix();
    std::vector<Manifest> out;
    for (const auto& obj : storage_->list(prefix)) {
        // backups/<db>/<id>/manifest.json
        auto slash = obj.key.rfind('/');
        if (slash == std::string::npos || obj.key.substr(slash + 1) != layout::kManifestName) continue;
        auto dir = obj.key.substr(0, slash);
        auto id_text = dir.substr(dir.rfind('/') + 1);
        auto id = BackupId::parse(id_text);
        if (!id || layout::manifest_key(*id) != obj.key) {
            // Not where pgark puts manifests (moved, copied, or a crafted path): no backup's.
            if (problems)
                problems->push_back(describe() + "/" + obj.key +
                                    " is not in a backup's directory (backups/<db>/<id>/); pgark ignores it");
            continue;
        }
        try {
            auto m = read_manifest(*id);
            if (database && m.database != *database) continue;
            out.push_back(std::move(m));
        } catch (const NotFoundError&) {
            continue;  // removed (by prune) since the listing: no longer a backup
        } catch (const StorageError&) {
            // The storage failed, not the manifest: skipping it would present the other backups as the
            // whole story, and make "latest" quietly an older backup.
            throw;
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
    return read_manifest(id);
}

Manifest Repository::read_manifest(const BackupId& id) {
    const auto key = layout::manifest_key(id);
    const auto where = describe() + "/" + key;
    auto m = Manifest::from_json(storage_->get(key), where);
    // Everything else pgark derives from a backup (the archive, its locks, drill reports, the database
    // a drill or restore connects to) comes from the id and the database name: both must be the ones
    // its location says, or an edited manifest could make pgark act on another backup or database.
    const std::string refuse =
        "; the manifest was edited or copied from elsewhere, so pgark refuses to use it: put the backup's "
        "own "
        "manifest.json back, or remove " +
        describe() + "/" + layout::backup_dir(id);
    if (m.id != id)
        throw VerifyError(where + ": manifest id '" + printable(m.id.str()) +
                          "' does not match its location (" + id.str() + ")" + refuse);
    if (m.database.empty() || m.database.find('\0') != std::string::npos ||
        encode_db_component(m.database) != id.db_component())
        throw VerifyError(where + ": manifest database '" + printable(m.database) +
                          "' does not match its location (backups/" + id.db_component() + "/)" + refuse);
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
    const std::string prefix = layout::database_backups_prefix(database);
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
    if (id_or_latest == "latest") {
        std::vector<std::string> problems;
        auto all = list_backups(database, &problems);
        // A damaged or edited newest manifest must not silently turn "latest" into an older backup.
        for (const auto& p : problems) spdlog::warn("not a candidate for 'latest': {}", p);
        if (all.empty())
            throw Error("no backups" + (database ? " of database " + *database : std::string()) + " in " +
                        describe() + "; take one with `pgark backup`");
        return all.back();
    }
    // An empty id (an unset shell variable) must not mean "latest": with no database given that is the
    // newest backup of any database, and restore would replace a database with it.
    if (id_or_latest.empty())
        throw UsageError(
            "the backup id is empty; pass an id (DB_YYYY-MM-DD_HH-MM-SS) or 'latest' (`pgark list` "
            "shows the ids)");
    auto id = BackupId::parse(id_or_latest);
    if (!id)
        throw UsageError(
            "'" + printable(id_or_latest) +
            "' is not a backup id: ids look like DB_YYYY-MM-DD_HH-MM-SS (a name inside the "
            "repository, never a path) or 'latest'; `pgark list` shows them. Nothing was read or "
            "changed");
    return load_manifest(*id);
}

Repository::Reservation Repository::reserve_backup_id(const std::string& database, SystemTime now,
                                                      const std::string& owner_info) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    // A name longer than PostgreSQL allows (a server built with a larger NAMEDATALEN) would give an id
    // that list and resolve cannot read back: an invisible backup. Refuse before writing anything.
    if (!BackupId::parse(BackupId::make(database, now, 999).str()))
        throw UsageError(
            "the database name '" + printable(database) + "' (" + std::to_string(database.size()) +
            " bytes) cannot name a backup: it is empty, holds a NUL byte or is too long (any name of "
            "up to 63 bytes, PostgreSQL's limit, fits); give the name as the server reports it "
            "(SELECT current_database())");
    for (int seq = 1; seq < 1000; ++seq) {
        auto id = BackupId::make(database, now, seq);
        if (storage_->stat(layout::manifest_key(id))) continue;
        if (!storage_->list(layout::claim_prefix(id)).empty()) continue;
        // Claim, then look: the claim wins only if it is the only one. Two claimants that both see
        // each other both retreat; one that listed before the other's claim existed wins, and the
        // other then sees its claim. Needs only read-after-write consistent PUT and LIST.
        auto claim = layout::claim_key(id, random_hex(16));
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
