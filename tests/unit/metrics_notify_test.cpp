// Unit tests for the metrics exposition (series, values, the counters carried in the textfile) and
// the webhook decision and payloads.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report/json.h"
#include "report/metrics.h"
#include "report/notify.h"

using namespace pgark;

namespace {

SystemTime at(const char* iso) {
    return *parse_iso8601(iso);
}

Manifest backup(const char* finished, std::uint64_t stored) {
    Manifest m;
    m.database = "freshtrack";
    m.id = BackupId::make("freshtrack", at(finished));
    m.started_at = at(finished) - std::chrono::seconds(90);
    m.finished_at = at(finished);
    m.stored_bytes = stored;
    m.raw_bytes = stored * 4;
    return m;
}

StatusResult status_with_two_backups_and_a_failed_drill() {
    StatusResult s;
    s.objectives.rpo = std::chrono::hours(24);
    s.objectives.rto = std::chrono::minutes(30);
    DatabaseStatus d;
    d.database = "freshtrack";
    d.previous_backup = backup("2026-01-23T02:00:00Z", 2000);
    d.last_backup = backup("2026-01-24T02:00:00Z", 900);
    DrillReport ok;
    ok.ok = true;
    ok.finished_at = at("2026-01-23T03:40:00Z");
    ok.restore_seconds = 123.5;
    DrillReport failed;
    failed.ok = false;
    failed.finished_at = at("2026-01-24T03:40:00Z");
    failed.tables = {TableResult{}, TableResult{}};
    failed.tables[0].ok = false;
    d.last_drill = failed;
    d.last_successful_drill = ok;
    s.databases.push_back(d);
    return s;
}

bool has(const std::string& text, const std::string& line) {
    return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST(Metrics, RendersTheRepositoryStateOfEachDatabase) {
    MetricsState state;
    auto text =
        render_metrics(status_with_two_backups_and_a_failed_drill(), state, at("2026-01-24T12:00:00Z"));
    EXPECT_TRUE(has(text, "pgark_backup_last_success_timestamp_seconds{database=\"freshtrack\"} 1769220000"))
        << text;
    EXPECT_TRUE(has(text, "pgark_backup_last_duration_seconds{database=\"freshtrack\"} 90")) << text;
    EXPECT_TRUE(has(text, "pgark_backup_last_size_bytes{database=\"freshtrack\"} 900")) << text;
    EXPECT_TRUE(has(text, "pgark_backup_previous_size_bytes{database=\"freshtrack\"} 2000")) << text;
    EXPECT_TRUE(has(text, "pgark_rpo_seconds{database=\"freshtrack\"} 36000")) << text;
    EXPECT_TRUE(has(text, "pgark_drill_last_run_success{database=\"freshtrack\"} 0")) << text;
    EXPECT_TRUE(has(text, "pgark_drill_tables_mismatched{database=\"freshtrack\"} 1")) << text;
    EXPECT_TRUE(has(text, "pgark_drill_last_restore_seconds{database=\"freshtrack\"} 123.5")) << text;
    EXPECT_TRUE(has(text, "pgark_objective_rpo_seconds{database=\"freshtrack\"} 86400")) << text;
    EXPECT_TRUE(has(text, "pgark_objective_rto_seconds{database=\"freshtrack\"} 1800")) << text;
    EXPECT_TRUE(has(text, "# TYPE pgark_backup_last_size_bytes gauge")) << text;
    // No configured database: no job series (they would carry an empty label).
    EXPECT_EQ(text.find("pgark_job_runs_total{"), std::string::npos) << text;
}

TEST(Metrics, ADatabaseWithoutBackupsHasObjectivesButNoBackupSeries) {
    StatusResult s;
    DatabaseStatus d;
    d.database = "empty";
    s.databases.push_back(d);
    auto text = render_metrics(s, MetricsState{}, at("2026-01-24T12:00:00Z"));
    EXPECT_TRUE(has(text, "pgark_objective_rpo_seconds{database=\"empty\"} 86400")) << text;
    EXPECT_EQ(text.find("pgark_backup_last_success_timestamp_seconds{"), std::string::npos) << text;
    EXPECT_EQ(text.find("pgark_backup_previous_size_bytes{"), std::string::npos) << text;
}

TEST(Metrics, JobCountersSurviveARoundTripThroughTheTextfile) {
    MetricsState state;
    state.database = "freshtrack";
    state.record("backup", true, at("2026-01-24T02:00:00Z"));
    state.record("backup", false, at("2026-01-25T02:00:00Z"));
    state.record("drill", false, at("2026-01-25T03:00:00Z"));
    state.record("prune", true, at("2026-01-25T04:00:00Z"), 3);
    state.record("prune", true, at("2026-01-26T04:00:00Z"), 2);
    state.jobs["backup"].skipped = 4;
    auto text = render_metrics(StatusResult{}, state, at("2026-01-26T05:00:00Z"));
    EXPECT_TRUE(has(text, "pgark_backup_last_run_success{database=\"freshtrack\"} 0")) << text;
    EXPECT_TRUE(has(text, "pgark_backup_failures_total{database=\"freshtrack\"} 1")) << text;
    EXPECT_TRUE(has(text, "pgark_drill_failures_total{database=\"freshtrack\"} 1")) << text;
    EXPECT_TRUE(has(text, "pgark_prune_deleted_total{database=\"freshtrack\"} 5")) << text;
    EXPECT_TRUE(has(text, "pgark_job_skipped_total{database=\"freshtrack\",task=\"backup\"} 4")) << text;

    auto back = read_metrics_state(text, "freshtrack");
    EXPECT_EQ(back.jobs["backup"].successes, 1u);
    EXPECT_EQ(back.jobs["backup"].failures, 1u);
    EXPECT_EQ(back.jobs["backup"].skipped, 4u);
    EXPECT_EQ(back.jobs["backup"].last_run_ok, false);
    EXPECT_EQ(back.jobs["drill"].failures, 1u);
    EXPECT_EQ(back.jobs["prune"].successes, 2u);
    EXPECT_EQ(back.prune_deleted, 5u);
    ASSERT_TRUE(back.last_prune_success);
    EXPECT_EQ(*back.last_prune_success, at("2026-01-26T04:00:00Z"));
    // Another database's counters are not taken over.
    EXPECT_TRUE(read_metrics_state(text, "other").jobs.empty());
    EXPECT_TRUE(read_metrics_state("garbage\n{}\n", "freshtrack").jobs.empty());
}

TEST(Notify, FailuresAndRecoveriesOnly) {
    EXPECT_TRUE(should_notify({"backup", "db", false, std::nullopt, "boom", 1}));
    EXPECT_TRUE(should_notify({"backup", "db", false, false, "boom again", 1}));
    EXPECT_TRUE(should_notify({"backup", "db", true, false, "ok", 1}));
    EXPECT_FALSE(should_notify({"backup", "db", true, true, "ok", 1}));
    EXPECT_FALSE(should_notify({"backup", "db", true, std::nullopt, "ok", 1}));
}

TEST(Notify, JsonAndSlackPayloads) {
    JobEvent e{"drill", "freshtrack", false, true, "table alerts differs", 12.5};
    auto j = nlohmann::json::parse(webhook_payload(e, "json", "db1"));
    EXPECT_EQ(j["event"], "failure");
    EXPECT_EQ(j["job"], "drill");
    EXPECT_EQ(j["database"], "freshtrack");
    EXPECT_EQ(j["host"], "db1");
    EXPECT_EQ(j["message"], "table alerts differs");
    EXPECT_FALSE(j["ok"].get<bool>());
    auto s = nlohmann::json::parse(webhook_payload(e, "slack", "db1"));
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s["text"], ":red_circle: pgark drill of freshtrack on db1 failed: table alerts differs");
    e.ok = true;
    e.previous_ok = false;
    e.message.clear();
    EXPECT_EQ(nlohmann::json::parse(webhook_payload(e, "json", "db1"))["event"], "recovery");
    EXPECT_EQ(nlohmann::json::parse(webhook_payload(e, "slack", "db1"))["text"],
              ":white_check_mark: pgark drill of freshtrack on db1 succeeded again");
}

namespace {

// A stop is neither a success nor a failure: counted apart, carried in the textfile, and the job's last
// result stays what it was.
TEST(Metrics, CancelledRunsAreCountedApartAndCarriedInTheTextfile) {
    MetricsState state;
    state.database = "freshtrack";
    state.record("drill", true, at("2026-01-25T03:00:00Z"));
    state.record_cancelled("drill");
    state.record_cancelled("drill");
    auto text = render_metrics(StatusResult{}, state, at("2026-01-26T05:00:00Z"));
    EXPECT_TRUE(
        has(text, "pgark_job_runs_total{database=\"freshtrack\",result=\"cancelled\",task=\"drill\"} 2"))
        << text;
    EXPECT_TRUE(
        has(text, "pgark_job_runs_total{database=\"freshtrack\",result=\"failure\",task=\"drill\"} 0"))
        << text;
    auto back = read_metrics_state(text, "freshtrack");
    EXPECT_EQ(back.jobs["drill"].cancellations, 2u);
    EXPECT_EQ(back.jobs["drill"].successes, 1u);
    EXPECT_EQ(back.jobs["drill"].failures, 0u);
    EXPECT_EQ(back.jobs["drill"].last_run_ok, true);
}

TEST(HealthReport, DegradedWithTheErrorWhenTheLastRunOfAJobFailed) {
    report::HealthReport h;
    h.database = "freshtrack";
    h.jobs.push_back({"backup", false, "2026-01-26T02:00:00Z", true, "succeeded", ""});
    h.jobs.push_back({"drill", true, "", std::nullopt, "", ""});
    auto ok = nlohmann::json::parse(report::to_json(h));
    EXPECT_EQ(ok["status"], "ok");
    EXPECT_FALSE(ok.contains("last_error"));
    EXPECT_TRUE(ok["jobs"]["drill"]["running"].get<bool>());
    EXPECT_FALSE(ok["jobs"]["drill"].contains("last_run_ok"));

    h.jobs[0].last_run_ok = false;
    h.jobs[0].last_outcome = "failed";
    h.jobs[0].last_error = "pg_dump failed: connection refused";
    auto bad = nlohmann::json::parse(report::to_json(h));
    EXPECT_EQ(bad["status"], "degraded");
    EXPECT_EQ(bad["last_error"], "backup: pg_dump failed: connection refused");
    EXPECT_EQ(bad["jobs"]["backup"]["last_error"], "pg_dump failed: connection refused");
    EXPECT_EQ(bad["jobs"]["backup"]["next_run"], "2026-01-26T02:00:00Z");
}

}  // namespace
