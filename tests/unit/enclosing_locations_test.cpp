// enclosing_locations: the parents `init` looks in for a repository marker, nearest first.
#include "storage/open_storage.h"

#include <gtest/gtest.h>

namespace pgark {
namespace {

TEST(EnclosingLocations, PathsUpToTheRoot) {
    EXPECT_EQ(enclosing_locations("/srv/pgark/repo"), (std::vector<std::string>{"/srv/pgark", "/srv", "/"}));
    EXPECT_EQ(enclosing_locations("/srv/repo/"), (std::vector<std::string>{"/srv", "/"}));
    EXPECT_EQ(enclosing_locations("file:///srv/repo"), (std::vector<std::string>{"/srv", "/"}));
    EXPECT_TRUE(enclosing_locations("/").empty());
}

TEST(EnclosingLocations, S3PrefixesUpToTheBucket) {
    EXPECT_EQ(enclosing_locations("s3://bucket/a/b"),
              (std::vector<std::string>{"s3://bucket/a", "s3://bucket"}));
    EXPECT_EQ(enclosing_locations("s3://bucket/a/"), (std::vector<std::string>{"s3://bucket"}));
    EXPECT_TRUE(enclosing_locations("s3://bucket").empty());
}

}  // namespace
}  // namespace pgark
