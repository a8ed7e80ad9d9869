// The FreshTrack sample database (scripts/sample/freshtrack.sql) for integration tests.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "support/pg_cluster.h"

namespace pgark::test {

// Row counts freshtrack.sql produces; it is deterministic, so these are exact.
struct SampleCounts {
    std::int64_t devices = 50;
    std::int64_t sensor_readings = 3600;
    std::int64_t alerts = 120;
    std::map<std::string, std::int64_t> by_table() const {
        return {{"devices", devices}, {"sensor_readings", sensor_readings}, {"alerts", alerts}};
    }
};
SampleCounts freshtrack_counts();

// The newest sensor_readings.recorded_at, fixed so results never depend on the clock.
inline constexpr const char* kFreshtrackNewestReading = "2026-01-24 02:00:00+00";

std::string freshtrack_sql_path();

// Creates `db` if missing and (re)loads the sample into it: existing FreshTrack objects are replaced.
// Creates `db` if missing and runs the SQL file in it with psql (ON_ERROR_STOP) over the socket.
void load_sql_file(PgCluster& cluster, const std::string& db, const std::string& path);

void load_freshtrack(PgCluster& cluster, const std::string& db);

// Actual row counts of the FreshTrack tables in `db` (for comparing with freshtrack_counts()).
std::map<std::string, std::int64_t> table_counts(PgCluster& cluster, const std::string& db);

}  // namespace pgark::test
