// DrillReport (de)serialisation.
#include "core/drill_report.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "util/error.h"

namespace pgark {

using nlohmann::json;

const char* to_string(DrillLevel l) {
    switch (l) {
        case DrillLevel::archive:
            return "archive";
        case DrillLevel::schema:
            return "schema";
        case DrillLevel::rows:
            return "rows";
        case DrillLevel::content:
            return "content";
    }
    return "?";
}

std::optional<DrillLevel> parse_drill_level(const std::string& s) {
    for (auto l : {DrillLevel::archive, DrillLevel::schema, DrillLevel::rows, DrillLevel::content})
        if (s == to_string(l)) return l;
    return std::nullopt;
}

std::size_t DrillReport::tables_mismatched() const {
    std::size_t n = 0;
    for (const auto& t : tables) n += t.ok ? 0 : 1;
    return n;
}

bool DrillReport::restored() const {
    if (level == to_string(DrillLevel::archive)) return false;
    return std::any_of(phases.begin(), phases.end(),
                       [](const PhaseTiming& p) { return p.name == "restore" && p.ok; });
}

namespace {
json opt(const std::optional<std::uint64_t>& v) {
    return v ? json(*v) : json(nullptr);
}
json opt(const std::optional<std::string>& v) {
    return v ? json(*v) : json(nullptr);
}

CheckResult::Status parse_status(const std::string& s) {
    if (s == "pass") return CheckResult::Status::pass;
    if (s == "skipped") return CheckResult::Status::skipped;
    return CheckResult::Status::fail;
}
}  // namespace

std::string DrillReport::to_json() const {
    json phases_j = json::array();
    for (const auto& p : phases)
        phases_j.push_back({{"name", p.name}, {"seconds", p.seconds}, {"ok", p.ok}, {"detail", p.detail}});
    json tables_j = json::array();
    for (const auto& t : tables)
        tables_j.push_back({{"schema", t.schema},
                            {"name", t.name},
                            {"expected_rows", t.expected_rows},
                            {"actual_rows", opt(t.actual_rows)},
                            {"expected_hash", t.expected_hash},
                            {"actual_hash", opt(t.actual_hash)},
                            {"ok", t.ok},
                            {"detail", t.detail}});
    json checks_j = json::array();
    for (const auto& c : checks)
        checks_j.push_back({{"name", c.name}, {"status", pgark::to_string(c.status)}, {"detail", c.detail}});
    json j = {{"format", kFormat},
              {"id", id},
              {"backup_id", backup_id},
              {"database", database},
              {"level", level},
              {"target", target},
              {"scratch_database", scratch_database},
              {"scratch_kept", scratch_kept},
              {"started_at", format_iso8601(started_at, true)},
              {"finished_at", format_iso8601(finished_at, true)},
              {"restore_seconds", restore_seconds},
              {"ok", ok},
              {"error", error},
              {"cleanup_ok", cleanup_ok},
              {"cleanup_error", cleanup_error},
              {"tables_mismatched", tables_mismatched()},
              {"phases", phases_j},
              {"tables", tables_j},
              {"checks", checks_j}};
    return j.dump(2) + "\n";
}

DrillReport DrillReport::from_json(const std::string& text, const std::string& where) {
    DrillReport r;
    try {
        auto j = json::parse(text);
        if (j.at("format").get<int>() > kFormat)
            throw Error(where + ": drill report format is newer than this pgark; upgrade pgark");
        r.id = j.at("id").get<std::string>();
        r.backup_id = j.at("backup_id").get<std::string>();
        r.database = j.at("database").get<std::string>();
        r.level = j.at("level").get<std::string>();
        r.target = j.value("target", "");
        r.scratch_database = j.value("scratch_database", "");
        r.scratch_kept = j.value("scratch_kept", false);
        auto s = parse_iso8601(j.at("started_at").get<std::string>());
        auto f = parse_iso8601(j.at("finished_at").get<std::string>());
        if (!s || !f) throw VerifyError(where + ": drill report has malformed times");
        r.started_at = *s;
        r.finished_at = *f;
        r.restore_seconds = j.at("restore_seconds").get<double>();
        r.ok = j.at("ok").get<bool>();
        r.error = j.value("error", "");
        r.cleanup_ok = j.value("cleanup_ok", true);
        r.cleanup_error = j.value("cleanup_error", "");
        for (const auto& p : j.at("phases"))
            r.phases.push_back({p.at("name").get<std::string>(), p.at("seconds").get<double>(),
                                p.at("ok").get<bool>(), p.value("detail", "")});
        for (const auto& t : j.at("tables")) {
            TableResult tr;
            tr.schema = t.at("schema").get<std::string>();
            tr.name = t.at("name").get<std::string>();
            tr.expected_rows = t.at("expected_rows").get<std::uint64_t>();
            if (!t.at("actual_rows").is_null()) tr.actual_rows = t.at("actual_rows").get<std::uint64_t>();
            tr.expected_hash = t.value("expected_hash", "");
            if (t.contains("actual_hash") && !t.at("actual_hash").is_null())
                tr.actual_hash = t.at("actual_hash").get<std::string>();
            tr.ok = t.at("ok").get<bool>();
            tr.detail = t.value("detail", "");
            r.tables.push_back(std::move(tr));
        }
        for (const auto& c : j.at("checks"))
            r.checks.push_back({c.at("name").get<std::string>(),
                                parse_status(c.at("status").get<std::string>()), c.value("detail", "")});
    } catch (const json::exception& e) {
        throw VerifyError(where + ": not a valid drill report (" + e.what() + ")");
    }
    return r;
}

}  // namespace pgark
