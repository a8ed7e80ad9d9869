// Unit tests for check outcomes: skipped never counts as passed, failures are summarised.
#include <gtest/gtest.h>

#include "core/verification.h"

using namespace pgark;

TEST(Verification, SkippedIsNotFailureAndNotPass) {
    std::vector<CheckResult> checks = {CheckResult::pass("a"),
                                       CheckResult::skip("amcheck", "skipped: amcheck not available")};
    EXPECT_TRUE(all_passed(checks));
    EXPECT_STREQ(to_string(checks[1].status), "skipped");
    checks.push_back(CheckResult::fail("sha256", "mismatch"));
    EXPECT_FALSE(all_passed(checks));
    EXPECT_EQ(failure_summary(checks), "sha256: mismatch");
}
