// Which failed S3 requests are worth repeating, and how long to wait between attempts.
#pragma once

#include <chrono>
#include <string_view>

namespace pgark::s3 {

enum class Outcome { success, retry, fail, cancelled };

// Classifies one attempt from curl's result code (0 = the exchange completed), the HTTP status and
// the S3 error code of the body (may be empty). Throttling, 5xx, timeouts and dropped or refused
// connections are retried; authentication, permission and other 4xx answers are not.
Outcome classify(int curl_code, long http_status, std::string_view s3_code);

// Delay before retry number `retry` (1-based): base * 2^(retry-1), capped at 10 s, scaled into
// [50%, 100%] by `jitter01` (uniform in [0,1)) so parallel part uploads do not retry in lockstep.
std::chrono::milliseconds backoff_delay(int retry, std::chrono::milliseconds base, double jitter01);

// Sleeps up to `d`; returns false early when cancellation is requested (unless `ignore_cancel`).
bool sleep_unless_cancelled(std::chrono::milliseconds d, bool ignore_cancel = false);

// Counts the attempts of one logical request and bounds them in number and in wall-clock time.
class RetryBudget {
  public:
    RetryBudget(int max_retries, std::chrono::milliseconds base_delay, std::chrono::seconds time_limit,
                bool ignore_cancel = false);
    // After a retryable failure: false when no attempt is left; otherwise waits and returns true.
    // Throws Interrupted when cancellation arrives while waiting.
    bool wait_for_retry();
    int attempts() const { return attempts_; }
    double elapsed_seconds() const;

  private:
    int max_retries_;
    std::chrono::milliseconds base_;
    std::chrono::seconds limit_;
    bool ignore_cancel_;
    int attempts_ = 1;
    std::chrono::steady_clock::time_point start_;
};

}  // namespace pgark::s3
