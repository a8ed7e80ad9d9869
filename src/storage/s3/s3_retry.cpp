// Retry classification and backoff for the S3 client.
#include "storage/s3/s3_retry.h"

#include <curl/curl.h>
#include <poll.h>

#include <algorithm>
#include <random>

#include "util/cancel.h"
#include "util/error.h"

namespace pgark::s3 {

Outcome classify(int curl_code, long http_status, std::string_view s3_code) {
    switch (static_cast<CURLcode>(curl_code)) {
        case CURLE_OK:
            break;
        case CURLE_ABORTED_BY_CALLBACK:
            return Outcome::cancelled;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
        case CURLE_UPLOAD_FAILED:
        case CURLE_WEIRD_SERVER_REPLY:
            return Outcome::retry;
        default:
            return Outcome::fail;
    }
    if (s3_code == "SlowDown" || s3_code == "InternalError" || s3_code == "RequestTimeout" ||
        s3_code == "ServiceUnavailable" || s3_code == "Throttling" || s3_code == "ThrottlingException" ||
        s3_code == "OperationAborted")
        return Outcome::retry;
    if (http_status >= 200 && http_status < 300) return Outcome::success;
    if (http_status == 408 || http_status == 429) return Outcome::retry;
    if (http_status >= 500 && http_status != 501 && http_status != 505) return Outcome::retry;
    return Outcome::fail;
}

std::chrono::milliseconds backoff_delay(int retry, std::chrono::milliseconds base, double jitter01) {
    constexpr std::chrono::milliseconds kCap{10000};
    auto d = base;
    for (int i = 1; i < retry && d < kCap; ++i) d *= 2;
    d = std::min(d, kCap);
    double scale = 0.5 + 0.5 * std::clamp(jitter01, 0.0, 1.0);
    return std::chrono::milliseconds(static_cast<long long>(static_cast<double>(d.count()) * scale));
}

bool sleep_unless_cancelled(std::chrono::milliseconds d, bool ignore_cancel) {
    auto deadline = std::chrono::steady_clock::now() + d;
    for (;;) {
        if (!ignore_cancel && cancel::requested()) return false;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                          std::chrono::steady_clock::now());
        if (left.count() <= 0) return true;
        // The wake pipe makes a signal end the wait at once; the 100 ms slices cover cancel::request()
        // before the pipe existed.
        int slice = static_cast<int>(std::min<long long>(left.count(), 100));
        int fd = ignore_cancel ? -1 : cancel::wake_fd();
        struct pollfd p {};
        p.fd = fd;
        p.events = POLLIN;
        ::poll(&p, fd >= 0 ? 1 : 0, slice);
    }
}

RetryBudget::RetryBudget(int max_retries, std::chrono::milliseconds base_delay,
                         std::chrono::seconds time_limit, bool ignore_cancel)
    : max_retries_(std::max(0, max_retries)),
      base_(base_delay),
      limit_(time_limit),
      ignore_cancel_(ignore_cancel),
      start_(std::chrono::steady_clock::now()) {}

double RetryBudget::elapsed_seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

bool RetryBudget::wait_for_retry() {
    if (attempts_ > max_retries_) return false;
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    auto delay = backoff_delay(attempts_, base_, std::uniform_real_distribution<double>(0.0, 1.0)(rng));
    auto end = std::chrono::steady_clock::now() + delay;
    if (end - start_ > limit_) return false;
    if (!sleep_unless_cancelled(delay, ignore_cancel_)) throw Interrupted();
    ++attempts_;
    return true;
}

}  // namespace pgark::s3
