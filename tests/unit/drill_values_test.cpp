// Unit tests for the drill's value types: levels, report round trip, objectives, scratch names and
// marks, and the COPY statement transformation.
#include <gtest/gtest.h>

#include "core/drill_report.h"
#include "core/objectives.h"
#include "pg/scratch_db.h"
#include "pg/table_content.h"
#include "util/error.h"

using namespace pgark;
using namespace std::chrono_literals;

TEST(DrillLevel, ParsesAndOrders) {
    EXPECT_EQ(parse_drill_level("content"), DrillLevel::content);
    EXPECT_FALSE(parse_drill_level("everything"));
    EXPECT_LT(DrillLevel::archive, DrillLevel::schema);
    EXPECT_LT(DrillLevel::rows, DrillLevel::content);
}

TEST(DrillReport, RoundTripsThroughJson) {
    DrillReport r;
    r.id = "freshtrack_2026-01-24_03-30-00_ab12";
    r.backup_id = "freshtrack_2026-01-24_02-00-00";
    r.database = "freshtrack";
    r.started_at = *parse_iso8601("2026-01-24T03:30:00Z");
    r.finished_at = *parse_iso8601("2026-01-24T03:31:00.500Z");
    r.restore_seconds = 42.5;
    r.phases = {{"restore", 40.0, true, "pg_restore --jobs 2"}};
    r.tables = {{"public", "devices", 50, 50, "00000000000000aa", "00000000000000aa", true, ""},
                {"public", "alerts", 120, 119, "00000000000000bb", std::nullopt, false,
                 "expected 120 rows, found 119"}};
    r.checks = {CheckResult::pass("schema", "10 objects present"),
                CheckResult::skip("amcheck", "skipped: amcheck not available")};
    auto back = DrillReport::from_json(r.to_json(), "x");
    EXPECT_EQ(back.id, r.id);
    EXPECT_EQ(back.finished_at, r.finished_at);
    EXPECT_DOUBLE_EQ(back.restore_seconds, 42.5);
    ASSERT_EQ(back.tables.size(), 2u);
    EXPECT_EQ(back.tables[1].actual_rows, 119u);
    EXPECT_FALSE(back.tables[1].actual_hash);
    EXPECT_EQ(back.tables_mismatched(), 1u);
    ASSERT_EQ(back.checks.size(), 2u);
    EXPECT_EQ(back.checks[1].status, CheckResult::Status::skipped);
    EXPECT_THROW(DrillReport::from_json("{}", "x"), VerifyError);
}

TEST(Objectives, DefaultsAndViolations) {
    Objectives o;
    EXPECT_EQ(o.rpo, 24h);
    EXPECT_EQ(o.rto, 30min);
    auto now = *parse_iso8601("2026-01-25T02:00:00Z");
    ObjectiveInputs in;
    auto a = assess(o, in, now);
    EXPECT_FALSE(a.ok());
    EXPECT_EQ(a.problems.size(), 2u);  // no backup, no drill

    in.last_backup_finished = now - 23h;
    in.last_successful_drill_restore_seconds = 29 * 60;
    a = assess(o, in, now);
    EXPECT_TRUE(a.ok());
    EXPECT_DOUBLE_EQ(*a.rpo_seconds, 23 * 3600);

    in.last_backup_finished = now - 25h;
    a = assess(o, in, now);
    EXPECT_FALSE(a.rpo_ok);
    EXPECT_NE(a.problems.at(0).find("RPO objective violated"), std::string::npos);

    in.last_backup_finished = now - 1h;
    in.last_successful_drill_restore_seconds = 31 * 60;
    a = assess(o, in, now);
    EXPECT_FALSE(a.rto_ok);
    EXPECT_NE(a.problems.at(0).find("RTO objective violated"), std::string::npos);

    in.last_successful_drill_restore_seconds = 60;
    in.latest_drill_failed = true;
    EXPECT_FALSE(assess(o, in, now).ok());
}

TEST(ScratchDatabase, NamesAreShortAsciiAndUnique) {
    auto when = *parse_iso8601("2026-01-24T03:30:00Z");
    auto a = scratch_database_name("Frésh Track; DROP DATABASE x", when);
    auto b = scratch_database_name("Frésh Track; DROP DATABASE x", when);
    EXPECT_NE(a, b);
    EXPECT_LE(a.size(), 63u);
    EXPECT_EQ(a.rfind("pgark_drill_fr", 0), 0u) << a;
    for (char c : a) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '_') << a;
    EXPECT_LE(scratch_database_name(std::string(200, 'x'), when).size(), 63u);
}

TEST(ScratchDatabase, MarkRoundTripsAndRejectsForeignComments) {
    auto m = ScratchMark::for_this_process("drill-1");
    auto back = ScratchMark::parse(m.to_comment());
    ASSERT_TRUE(back);
    EXPECT_EQ(back->drill_id, "drill-1");
    EXPECT_EQ(back->pid, m.pid);
    EXPECT_FALSE(ScratchMark::parse("production database, do not touch"));
    EXPECT_FALSE(ScratchMark::parse("pgark-drill {not json"));
    EXPECT_FALSE(ScratchMark::parse(
        "pgark-drill {\"drill\":\"\",\"pid\":1,\"host\":\"h\",\"started_at\":\"2026-01-01T00:00:00Z\"}"));
}

TEST(TableContent, CopyOutStatementKeepsTheColumnList) {
    EXPECT_EQ(copy_out_statement("COPY public.t (a, \"B c\") FROM stdin;\n"),
              "COPY public.t (a, \"B c\") TO STDOUT");
    EXPECT_THROW(copy_out_statement("DROP TABLE x; -- FROM stdin;"), VerifyError);
    EXPECT_THROW(copy_out_statement("COPY x TO '/etc/passwd'"), VerifyError);
}

TEST(TableContent, CopyTargetTakesOnlyPlainIdentifiers) {
    auto t = pgark::parse_copy_target("COPY public.\"Orders\" (id, \"Name \"\" x\", at_2) FROM stdin;\n");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->relation, "public.\"Orders\"");
    EXPECT_EQ(t->columns, "id, \"Name \"\" x\", at_2");
    auto bare = pgark::parse_copy_target("COPY t FROM stdin;\n");
    ASSERT_TRUE(bare);
    EXPECT_EQ(bare->relation, "t");
    EXPECT_EQ(bare->columns, "");
    // Anything a SELECT would evaluate (calls, expressions, odd spacing) is refused.
    EXPECT_FALSE(pgark::parse_copy_target("COPY public.t (a, pg_sleep(1)) FROM stdin;"));
    EXPECT_FALSE(pgark::parse_copy_target("COPY public.t (a, b + 1) FROM stdin;"));
    EXPECT_FALSE(pgark::parse_copy_target("COPY public.t (a,b) FROM stdin;"));
    EXPECT_FALSE(pgark::parse_copy_target("COPY public.t (Upper) FROM stdin;"));
    EXPECT_FALSE(pgark::parse_copy_target("COPY public.t () FROM stdin;"));
    EXPECT_FALSE(pgark::parse_copy_target("COPY (SELECT 1) FROM stdin;"));
    EXPECT_FALSE(pgark::parse_copy_target("COPY public.\"unterminated (a) FROM stdin;"));
    EXPECT_FALSE(pgark::parse_copy_target("COPY a.b.c (x) FROM stdin;"));
    EXPECT_FALSE(pgark::parse_copy_target("DROP TABLE x; -- FROM stdin;"));
}

TEST(TableContent, RangeStatementsReadBlockRangesOfOnlyThatTable) {
    pgark::CopyTarget t{"public.\"Orders\"", "id, \"Name\""};
    EXPECT_EQ(
        pgark::copy_out_range_statement(t, 0, 4096),
        "COPY (SELECT id, \"Name\" FROM ONLY public.\"Orders\" WHERE ctid >= '(0,0)'::pg_catalog.tid AND "
        "ctid < '(4096,0)'::pg_catalog.tid) TO STDOUT");
    EXPECT_EQ(pgark::copy_out_range_statement(t, 4096, std::nullopt),
              "COPY (SELECT id, \"Name\" FROM ONLY public.\"Orders\" WHERE ctid >= "
              "'(4096,0)'::pg_catalog.tid) TO STDOUT");
}
