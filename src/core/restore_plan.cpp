// Restore plan values: modes, the schemas a schema-cascade restore replaces, the time estimate, steps.
#include "core/restore_plan.h"

#include <algorithm>
#include <set>

#include "util/units.h"

namespace pgark {

const char* to_string(RestoreMode m) {
    switch (m) {
        case RestoreMode::to_new:
            return "to-new";
        case RestoreMode::clean:
            return "clean";
        case RestoreMode::schema_cascade:
            return "schema-cascade";
    }
    return "?";
}

std::optional<RestoreMode> parse_restore_mode(const std::string& s) {
    if (s == "clean") return RestoreMode::clean;
    if (s == "schema-cascade") return RestoreMode::schema_cascade;
    if (s == "to-new") return RestoreMode::to_new;
    return std::nullopt;
}

std::vector<std::string> schemas_in_backup(const std::vector<TocObject>& toc) {
    std::set<std::string> out;
    for (const auto& e : toc) {
        if (e.desc == "SCHEMA") out.insert(e.tag);
        // Objects of extensions live where the extension puts them; public is the one schema a dump
        // uses without creating it.
        else if (e.schema == "public")
            out.insert("public");
    }
    return {out.begin(), out.end()};
}

std::optional<double> estimate_restore_seconds(double drill_seconds, std::uint64_t drill_raw_bytes,
                                               std::uint64_t raw_bytes) {
    if (drill_seconds <= 0) return std::nullopt;
    if (drill_raw_bytes == 0 || raw_bytes == 0) return drill_seconds;
    return drill_seconds * static_cast<double>(raw_bytes) / static_cast<double>(drill_raw_bytes);
}

void RestorePlan::build_steps() {
    steps.clear();
    steps.push_back({"download+validate",
                     units::format_size(stored_bytes) + " from the repository, " +
                         units::format_size(raw_bytes) +
                         " archive checked against the manifest before anything is changed",
                     false});
    if (destructive()) {
        steps.push_back({"safety backup",
                         safety_backup
                             ? "back up the current " + target_database + " into the repository"
                             : "SKIPPED (--no-safety-backup): the current data cannot be brought back",
                         false});
    }
    switch (mode) {
        case RestoreMode::to_new:
            if (!partial_from.empty())
                steps.push_back({"drop database",
                                 "DROP DATABASE " + target_database +
                                     ": the partial result of an unfinished restore (" + partial_from + ")",
                                 false});
            steps.push_back({"create database",
                             "CREATE DATABASE " + target_database + " (encoding, locale from the backup)",
                             false});
            break;
        case RestoreMode::clean:
            if (target_exists) {
                steps.push_back(
                    {"terminate connections", "every other session connected to " + target_database, true});
                steps.push_back({"drop database", "DROP DATABASE " + target_database, true});
            }
            steps.push_back({"create database",
                             "CREATE DATABASE " + target_database +
                                 (target_owner.empty() ? "" : " OWNER " + target_owner) +
                                 " (encoding, locale from the backup)" +
                                 (target_exists ? "" : ": it does not exist on this server yet"),
                             false});
            break;
        case RestoreMode::schema_cascade: {
            std::string list;
            for (const auto& s : schemas) list += (list.empty() ? "" : ", ") + s;
            steps.push_back({"drop schemas",
                             "DROP SCHEMA ... CASCADE in " + target_database + ": " +
                                 (list.empty() ? "(none)" : list) + "; other schemas are kept",
                             true});
            break;
        }
    }
    steps.push_back(
        {"restore", "pg_restore --jobs " + std::to_string(jobs) + " into " + target_database, false});
    steps.push_back({"verify", "level " + level + " against the backup, as a drill does", false});
}

}  // namespace pgark
