// Key construction for the repository layout of repo/layout.h.
#include "repo/layout.h"

namespace pgark::layout {

std::string backups_prefix() {
    return "backups/";
}
std::string database_backups_prefix(const std::string& database) {
    return backups_prefix() + encode_db_component(database) + "/";
}
std::string backup_dir(const BackupId& id) {
    return backups_prefix() + id.db_component() + "/" + id.str() + "/";
}
std::string manifest_key(const BackupId& id) {
    return backup_dir(id) + kManifestName;
}
std::string archive_key(const BackupId& id) {
    return backup_dir(id) + kArchiveName;
}
std::string claim_prefix(const BackupId& id) {
    return backup_dir(id) + "claim-";
}
std::string claim_key(const BackupId& id, const std::string& nonce) {
    return claim_prefix(id) + nonce + ".json";
}

std::string drills_prefix() {
    return "drills/";
}
std::string database_drills_prefix(const std::string& database) {
    return drills_prefix() + encode_db_component(database) + "/";
}
std::string drill_report_key(const std::string& database, const std::string& drill_id) {
    return database_drills_prefix(database) + drill_id + ".json";
}
bool is_drill_report_key(const std::string& key) {
    return key.starts_with(drills_prefix()) && key.ends_with(".json");
}

std::string locks_prefix(const std::string& database) {
    return "locks/" + encode_db_component(database) + "/";
}
std::string lock_prefix(const BackupId& id) {
    return "locks/" + id.db_component() + "/" + id.str() + "/";
}

std::string daemon_locks_prefix(const std::string& database) {
    return "daemons/" + encode_db_component(database) + "/";
}

std::string cluster_prefix(std::uint64_t system_identifier) {
    return "clusters/" + std::to_string(system_identifier) + "/";
}
std::string cluster_record_key(std::uint64_t system_identifier) {
    return cluster_prefix(system_identifier) + "cluster.json";
}
std::string wal_prefix(std::uint64_t system_identifier) {
    return cluster_prefix(system_identifier) + "wal/";
}
std::string base_backups_prefix(std::uint64_t system_identifier) {
    return cluster_prefix(system_identifier) + "base/";
}

}  // namespace pgark::layout
