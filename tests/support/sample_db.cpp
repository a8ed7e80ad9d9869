// Loading the FreshTrack sample through psql, exactly as an operator (or the demo script) would.
#include "support/sample_db.h"

#include <sstream>
#include <stdexcept>

#include "support/pgark_cli.h"
#include "support/test_paths.h"

namespace pgark::test {

SampleCounts freshtrack_counts() {
    return SampleCounts{};
}

std::string freshtrack_sql_path() {
    return source_dir() + "/scripts/sample/freshtrack.sql";
}

void load_sql_file(PgCluster& cluster, const std::string& db, const std::string& path) {
    if (!cluster.database_exists(db)) cluster.create_database(db);
    ProcessSpec spec;
    spec.program = PgCluster::bin("psql");
    spec.args = {"-X", "-q",
                 "-v", "ON_ERROR_STOP=1",
                 "-h", cluster.socket_dir(),
                 "-p", std::to_string(cluster.port()),
                 "-U", cluster.superuser(),
                 "-d", db,
                 "-f", path};
    CliResult r = run_hermetic(spec, std::nullopt, std::chrono::seconds(300));
    if (r.exit_code != 0)
        throw std::runtime_error("loading " + path + " into '" + db + "' failed: " + r.describe());
}

void load_freshtrack(PgCluster& cluster, const std::string& db) {
    load_sql_file(cluster, db, freshtrack_sql_path());
}

std::map<std::string, std::int64_t> table_counts(PgCluster& cluster, const std::string& db) {
    std::string out = cluster.psql(
        "SELECT 'devices', count(*) FROM devices UNION ALL "
        "SELECT 'sensor_readings', count(*) FROM sensor_readings UNION ALL "
        "SELECT 'alerts', count(*) FROM alerts",
        db);
    std::map<std::string, std::int64_t> counts;
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
        auto bar = line.find('|');
        if (bar == std::string::npos) continue;
        counts[line.substr(0, bar)] = std::stoll(line.substr(bar + 1));
    }
    return counts;
}

}  // namespace pgark::test
