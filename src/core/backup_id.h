// Backup identifiers: "<db>_YYYY-MM-DD_HH-MM-SS" in UTC, with "-N" appended when a second backup of
// the same database starts within the same second. The database part is path-safe by construction.
#pragma once

#include <compare>
#include <optional>
#include <string>

#include "util/time.h"

namespace pgark {

class BackupId {
public:
    BackupId() = default;
    // Builds the id for a backup of `database` started at `when`; `sequence` > 1 adds "-N".
    static BackupId make(const std::string& database, SystemTime when, int sequence = 1);
    // Parses user input strictly; nullopt for anything else (including path traversal attempts).
    static std::optional<BackupId> parse(const std::string& text);

    const std::string& str() const { return text_; }
    // The path-safe database component ("freshtrack", "my%20db").
    const std::string& db_component() const { return db_; }
    SystemTime time() const { return time_; }
    int sequence() const { return seq_; }

    // Chronological, then by sequence: the order backups were taken.
    std::strong_ordering operator<=>(const BackupId& o) const;
    bool operator==(const BackupId& o) const { return text_ == o.text_; }

private:
    std::string text_, db_;
    SystemTime time_{};
    int seq_ = 1;
};

// Encodes a database name as one safe path component: [A-Za-z0-9_.-] kept (no leading '.'),
// everything else as %XX. Injective, so distinct databases never share a directory.
std::string encode_db_component(const std::string& database);

}  // namespace pgark
