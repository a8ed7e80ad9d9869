// Unit tests for duration and size parsing/formatting.
#include <gtest/gtest.h>

#include "util/units.h"

using namespace pgark::units;

TEST(Units, ParsesDurations) {
    EXPECT_EQ(parse_duration("24h")->count(), 86400);
    EXPECT_EQ(parse_duration("30m")->count(), 1800);
    EXPECT_EQ(parse_duration("1h30m")->count(), 5400);
    EXPECT_EQ(parse_duration("90")->count(), 90);
    EXPECT_EQ(parse_duration("7d")->count(), 7 * 86400);
    EXPECT_FALSE(parse_duration(""));
    EXPECT_FALSE(parse_duration("soon"));
    EXPECT_FALSE(parse_duration("5 parsecs"));
    EXPECT_FALSE(parse_duration("-5m"));
    EXPECT_FALSE(parse_duration("99999999999999999999d"));
}

TEST(Units, ParsesSizes) {
    EXPECT_EQ(*parse_size("16MiB"), 16ull << 20);
    EXPECT_EQ(*parse_size("5M"), 5ull << 20);
    EXPECT_EQ(*parse_size("1024"), 1024u);
    EXPECT_EQ(*parse_size("2G"), 2ull << 30);
    EXPECT_FALSE(parse_size("-1"));
    EXPECT_FALSE(parse_size("12 bananas"));
    EXPECT_FALSE(parse_size("99999999999999999999G"));
}

TEST(Units, FormatsForHumans) {
    EXPECT_EQ(format_size(512), "512 B");
    EXPECT_EQ(format_size(1536), "1.5 KiB");
    EXPECT_EQ(format_duration(5.25), "5.2s");
    EXPECT_EQ(format_duration(125), "2m05s");
    EXPECT_EQ(format_duration(3 * 3600 + 60), "3h01m");
}
