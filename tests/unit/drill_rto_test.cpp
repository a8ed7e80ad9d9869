// Which drills measure the RTO (issue 16, defect 3): only those that restored the backup.
#include <gtest/gtest.h>

#include "core/drill_report.h"

using namespace pgark;

namespace {

DrillReport report(const std::string& level, std::vector<std::string> phases, bool ok = true) {
    DrillReport r;
    r.level = level;
    r.ok = ok;
    r.restore_seconds = 0.1;
    for (auto& p : phases) r.phases.push_back({p, 0.05, true, ""});
    return r;
}

}  // namespace

TEST(DrillRto, ArchiveLevelDrillRestoredNothing) {
    auto r = report("archive", {"download+validate"});
    EXPECT_FALSE(r.restored());
    EXPECT_FALSE(r.measures_rto());
}

TEST(DrillRto, DrillsThatRestoredMeasureTheRto) {
    for (const char* level : {"schema", "rows", "content"}) {
        auto r =
            report(level, {"download+validate", "create database", "restore", "verify", "checks", "cleanup"});
        EXPECT_TRUE(r.restored()) << level;
        EXPECT_TRUE(r.measures_rto()) << level;
    }
}

TEST(DrillRto, FailedDrillsAndDrillsThatStoppedBeforeRestoringDoNot) {
    EXPECT_FALSE(
        report("content", {"download+validate", "create database", "restore"}, false).measures_rto());
    auto stopped = report("content", {"download+validate"}, false);
    EXPECT_FALSE(stopped.restored());
    auto failed_restore = report("content", {"download+validate", "create database", "restore"}, false);
    failed_restore.phases.back().ok = false;
    EXPECT_FALSE(failed_restore.restored());
}

TEST(DrillRto, RestoredSurvivesTheJsonRoundTrip) {
    DrillReport r = report("content", {"download+validate", "create database", "restore"});
    r.id = "d_2026-01-24_03-30-00_ab12";
    r.backup_id = "d_2026-01-24_02-00-00";
    r.database = "d";
    EXPECT_TRUE(DrillReport::from_json(r.to_json(), "x").restored());
    r = report("archive", {"download+validate"});
    r.id = "d_2026-01-24_03-30-00_ab13";
    r.backup_id = "d_2026-01-24_02-00-00";
    r.database = "d";
    EXPECT_FALSE(DrillReport::from_json(r.to_json(), "x").restored());
}
