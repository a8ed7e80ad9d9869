// The outcome of a restore drill as a value: phases with timings, per-table results, checks, and the
// measured restore time (the RTO a real restore would take). Stored as JSON under drills/<db>/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/verification.h"
#include "util/time.h"

namespace pgark {

// Verification levels (docs/drills.md), each including the previous.
enum class DrillLevel { archive = 0, schema = 1, rows = 2, content = 3 };
const char* to_string(DrillLevel l);
std::optional<DrillLevel> parse_drill_level(const std::string& s);

struct PhaseTiming {
    std::string name;  // "download+validate", "create database", "restore", "verify", "checks", "cleanup"
    double seconds = 0;
    bool ok = true;
    std::string detail;
};

struct TableResult {
    std::string schema, name;
    std::uint64_t expected_rows = 0;
    std::optional<std::uint64_t> actual_rows;
    std::string expected_hash;
    std::optional<std::string> actual_hash;
    bool ok = true;
    std::string detail;  // why it failed
};

struct DrillReport {
    static constexpr int kFormat = 1;
    std::string id;  // "<db>_YYYY-MM-DD_HH-MM-SS_<rand>"
    std::string backup_id;
    std::string database;
    std::string level = "content";
    std::string target;  // "host:port" the scratch database lived on
    std::string scratch_database;
    bool scratch_kept = false;  // --keep-on-failure left it for inspection
    SystemTime started_at{}, finished_at{};
    std::vector<PhaseTiming> phases;
    double restore_seconds = 0;  // download + restore: the measured RTO
    std::vector<TableResult> tables;
    std::vector<CheckResult>
        checks;         // archive checks, schema, sequences, large objects, amcheck, user checks
    bool ok = false;    // the backup's verdict; a failed cleanup does not change it
    std::string error;  // set when the drill stopped early
    // Whether the scratch database was dropped (true when there was none, or it was kept on purpose);
    // a leftover is swept by the next drill or `pgark drill --sweep`.
    bool cleanup_ok = true;
    std::string cleanup_error;

    std::size_t tables_mismatched() const;
    // The backup was restored into a scratch database (levels above archive, restore phase passed).
    // An archive-level drill only downloads and validates.
    bool restored() const;
    // Only a passed drill that restored measured a restore time: the RTO that status and metrics show.
    bool measures_rto() const { return ok && restored(); }
    std::string to_json() const;
    static DrillReport from_json(const std::string& text, const std::string& where);
};

}  // namespace pgark
