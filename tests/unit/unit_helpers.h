// Fixtures the unit suites share: a complete sample manifest, a minimal one, and config files written for the
// loader.
#pragma once

#include <sys/stat.h>

#include <fstream>
#include <string>

#include "config/config.h"
#include "core/manifest.h"
#include "util/error.h"
#include "util/temp.h"

namespace pgark::test {

// A valid manifest of a FreshTrack backup with every field set.
inline Manifest sample_manifest() {
    Manifest m;
    m.tool_version = "0.1.0";
    m.id = BackupId::make("freshtrack", *parse_iso8601("2026-01-24T02:00:00Z"));
    m.database = "freshtrack";
    m.server = "127.0.0.1:5432";
    m.server_version = "15.18";
    m.pg_dump_version = "15.18";
    m.started_at = *parse_iso8601("2026-01-24T02:00:00.250Z");
    m.finished_at = *parse_iso8601("2026-01-24T02:00:03.750Z");
    m.raw_bytes = 1000;
    m.stored_bytes = 100;
    m.sha256 = std::string(64, 'a');
    m.toc_entries = 32;
    m.encoding = "UTF8";
    m.tables = {{"public", "devices", 50, "00000000000000ff"},
                {"public", "sensor_readings", 3600, "0123456789abcdef"}};
    m.large_objects = 1;
    m.large_objects_hash = "0000000000000001";
    return m;
}

// A minimal valid manifest of a backup of `database` taken at `when` (the seq-th of that second).
inline Manifest manifest_of(const std::string& database, SystemTime when, int seq = 1) {
    Manifest m;
    m.tool_version = "test";
    m.id = BackupId::make(database, when, seq);
    m.database = database;
    m.server = "127.0.0.1:5432";
    m.server_version = "15.18";
    m.pg_dump_version = "15.18";
    m.started_at = when;
    m.finished_at = when + std::chrono::seconds(3);
    m.sha256 = std::string(64, 'a');
    m.encoding = "UTF8";
    return m;
}

// Writes `text` as the config file `name` in `d`, mode 0600 (no warning about secrets); returns its path.
inline std::string write_toml(const TempDir& d, const std::string& text, const char* name = "pgark.toml") {
    auto p = (d.path() / name).string();
    std::ofstream(p) << text;
    ::chmod(p.c_str(), 0600);
    return p;
}

// The UsageError message Config::load gives for `in`; "" when it loads.
inline std::string config_error_of(const config::Inputs& in) {
    try {
        config::Config::load(in);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

}  // namespace pgark::test
