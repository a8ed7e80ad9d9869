// Which S3 failures are retried, and the backoff/budget that bounds the retries.
#include <gtest/gtest.h>

#include <curl/curl.h>

#include "storage/s3/s3_retry.h"
#include "util/cancel.h"
#include "util/error.h"

namespace pgark::s3 {
namespace {

using namespace std::chrono_literals;

TEST(S3Retry, HttpClassification) {
    EXPECT_EQ(classify(CURLE_OK, 200, ""), Outcome::success);
    EXPECT_EQ(classify(CURLE_OK, 204, ""), Outcome::success);
    EXPECT_EQ(classify(CURLE_OK, 206, ""), Outcome::success);
    EXPECT_EQ(classify(CURLE_OK, 500, "InternalError"), Outcome::retry);
    EXPECT_EQ(classify(CURLE_OK, 502, ""), Outcome::retry);
    EXPECT_EQ(classify(CURLE_OK, 503, "SlowDown"), Outcome::retry);
    EXPECT_EQ(classify(CURLE_OK, 504, ""), Outcome::retry);
    EXPECT_EQ(classify(CURLE_OK, 429, ""), Outcome::retry);
    EXPECT_EQ(classify(CURLE_OK, 400, "RequestTimeout"), Outcome::retry);
    EXPECT_EQ(classify(CURLE_OK, 501, "NotImplemented"), Outcome::fail);
    EXPECT_EQ(classify(CURLE_OK, 403, "SignatureDoesNotMatch"), Outcome::fail);
    EXPECT_EQ(classify(CURLE_OK, 403, "InvalidAccessKeyId"), Outcome::fail);
    EXPECT_EQ(classify(CURLE_OK, 403, "AccessDenied"), Outcome::fail);
    EXPECT_EQ(classify(CURLE_OK, 403, "RequestTimeTooSkewed"), Outcome::fail);
    EXPECT_EQ(classify(CURLE_OK, 404, "NoSuchKey"), Outcome::fail);
    EXPECT_EQ(classify(CURLE_OK, 404, "NoSuchBucket"), Outcome::fail);
    EXPECT_EQ(classify(CURLE_OK, 400, "EntityTooSmall"), Outcome::fail);
    EXPECT_EQ(classify(CURLE_OK, 412, ""), Outcome::fail);
    EXPECT_EQ(classify(CURLE_OK, 200, "InternalError"), Outcome::retry) << "200 with an <Error> body";
}

TEST(S3Retry, TransportClassification) {
    EXPECT_EQ(classify(CURLE_COULDNT_CONNECT, 0, ""), Outcome::retry);
    EXPECT_EQ(classify(CURLE_OPERATION_TIMEDOUT, 0, ""), Outcome::retry);
    EXPECT_EQ(classify(CURLE_RECV_ERROR, 0, ""), Outcome::retry);
    EXPECT_EQ(classify(CURLE_SEND_ERROR, 0, ""), Outcome::retry);
    EXPECT_EQ(classify(CURLE_GOT_NOTHING, 0, ""), Outcome::retry);
    EXPECT_EQ(classify(CURLE_PARTIAL_FILE, 200, ""), Outcome::retry);
    EXPECT_EQ(classify(CURLE_ABORTED_BY_CALLBACK, 0, ""), Outcome::cancelled);
    EXPECT_EQ(classify(CURLE_PEER_FAILED_VERIFICATION, 0, ""), Outcome::fail);
    EXPECT_EQ(classify(CURLE_URL_MALFORMAT, 0, ""), Outcome::fail);
    EXPECT_EQ(classify(CURLE_UNSUPPORTED_PROTOCOL, 0, ""), Outcome::fail);
}

TEST(S3Retry, BackoffDoublesWithJitterAndCap) {
    EXPECT_EQ(backoff_delay(1, 250ms, 1.0), 250ms);
    EXPECT_EQ(backoff_delay(1, 250ms, 0.0), 125ms);
    EXPECT_EQ(backoff_delay(2, 250ms, 1.0), 500ms);
    EXPECT_EQ(backoff_delay(4, 250ms, 1.0), 2000ms);
    EXPECT_EQ(backoff_delay(30, 250ms, 1.0), 10000ms);
    EXPECT_EQ(backoff_delay(30, 250ms, 0.0), 5000ms);
    for (double j : {0.0, 0.3, 0.99}) {
        auto d = backoff_delay(3, 100ms, j);
        EXPECT_GE(d, 200ms);
        EXPECT_LE(d, 400ms);
    }
}

TEST(S3Retry, BudgetCountsAttempts) {
    RetryBudget b(2, 1ms, 60s);
    EXPECT_EQ(b.attempts(), 1);
    EXPECT_TRUE(b.wait_for_retry());
    EXPECT_TRUE(b.wait_for_retry());
    EXPECT_EQ(b.attempts(), 3);
    EXPECT_FALSE(b.wait_for_retry());
    EXPECT_EQ(b.attempts(), 3);
    RetryBudget none(0, 1ms, 60s);
    EXPECT_FALSE(none.wait_for_retry());
}

TEST(S3Retry, BudgetIsBoundedInTime) {
    RetryBudget b(100, 400ms, 1s);
    int retries = 0;
    while (b.wait_for_retry()) ++retries;
    EXPECT_LE(retries, 2);
    EXPECT_LT(b.elapsed_seconds(), 1.5);
}

TEST(S3Retry, CancellationInterruptsTheWait) {
    cancel::request();
    RetryBudget b(5, 5000ms, 60s);
    auto start = std::chrono::steady_clock::now();
    EXPECT_THROW(b.wait_for_retry(), Interrupted);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    RetryBudget cleanup(5, 1ms, 60s, /*ignore_cancel=*/true);
    EXPECT_TRUE(cleanup.wait_for_retry()) << "cleanup requests still retry after Ctrl-C";
    cancel::reset();
}

}  // namespace
}  // namespace pgark::s3
