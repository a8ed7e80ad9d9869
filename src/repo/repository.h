// A pgark repository on some Storage: the marker (keys: repo/layout.h), listing
// backups (a backup without a manifest is incomplete and invisible) and reserving new backup ids.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/manifest.h"
#include "repo/layout.h"
#include "storage/storage.h"

namespace pgark {

class Repository {
  public:
    static constexpr int kFormat = 1;

    // Creates the marker. Returns false when the location already is a repository (left untouched).
    static bool init(Storage& storage);
    // Opens an existing repository; throws Error (exit 1) for a location that is not one (saying how
    // to create it) or whose format is newer than this pgark.
    static Repository open(std::unique_ptr<Storage> storage);

    Storage& storage() { return *storage_; }
    std::string describe() const { return storage_->describe(); }

    // Complete backups (with a valid manifest), oldest first; `database` filters by real db name.
    // Damaged manifests, manifests whose id or database does not match their location, and manifests
    // outside a backup's directory are skipped and reported in `problems` when given. A manifest the
    // storage fails to read throws its StorageError: the listing would be incomplete.
    std::vector<Manifest> list_backups(const std::optional<std::string>& database = std::nullopt,
                                       std::vector<std::string>* problems = nullptr);
    // Resolves "latest" (newest complete backup, of `database` if given) or an exact id.
    // Throws UsageError for malformed or empty ids and Error for unknown ones; VerifyError for a
    // manifest whose id or database does not match its location.
    Manifest resolve(const std::string& id_or_latest,
                     const std::optional<std::string>& database = std::nullopt);
    Manifest load_manifest(const BackupId& id);

    // A backup directory as stored, complete or not (what `pgark prune` judges).
    struct StoredBackup {
        BackupId id;
        std::vector<ObjectInfo> objects;  // everything listed under backups/<db>/<id>/
        bool has_manifest() const;
        std::uint64_t bytes() const;
    };
    // Every backup directory of `database`, oldest first. Objects that are not inside a directory named
    // by a backup id of this database are no backup's and are left out, reported in `problems`.
    std::vector<StoredBackup> list_stored_backups(const std::string& database,
                                                  std::vector<std::string>* problems = nullptr);

    struct Reservation {
        BackupId id;
        std::string claim_key;  // remove it when the backup completes or fails
    };
    // Reserves a fresh id for a backup of `database` starting now: never the id of an existing or
    // running backup, also when two backups start in the same second, on any storage (S3 servers
    // without conditional writes included; see docs/adr/0004).
    Reservation reserve_backup_id(const std::string& database, SystemTime now, const std::string& owner_info);

  private:
    explicit Repository(std::unique_ptr<Storage> s) : storage_(std::move(s)) {}
    // Reads and checks the manifest at the location of `id`; throws VerifyError naming it when the
    // manifest's id or database is not the one its location says (edited, or copied from elsewhere).
    Manifest read_manifest(const BackupId& id);
    std::unique_ptr<Storage> storage_;
};

}  // namespace pgark
