// Unit tests for BackupId: format, strict parsing, ordering, path safety.
#include <gtest/gtest.h>

#include "core/backup_id.h"

using namespace pgark;

namespace {
SystemTime at(const char* iso) { return *parse_iso8601(iso); }
}  // namespace

TEST(BackupId, FormatsAsDesignSays) {
    auto id = BackupId::make("freshtrack", at("2026-01-24T02:00:00Z"));
    EXPECT_EQ(id.str(), "freshtrack_2026-01-24_02-00-00");
    EXPECT_EQ(BackupId::make("freshtrack", at("2026-01-24T02:00:00Z"), 2).str(), "freshtrack_2026-01-24_02-00-00-2");
}

TEST(BackupId, ParsesWhatItMakes) {
    for (int seq : {1, 2, 17}) {
        auto id = BackupId::make("my db/ü", at("2026-03-01T23:59:59Z"), seq);
        auto back = BackupId::parse(id.str());
        ASSERT_TRUE(back) << id.str();
        EXPECT_EQ(back->str(), id.str());
        EXPECT_EQ(back->time(), id.time());
        EXPECT_EQ(back->sequence(), seq);
        EXPECT_EQ(back->db_component(), id.db_component());
    }
}

TEST(BackupId, RejectsTraversalAndJunk) {
    for (const char* bad : {"", "latest", "../x_2026-01-24_02-00-00", "a/b_2026-01-24_02-00-00", ".x_2026-01-24_02-00-00",
                            "x_2026-13-24_02-00-00", "x_2026-02-31_02-00-00", "x_2026-01-24_02-00-00-1",
                            "x_2026-01-24_02-00-00/../../etc", "x_2026-01-24 02-00-00"}) {
        EXPECT_FALSE(BackupId::parse(bad)) << bad;
    }
}

TEST(BackupId, EncodesHostileDatabaseNames) {
    EXPECT_EQ(encode_db_component("freshtrack"), "freshtrack");
    EXPECT_EQ(encode_db_component("../etc"), "%2E.%2Fetc");
    EXPECT_EQ(encode_db_component("a b;c'd"), "a%20b%3Bc%27d");
    EXPECT_EQ(encode_db_component(""), "%00");
    EXPECT_NE(encode_db_component("a%20b"), encode_db_component("a b"));  // injective
    EXPECT_EQ(encode_db_component("a/b").find('/'), std::string::npos);
}

TEST(BackupId, OrdersChronologicallyThenBySequence) {
    auto a = BackupId::make("db", at("2026-01-24T02:00:00Z"));
    auto b = BackupId::make("db", at("2026-01-24T02:00:00Z"), 2);
    auto c = BackupId::make("db", at("2026-01-24T02:00:01Z"));
    auto d = BackupId::make("db", at("2026-01-24T02:00:00Z"), 10);
    EXPECT_LT(a, b);
    EXPECT_LT(b, d);  // numeric, not lexical: -10 after -2
    EXPECT_LT(d, c);
}
