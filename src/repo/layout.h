// The repository layout: every key pgark reads or writes is named here and nowhere else (see
// docs/architecture.md, "Repository layout"). Logical backups and their drills belong to a database;
// WAL and physical backups (to come) belong to a cluster, named by its system identifier.
#pragma once

#include <cstdint>
#include <string>

#include "core/backup_id.h"
#include "core/manifest.h"

namespace pgark::layout {

// The marker that makes a location a repository.
inline constexpr const char* kMarker = "pgark.json";

// File names inside a logical backup's directory.
inline constexpr const char* kManifestName = "manifest.json";
inline constexpr const char* kArchiveName = Manifest::kArchiveName;

// Logical backups: "backups/<db>/<id>/{archive.pgdump.zst,manifest.json,claim-<nonce>.json}".
std::string backups_prefix();                                      // "backups/"
std::string database_backups_prefix(const std::string& database);  // "backups/<db>/"
std::string backup_dir(const BackupId& id);                        // "backups/<db>/<id>/"
std::string manifest_key(const BackupId& id);
std::string archive_key(const BackupId& id);
// A running backup's claim on its id: "backups/<db>/<id>/claim-<nonce>.json".
std::string claim_prefix(const BackupId& id);
std::string claim_key(const BackupId& id, const std::string& nonce);

// Drill reports: "drills/<db>/<drill id>.json" (the history of measured restore times).
std::string drills_prefix();                                      // "drills/"
std::string database_drills_prefix(const std::string& database);  // "drills/<db>/"
std::string drill_report_key(const std::string& database, const std::string& drill_id);
bool is_drill_report_key(const std::string& key);

// Locks of running drills and restores on a backup: "locks/<db>/<id>/<holder>.json".
std::string locks_prefix(const std::string& database);  // "locks/<db>/"
std::string lock_prefix(const BackupId& id);            // "locks/<db>/<id>/"

// A running daemon's claim on scheduling a database's jobs: "daemons/<db>/<holder>.json".
std::string daemon_locks_prefix(const std::string& database);

// The cluster dimension (WAL archiving and physical base backups):
// "clusters/<system identifier>/{cluster.json,wal/<timeline>/<segment>.zst,base/<id>/...}".
std::string cluster_prefix(std::uint64_t system_identifier);  // "clusters/<sysid>/"
std::string cluster_record_key(std::uint64_t system_identifier);
std::string wal_prefix(std::uint64_t system_identifier);           // "clusters/<sysid>/wal/"
std::string base_backups_prefix(std::uint64_t system_identifier);  // "clusters/<sysid>/base/"

}  // namespace pgark::layout
