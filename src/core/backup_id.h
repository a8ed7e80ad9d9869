// Backup identifiers: "<db>_YYYY-MM-DD_HH-MM-SS" in UTC, with "-N" appended when a second backup of
// the same database starts within the same second. The database part is path-safe by construction.
#pragma once

#include <compare>
#include <cstddef>
#include <optional>
#include <string>

#include "util/time.h"

namespace pgark {

class BackupId {
  public:
    // The longest text the format allows: a 201-character database component (a 63-byte name with
    // every byte escaped takes 189), "_YYYY-MM-DD_HH-MM-SS" and "-NNNNNN".
    static constexpr std::size_t kMaxLength = 201 + 20 + 7;

    BackupId() = default;
    // Builds the id for a backup of `database` started at `when`; `sequence` > 1 adds "-N".
    static BackupId make(const std::string& database, SystemTime when, int sequence = 1);
    // Parses user input strictly; nullopt for anything else: path traversal attempts, control characters,
    // over-long text, and database components that encode_db_component would not have produced.
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
// The database name a component stands for; nullopt unless `component` is exactly what
// encode_db_component produces for it (so every database has one spelling, one directory) and the
// name could exist (not empty, no NUL byte).
std::optional<std::string> decode_db_component(const std::string& component);

}  // namespace pgark
