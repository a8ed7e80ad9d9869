// JSON renderings of results (see json.h): nlohmann::json, with invalid UTF-8 from tool output
// replaced rather than thrown on.
#include "report/json.h"

#include <nlohmann/json.hpp>

#include "util/redact.h"
#include "util/time.h"

namespace pgark::report {

using nlohmann::json;

namespace {

// Invalid UTF-8 (from tool output) is replaced, not thrown on.
std::string pretty(const json& j) {
    return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}
// The same on one line (/healthz, webhook bodies).
std::string compact(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json checks_json(const std::vector<CheckResult>& checks) {
    json out = json::array();
    for (const auto& c : checks)
        out.push_back({{"name", c.name}, {"status", to_string(c.status)}, {"detail", c.detail}});
    return out;
}

nlohmann::json manifest_summary(const Manifest& m) {
    using nlohmann::json;
    return {{"id", m.id.str()},
            {"database", m.database},
            {"server", m.server},
            {"server_version", m.server_version},
            {"started_at", format_iso8601(m.started_at, true)},
            {"finished_at", format_iso8601(m.finished_at, true)},
            {"duration_seconds", m.duration_seconds()},
            {"raw_bytes", m.raw_bytes},
            {"stored_bytes", m.stored_bytes},
            {"sha256", m.sha256},
            {"tables", m.tables.size()},
            {"rows", m.total_rows()},
            {"toc_entries", m.toc_entries},
            {"purpose", m.purpose.empty() ? "backup" : m.purpose}};
}

}  // namespace

std::string to_json(const BackupResult& r) {
    json j = json::parse(r.manifest.to_json());
    j["repository"] = r.repository;
    return pretty(j);
}

std::string to_json(const ListResult& r) {
    json arr = json::array();
    for (const auto& m : r.backups) arr.push_back(manifest_summary(m));
    json j = {{"repository", r.repository}, {"backups", arr}, {"problems", r.problems}};
    return pretty(j);
}

std::string to_json(const VerifyResult& r) {
    const json checks = checks_json(r.checks);
    json j = {{"id", r.manifest.id.str()},
              {"database", r.manifest.database},
              {"ok", r.ok()},
              {"seconds", r.seconds},
              {"checks", checks}};
    return pretty(j);
}

std::string config_json(const std::vector<ConfigEntry>& entries, const std::string& file) {
    json arr = json::array();
    for (const auto& e : entries)
        arr.push_back({{"key", e.key}, {"value", e.value}, {"origin", e.origin}, {"secret", e.secret}});
    json j = {{"file", file.empty() ? json(nullptr) : json(file)}, {"settings", arr}};
    return pretty(j);
}

std::string to_json(const DrillResult& r) {
    json j = json::parse(r.report.to_json());
    j["repository"] = r.repository;
    j["report_key"] = r.report_key;
    return pretty(j);
}

std::string to_json(const StatusResult& r) {
    json dbs = json::array();
    for (const auto& d : r.databases) {
        const auto& a = d.assessment;
        json j = {{"database", d.database},
                  {"ok", a.ok()},
                  {"rpo_seconds", a.rpo_seconds ? json(*a.rpo_seconds) : json(nullptr)},
                  {"rpo_ok", a.rpo_ok},
                  {"rto_seconds", a.rto_seconds ? json(*a.rto_seconds) : json(nullptr)},
                  {"rto_ok", a.rto_ok},
                  {"problems", a.problems},
                  {"last_backup", d.last_backup ? json(d.last_backup->id.str()) : json(nullptr)},
                  {"last_backup_finished_at",
                   d.last_backup ? json(format_iso8601(d.last_backup->finished_at)) : json(nullptr)},
                  {"last_successful_drill",
                   d.last_successful_drill ? json(d.last_successful_drill->id) : json(nullptr)},
                  {"last_drill", d.last_drill ? json(d.last_drill->id) : json(nullptr)},
                  {"last_drill_ok", d.last_drill ? json(d.last_drill->ok) : json(nullptr)},
                  {"last_drill_error",
                   d.last_drill && !d.last_drill->ok ? json(d.last_drill->error) : json(nullptr)},
                  {"last_backup_drilled_by",
                   d.last_backup_drilled_by ? json(*d.last_backup_drilled_by) : json(nullptr)}};
        dbs.push_back(j);
    }
    json j = {{"repository", r.repository},
              {"ok", r.ok()},
              {"objectives",
               {{"rpo_seconds", r.objectives.rpo.count()}, {"rto_seconds", r.objectives.rto.count()}}},
              {"databases", dbs}};
    return pretty(j);
}

std::string to_json(const RestoreResult& r) {
    const auto& p = r.plan;
    json steps = json::array();
    for (const auto& s : p.steps)
        steps.push_back({{"name", s.name}, {"detail", s.detail}, {"destructive", s.destructive}});
    json phases = json::array();
    for (const auto& ph : r.phases)
        phases.push_back({{"name", ph.name}, {"seconds", ph.seconds}, {"ok", ph.ok}, {"detail", ph.detail}});
    json tables = json::array();
    for (const auto& t : r.tables)
        tables.push_back({{"schema", t.schema},
                          {"name", t.name},
                          {"expected_rows", t.expected_rows},
                          {"ok", t.ok},
                          {"detail", t.detail}});
    const json checks = checks_json(r.checks);
    json j = {{"backup_id", p.backup_id},
              {"source_database", p.source_database},
              {"server", p.server},
              {"target_database", p.target_database},
              {"mode", to_string(p.mode)},
              {"destructive", p.destructive()},
              {"schemas", p.schemas},
              {"stored_bytes", p.stored_bytes},
              {"raw_bytes", p.raw_bytes},
              {"jobs", p.jobs},
              {"level", p.level},
              {"estimated_seconds", p.estimated_seconds ? json(*p.estimated_seconds) : json(nullptr)},
              {"estimate_basis", p.estimate_basis},
              {"warning", p.warning},
              {"steps", steps},
              {"dry_run", !r.executed},
              {"safety_backup_id", r.safety_backup_id},
              {"phases", phases},
              {"restore_seconds", r.restore_seconds},
              {"tables_mismatched", r.tables_mismatched()},
              {"tables", tables},
              {"checks", checks},
              {"ok", r.ok},
              {"error", r.error}};
    return pretty(j);
}

std::string to_json(const PruneResult& r) {
    json backups = json::array();
    for (const auto& b : r.backups)
        backups.push_back({{"id", b.id},
                           {"time", format_iso8601(b.time, true)},
                           {"complete", b.complete},
                           {"action", b.keep ? "keep" : "remove"},
                           {"reasons", b.reasons},
                           {"bytes", b.bytes},
                           {"in_use_by", b.locked_by},
                           {"removed", b.removed},
                           {"note", b.note}});
    json writes = json::array();
    for (const auto& w : r.abandoned_writes)
        writes.push_back({{"key", w.key}, {"since", format_iso8601(w.since)}});
    json j = {{"database", r.database},
              {"repository", r.repository},
              {"dry_run", r.dry_run},
              {"ok", r.ok},
              {"policy",
               {{"keep_last", r.keep_last},
                {"keep_daily", r.keep_daily},
                {"keep_weekly", r.keep_weekly},
                {"keep_monthly", r.keep_monthly},
                {"timezone", r.timezone},
                {"incomplete_after_seconds", r.incomplete_after.count()}}},
              {"backups", backups},
              {"kept", r.kept()},
              {"to_remove", r.to_remove()},
              {"removed", r.removed_count()},
              {"bytes_freed", r.bytes_freed},
              {"abandoned_writes", writes},
              {"stale_locks", r.stale_locks},
              {"stale_claims", r.stale_claims},
              {"problems", r.problems},
              {"errors", r.errors}};
    return pretty(j);
}

bool HealthReport::degraded() const {
    for (const auto& j : jobs)
        if (j.last_run_ok && !*j.last_run_ok) return true;
    return false;
}

std::string to_json(const HealthReport& h) {
    json jobs = json::object();
    std::string last_error;
    for (const auto& j : h.jobs) {
        json k{{"running", j.running}, {"next_run", j.next_run}};
        if (j.last_run_ok) k["last_run_ok"] = *j.last_run_ok;
        if (!j.last_outcome.empty()) k["last_outcome"] = j.last_outcome;
        if (!j.last_error.empty()) {
            k["last_error"] = j.last_error;
            if (last_error.empty()) last_error = j.name + ": " + j.last_error;
        }
        jobs[j.name] = k;
    }
    json out{{"status", h.degraded() ? "degraded" : "ok"}, {"database", h.database}, {"jobs", jobs}};
    if (h.degraded()) out["last_error"] = last_error;
    return compact(out);
}

std::string error_json(const std::string& message, int exit_code) {
    return pretty(json{{"ok", false}, {"error", redact::scrub(message)}, {"exit_code", exit_code}});
}

std::string webhook_json(const JobEvent& e, const std::string& format, const std::string& host) {
    const std::string message = redact::scrub(e.message);
    if (format == "slack") {
        std::string text =
            e.ok ? ":white_check_mark: pgark " + e.job + " of " + e.database + " on " + host +
                       " succeeded again"
                 : ":red_circle: pgark " + e.job + " of " + e.database + " on " + host + " failed";
        if (!message.empty()) text += ": " + message;
        return compact(json{{"text", text}});
    }
    return compact(json{{"source", "pgark"},
                        {"version", PGARK_VERSION},
                        {"event", e.ok ? "recovery" : "failure"},
                        {"job", e.job},
                        {"database", e.database},
                        {"host", host},
                        {"ok", e.ok},
                        {"seconds", e.seconds},
                        {"time", format_iso8601(std::chrono::system_clock::now())},
                        {"message", message}});
}

}  // namespace pgark::report
