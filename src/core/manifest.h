// The backup manifest (docs/architecture.md, "Repository layout"): written last, so its presence marks a
// complete backup.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/backup_id.h"
#include "util/time.h"

namespace pgark {

// Per-table facts taken from the archive's data while it streamed through pgark.
struct TableStats {
    std::string schema;
    std::string name;
    std::uint64_t rows = 0;
    std::string hash;  // CopyTextHasher sum, 16 hex digits
    bool operator==(const TableStats&) const = default;
};

struct Manifest {
    static constexpr int kFormat = 1;
    // The archive's file name, recorded in the manifest (repo/layout.h places it in the backup's directory).
    static constexpr const char* kArchiveName = "archive.pgdump.zst";

    int format = kFormat;
    std::string tool_version;
    BackupId id;
    std::string database;        // the real database name (the id holds a path-safe form)
    std::string server;          // "host:port" as configured, no credentials
    std::string server_version;  // "15.18"
    std::string pg_dump_version;
    SystemTime started_at{};
    SystemTime finished_at{};
    std::uint64_t raw_bytes = 0;     // pg_dump output
    std::uint64_t stored_bytes = 0;  // archive object as stored
    std::string sha256;              // of the stored object
    std::string compression = "zstd";
    int compression_level = 3;
    std::uint64_t toc_entries = 0;
    std::string encoding;
    std::string timezone =
        "UTC";  // session TimeZone pg_dump ran with (COPY text of timestamptz depends on it)
    std::vector<TableStats> tables;
    std::uint64_t large_objects = 0;
    std::string large_objects_hash;
    // Why the backup was taken: "" for a backup, kSafetyPurpose for the one a destructive restore takes
    // of its target first (listed as such; it does not make `status` judge a database nobody schedules).
    std::string purpose;
    static constexpr const char* kSafetyPurpose = "safety";
    bool is_safety_backup() const { return purpose == kSafetyPurpose; }
    // False for a manifest written before pgark recorded large objects: nothing to check them against.
    bool large_objects_recorded = true;

    double duration_seconds() const;
    // Rows in all tables of the backup.
    std::uint64_t total_rows() const;
    std::string to_json() const;
    // Throws VerifyError naming `where` when the text is not a valid manifest, and Error when its
    // format is newer than this pgark understands.
    static Manifest from_json(const std::string& text, const std::string& where);
};

}  // namespace pgark
