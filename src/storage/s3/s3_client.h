// A minimal S3 REST client over libcurl: signs each request (SigV4), sends it on an easy handle taken
// from a small pool (a handle serves one thread at a time and keeps its connections alive), retries
// transient failures and turns the rest into StorageError messages that say what to check.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "storage/s3/s3_options.h"
#include "storage/s3/s3_retry.h"
#include "storage/s3/s3_sigv4.h"

namespace pgark::s3 {

struct S3Url {
    std::string bucket;
    std::string prefix;  // no leading or trailing '/'
};
// "s3://bucket" or "s3://bucket/some/prefix/"; throws UsageError when malformed.
S3Url parse_s3_url(const std::string& url);

struct Endpoint {
    std::string scheme;     // "http" or "https"
    std::string authority;  // "127.0.0.1:8080", "s3.eu-west-1.amazonaws.com"
    std::string base_path;  // "" or "/some/path" in front of every request path
};
// The endpoint URL from the options, or AWS's regional endpoint when empty; throws UsageError.
Endpoint parse_endpoint(const std::string& endpoint, const std::string& region);

struct Request {
    std::string method = "GET";
    std::string key;  // object key in the bucket; empty = the bucket itself
    // Named in error messages instead of `key` when the request is about more than the bucket: the
    // prefix a listing reads, the first key a batch delete removes.
    std::string message_key;
    Params query;                     // unencoded
    Params headers;                   // extra headers, all signed
    std::span<const std::byte> body;  // must outlive the call
    std::string body_sha256;          // hex; computed from `body` when empty
    // Receives 2xx response bodies (streaming) instead of Response::body.
    std::function<void(const char*, std::size_t)> on_body;
    // S3 can answer 200 with an <Error> body (CompleteMultipartUpload): treat such a body as a failure.
    bool error_in_2xx_body = false;
    // Cleanup requests (aborting an upload) still go out after Ctrl-C; they have a small retry budget.
    bool ignore_cancel = false;
    const std::atomic<bool>* stop = nullptr;  // ends the transfer when it becomes true
};

struct Response {
    long status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    std::string header(const std::string& lower_name) const;
};

// One exchange with the server.
struct Attempt {
    int curl_code = 0;       // CURLcode; 0 when an HTTP response arrived
    std::string curl_error;  // curl's explanation when curl_code != 0
    int os_errno = 0;        // the socket error behind a connection failure
    Response response;
    std::string s3_code, s3_message;
    Outcome outcome = Outcome::fail;
};

// Everything an error message about a failed request is built from (pure, so it is unit-tested).
struct FailureInfo {
    std::string what;      // "uploading", "reading", ...
    std::string location;  // "s3://bucket/key"
    std::string bucket;
    std::string endpoint;  // "http://127.0.0.1:8080"
    Attempt attempt;
    int attempts = 1;
    double seconds = 0;
    std::chrono::seconds low_speed_time{0};
    std::uint64_t low_speed_limit = 0;
};
std::string explain_failure(const FailureInfo& f);

class Client {
  public:
    explicit Client(S3Options opts);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    const S3Options& options() const { return opts_; }
    std::string endpoint_url() const;
    // "s3://bucket/key" for messages.
    std::string location(const std::string& key) const;

    // One attempt, no retry, never throws for HTTP or transport failures (only for cancellation of
    // an on_body callback's own exception).
    Attempt perform(const Request& r);
    // Retries transient failures; returns the response on 2xx or a status listed in `accept`, throws
    // StorageError otherwise (NotFoundError for a 404 on a key), Interrupted on cancellation. A request
    // that starts after cancellation was requested is treated as cleanup (see Request::ignore_cancel).
    Response execute(const Request& r, const std::string& what, std::initializer_list<long> accept = {});
    // A budget for a caller that runs its own attempts (the resuming reader).
    RetryBudget new_budget(bool ignore_cancel = false) const;
    // Throws the error describing a failed attempt.
    [[noreturn]] void fail(const Request& r, const std::string& what, const Attempt& a,
                           const RetryBudget& budget) const;

  private:
    void* acquire();
    void release(void* handle);

    S3Options opts_;
    Endpoint endpoint_;
    std::mutex pool_mu_;
    std::vector<void*> pool_;
};

}  // namespace pgark::s3
