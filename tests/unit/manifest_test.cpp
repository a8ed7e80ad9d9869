// Unit tests for Manifest serialisation and validation.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/manifest.h"
#include "repo/layout.h"
#include "unit/unit_helpers.h"
#include "util/error.h"

using namespace pgark;

TEST(Manifest, RoundTrips) {
    auto m = test::sample_manifest();
    auto back = Manifest::from_json(m.to_json(), "test");
    EXPECT_EQ(back.id, m.id);
    EXPECT_EQ(back.database, m.database);
    EXPECT_EQ(back.started_at, m.started_at);
    EXPECT_EQ(back.finished_at, m.finished_at);
    EXPECT_DOUBLE_EQ(back.duration_seconds(), 3.5);
    EXPECT_EQ(back.tables, m.tables);
    EXPECT_EQ(back.sha256, m.sha256);
    EXPECT_EQ(back.toc_entries, 32u);
    EXPECT_EQ(back.large_objects, 1u);
}

TEST(Manifest, RejectsMalformed) {
    EXPECT_THROW(Manifest::from_json("not json", "x"), VerifyError);
    EXPECT_THROW(Manifest::from_json("[]", "x"), VerifyError);
    auto j = nlohmann::json::parse(test::sample_manifest().to_json());
    j.erase("sha256");
    j["archive"]["sha256"] = "zz";
    EXPECT_THROW(Manifest::from_json(j.dump(), "x"), VerifyError);
    j = nlohmann::json::parse(test::sample_manifest().to_json());
    j["archive"]["raw_bytes"] = -5;
    EXPECT_THROW(Manifest::from_json(j.dump(), "x"), VerifyError);
    j = nlohmann::json::parse(test::sample_manifest().to_json());
    j["id"] = "../../etc/passwd";
    EXPECT_THROW(Manifest::from_json(j.dump(), "x"), VerifyError);
}

TEST(Manifest, RefusesToFollowAnArchiveOutsideItsDirectory) {
    auto j = nlohmann::json::parse(test::sample_manifest().to_json());
    j["archive"]["name"] = "../../other/archive.pgdump.zst";
    try {
        Manifest::from_json(j.dump(), "m.json");
        FAIL() << "accepted a redirected archive";
    } catch (const VerifyError& e) {
        EXPECT_NE(std::string(e.what()).find("refusing"), std::string::npos);
    }
}

TEST(Manifest, RefusesNewerFormatWithUpgradeHint) {
    auto j = nlohmann::json::parse(test::sample_manifest().to_json());
    j["format"] = Manifest::kFormat + 1;
    try {
        Manifest::from_json(j.dump(), "m.json");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("upgrade pgark"), std::string::npos);
    }
}

TEST(Manifest, LayoutKeysStayInsideTheBackupDirectory) {
    auto id = BackupId::make("../evil", *parse_iso8601("2026-01-24T02:00:00Z"));
    EXPECT_EQ(layout::manifest_key(id).find(".."), std::string::npos);
    EXPECT_EQ(layout::archive_key(id),
              "backups/%2E.%2Fevil/%2E.%2Fevil_2026-01-24_02-00-00/archive.pgdump.zst");
}

// A restore's safety backup says so in its manifest; an ordinary backup's manifest has no purpose field
// (older pgark reads it unchanged), and an unknown purpose is refused rather than guessed at.
TEST(Manifest, PurposeRoundTripsAndOnlyKnownValuesAreAccepted) {
    auto m = test::sample_manifest();
    EXPECT_FALSE(nlohmann::json::parse(m.to_json()).contains("purpose"));
    EXPECT_FALSE(Manifest::from_json(m.to_json(), "x").is_safety_backup());
    m.purpose = Manifest::kSafetyPurpose;
    auto back = Manifest::from_json(m.to_json(), "x");
    EXPECT_TRUE(back.is_safety_backup());
    EXPECT_EQ(back.to_json(), m.to_json());
    auto j = nlohmann::json::parse(m.to_json());
    j["purpose"] = "archival";
    EXPECT_THROW(Manifest::from_json(j.dump(), "x"), VerifyError);
}
