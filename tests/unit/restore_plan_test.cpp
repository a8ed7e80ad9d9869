// Unit tests for the restore plan: modes, which schemas schema-cascade replaces (public has no SCHEMA
// entry), the time estimate from the last drill, and the steps (destructive ones marked).
#include <gtest/gtest.h>

#include "core/restore_plan.h"

using namespace pgark;

TEST(RestoreMode, ParsesAndNames) {
    EXPECT_EQ(parse_restore_mode("clean"), RestoreMode::clean);
    EXPECT_EQ(parse_restore_mode("schema-cascade"), RestoreMode::schema_cascade);
    EXPECT_FALSE(parse_restore_mode("drop-everything"));
    EXPECT_STREQ(to_string(RestoreMode::schema_cascade), "schema-cascade");
    EXPECT_STREQ(to_string(RestoreMode::to_new), "to-new");
}

TEST(SchemasInBackup, SchemaEntriesPlusPublicWhenUsed) {
    std::vector<TocObject> toc = {{"ENCODING", "", "ENCODING"},  {"SCHEMA", "", "sales"},
                                  {"TABLE", "sales", "orders"},  {"TABLE", "public", "devices"},
                                  {"EXTENSION", "", "pgcrypto"}, {"SCHEMA", "", "audit"}};
    EXPECT_EQ(schemas_in_backup(toc), (std::vector<std::string>{"audit", "public", "sales"}));
}

TEST(SchemasInBackup, NoPublicWithoutObjectsInIt) {
    std::vector<TocObject> toc = {{"SCHEMA", "", "app"}, {"TABLE", "app", "t"}};
    EXPECT_EQ(schemas_in_backup(toc), (std::vector<std::string>{"app"}));
    EXPECT_TRUE(schemas_in_backup({}).empty());
}

TEST(RestoreEstimate, ScalesTheDrillTimeByArchiveSize) {
    EXPECT_DOUBLE_EQ(*estimate_restore_seconds(60, 1000, 2000), 120);
    EXPECT_DOUBLE_EQ(*estimate_restore_seconds(60, 0, 2000), 60);  // drilled backup unknown: unscaled
    EXPECT_FALSE(estimate_restore_seconds(0, 1000, 2000));
}

namespace {
std::vector<std::string> names(const RestorePlan& p) {
    std::vector<std::string> out;
    for (const auto& s : p.steps) out.push_back(s.name + (s.destructive ? "!" : ""));
    return out;
}
}  // namespace

TEST(RestorePlan, ToNewIsNotDestructive) {
    RestorePlan p;
    p.mode = RestoreMode::to_new;
    p.target_database = "freshtrack_restored";
    p.build_steps();
    EXPECT_FALSE(p.destructive());
    EXPECT_EQ(names(p),
              (std::vector<std::string>{"download+validate", "create database", "restore", "verify"}));
}

TEST(RestorePlan, CleanOfAnExistingDatabaseTakesASafetyBackupFirst) {
    RestorePlan p;
    p.mode = RestoreMode::clean;
    p.target_database = "freshtrack";
    p.target_exists = true;
    p.target_owner = "app";
    p.build_steps();
    EXPECT_TRUE(p.destructive());
    EXPECT_EQ(names(p),
              (std::vector<std::string>{"download+validate", "safety backup", "terminate connections!",
                                        "drop database!", "create database", "restore", "verify"}));
    EXPECT_NE(p.steps[4].detail.find("OWNER app"), std::string::npos);
}

TEST(RestorePlan, CleanOfAMissingDatabaseOnlyCreatesIt) {
    RestorePlan p;
    p.mode = RestoreMode::clean;
    p.target_database = "gone";
    p.build_steps();
    EXPECT_FALSE(p.destructive());
    EXPECT_EQ(names(p),
              (std::vector<std::string>{"download+validate", "create database", "restore", "verify"}));
}

TEST(RestorePlan, SchemaCascadeListsTheSchemasAndSaysWhenNoSafetyBackup) {
    RestorePlan p;
    p.mode = RestoreMode::schema_cascade;
    p.target_database = "freshtrack";
    p.target_exists = true;
    p.schemas = {"public", "sales"};
    p.safety_backup = false;
    p.build_steps();
    EXPECT_EQ(names(p), (std::vector<std::string>{"download+validate", "safety backup", "drop schemas!",
                                                  "restore", "verify"}));
    EXPECT_NE(p.steps[1].detail.find("SKIPPED"), std::string::npos);
    EXPECT_NE(p.steps[2].detail.find("public, sales"), std::string::npos);
}
