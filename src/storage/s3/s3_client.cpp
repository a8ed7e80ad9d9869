// libcurl transport, request signing, retries and error messages of the S3 driver.
#include "storage/s3/s3_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <exception>
#include <mutex>

#include "storage/s3/s3_xml.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/text.h"

namespace pgark::s3 {
namespace {

std::string format_seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, s < 10 ? "%.1fs" : "%.0fs", s);
    return buf;
}

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// State shared with curl's C callbacks during one perform().
struct Transfer {
    const Request* req = nullptr;
    std::size_t sent = 0;
    long status = 0;
    std::map<std::string, std::string> headers;
    std::string body;
    std::exception_ptr callback_error;
    bool stopped_by_us = false;
};

constexpr std::size_t kMaxErrorBody = 64 * 1024;

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* ud) {
    auto* t = static_cast<Transfer*>(ud);
    std::string_view line(data, size * n);
    if (line.rfind("HTTP/", 0) == 0) {
        // A new status line (after "100 Continue" or on a new response): start over.
        t->headers.clear();
        auto sp = line.find(' ');
        t->status = sp == std::string_view::npos ? 0 : std::atol(std::string(line.substr(sp + 1, 3)).c_str());
        return size * n;
    }
    auto colon = line.find(':');
    if (colon != std::string_view::npos)
        t->headers[ascii_lower(std::string(line.substr(0, colon)))] = trim(line.substr(colon + 1));
    return size * n;
}

std::size_t on_write(char* data, std::size_t size, std::size_t n, void* ud) {
    auto* t = static_cast<Transfer*>(ud);
    std::size_t len = size * n;
    bool ok_status = t->status >= 200 && t->status < 300;
    if (ok_status && t->req->on_body) {
        try {
            t->req->on_body(data, len);
        } catch (...) {
            t->callback_error = std::current_exception();
            return 0;  // makes curl stop with CURLE_WRITE_ERROR
        }
        return len;
    }
    if (ok_status || t->body.size() < kMaxErrorBody) t->body.append(data, len);
    return len;
}

std::size_t on_read(char* buf, std::size_t size, std::size_t n, void* ud) {
    auto* t = static_cast<Transfer*>(ud);
    const auto& body = t->req->body;
    std::size_t len = std::min(size * n, body.size() - t->sent);
    std::memcpy(buf, body.data() + t->sent, len);
    t->sent += len;
    return len;
}

int on_seek(void* ud, curl_off_t offset, int origin) {
    auto* t = static_cast<Transfer*>(ud);
    if (origin != SEEK_SET || offset < 0 || static_cast<std::size_t>(offset) > t->req->body.size())
        return CURL_SEEKFUNC_FAIL;
    t->sent = static_cast<std::size_t>(offset);
    return CURL_SEEKFUNC_OK;
}

int on_progress(void* ud, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* t = static_cast<Transfer*>(ud);
    if (t->req->stop && t->req->stop->load()) {
        t->stopped_by_us = true;
        return 1;
    }
    if (!t->req->ignore_cancel && cancel::requested()) return 1;
    return 0;
}

std::string hint_for_code(const FailureInfo& f, const std::string& code, long status) {
    const auto& what = f.what;
    if (code == "SignatureDoesNotMatch")
        return "the secret access key is wrong; check AWS_SECRET_ACCESS_KEY / s3.secret_access_key (and that "
               "it "
               "belongs to the access key id in AWS_ACCESS_KEY_ID / s3.access_key_id)";
    if (code == "InvalidAccessKeyId")
        return "the server does not know this access key; check the access key id (AWS_ACCESS_KEY_ID / "
               "s3.access_key_id)";
    if (code == "AccessDenied" || (code.empty() && status == 403))
        return "the credentials are not allowed " + what +
               " here; check the access key id and secret (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) and "
               "the "
               "bucket's permissions (s3:GetObject, s3:PutObject, s3:ListBucket, s3:DeleteObject, "
               "s3:AbortMultipartUpload)";
    if (code == "NoSuchBucket")
        return "bucket '" + f.bucket + "' does not exist at " + f.endpoint +
               "; create it (e.g. `aws s3 mb s3://" + f.bucket + "`) or fix repository.url";
    if (code == "InvalidBucketName")
        return "'" + f.bucket + "' is not a valid bucket name; fix repository.url";
    if (code == "AuthorizationHeaderMalformed" || code == "AuthorizationQueryParametersError")
        return "the server expects another region; check AWS_REGION / s3.region";
    if (code == "PermanentRedirect" || code == "TemporaryRedirect" ||
        code == "IllegalLocationConstraintException" || status == 301 || status == 307)
        return "the bucket is served by another endpoint or region; check s3.endpoint / AWS_ENDPOINT_URL and "
               "s3.region / AWS_REGION";
    if (code == "RequestTimeTooSkewed")
        return "this machine's clock is too far from the server's; synchronise it (NTP)";
    if (code == "ExpiredToken" || code == "InvalidToken" || code == "TokenRefreshRequired")
        return "the session token is invalid or expired; refresh the temporary credentials "
               "(AWS_SESSION_TOKEN)";
    if (code == "EntityTooSmall")
        return "a part is below the server's minimum part size; raise s3.part_size (at least 5 MiB)";
    if (code == "EntityTooLarge") return "the request is larger than the server accepts; lower s3.part_size";
    if (code == "NoSuchUpload")
        return "the multipart upload was aborted or expired meanwhile (check lifecycle rules); run the job "
               "again";
    if (code == "BadDigest" || code == "XAmzContentSHA256Mismatch" || code == "InvalidDigest")
        return "the data changed in transit; check proxies between pgark and the server, then run the job "
               "again";
    if (code == "InvalidPart" || code == "InvalidPartOrder")
        return "the server lost a part of the upload; run the job again";
    if (code == "NotImplemented" || status == 501) return "the server does not support this S3 operation";
    if (code == "QuotaExceeded" || code == "StorageQuotaExceeded" || status == 507)
        return "the storage quota is exhausted; free space (pgark prune) or raise the quota";
    if (status == 404) return "it does not exist";
    if (status >= 500 || status == 429)
        return "the server kept failing; check the S3 service's health and run the job again later";
    return "see the server's message";
}

}  // namespace

std::string Response::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
}

S3Url parse_s3_url(const std::string& url) {
    if (url.rfind("s3://", 0) != 0)
        throw UsageError("'" + url + "' is not an s3:// URL (expected s3://BUCKET/PREFIX)");
    std::string rest = url.substr(5);
    auto slash = rest.find('/');
    S3Url out;
    out.bucket = rest.substr(0, slash);
    std::string prefix = slash == std::string::npos ? "" : rest.substr(slash + 1);
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    while (!prefix.empty() && prefix.front() == '/') prefix.erase(0, 1);
    out.prefix = prefix;
    if (out.bucket.empty())
        throw UsageError("'" + url + "' names no bucket; expected s3://BUCKET or s3://BUCKET/PREFIX");
    if (out.bucket.size() < 3 || out.bucket.size() > 63 ||
        !std::all_of(out.bucket.begin(), out.bucket.end(), [](unsigned char c) {
            return std::islower(c) || std::isdigit(c) || c == '-' || c == '.' || c == '_';
        }))
        throw UsageError(
            "'" + out.bucket + "' in " + url +
            " is not a valid bucket name (3-63 characters: lower-case letters, digits, '-', '.')");
    if (!out.prefix.empty()) {
        if (out.prefix.find("//") != std::string::npos)
            throw UsageError("the prefix in " + url + " has an empty path segment ('//')");
    }
    return out;
}

Endpoint parse_endpoint(const std::string& endpoint, const std::string& region) {
    std::string url =
        endpoint.empty()
            ? "https://s3." + (region.empty() ? std::string("us-east-1") : region) + ".amazonaws.com"
            : endpoint;
    auto sep = url.find("://");
    if (sep == std::string::npos)
        throw UsageError("S3 endpoint '" + url +
                         "' has no scheme; write it as http://HOST:PORT or https://HOST");
    Endpoint e;
    e.scheme = ascii_lower(url.substr(0, sep));
    if (e.scheme != "http" && e.scheme != "https")
        throw UsageError("S3 endpoint '" + url + "' must start with http:// or https://");
    std::string rest = url.substr(sep + 3);
    auto slash = rest.find('/');
    e.authority = rest.substr(0, slash);
    e.base_path = slash == std::string::npos ? "" : rest.substr(slash);
    while (!e.base_path.empty() && e.base_path.back() == '/') e.base_path.pop_back();
    if (e.authority.empty() || e.authority.find('@') != std::string::npos)
        throw UsageError("S3 endpoint '" + url +
                         "' must be scheme://HOST[:PORT][/PATH] (credentials belong in AWS_ACCESS_KEY_ID / "
                         "AWS_SECRET_ACCESS_KEY, not in the URL)");
    return e;
}

std::string explain_failure(const FailureInfo& f) {
    const Attempt& a = f.attempt;
    std::string head = f.what + " " + f.location + ": ";
    std::string tries = f.attempts > 1 ? " after " + std::to_string(f.attempts) + " attempts over " +
                                             format_seconds(f.seconds)
                                       : "";
    if (a.curl_code != 0) {
        auto code = static_cast<CURLcode>(a.curl_code);
        std::string why = a.os_errno != 0 ? std::string(std::strerror(a.os_errno)) : a.curl_error;
        switch (code) {
            case CURLE_COULDNT_CONNECT:
                return head + "cannot connect to " + f.endpoint + tries + ": " + why +
                       "; check s3.endpoint / AWS_ENDPOINT_URL and that the server is running";
            case CURLE_COULDNT_RESOLVE_HOST:
                return head + "cannot resolve the host of " + f.endpoint + tries + ": " + a.curl_error +
                       "; check s3.endpoint / AWS_ENDPOINT_URL (with virtual-host addressing the name is "
                       "BUCKET.HOST: set s3.path_style = true for servers that need path-style URLs)";
            case CURLE_OPERATION_TIMEDOUT:
                return head + "timed out talking to " + f.endpoint + tries + ": " + a.curl_error +
                       "; check the network path and the server's health (limits: s3.connect_timeout, and "
                       "s3.low_speed_time " +
                       std::to_string(f.low_speed_time.count()) + "s below s3.low_speed_limit " +
                       std::to_string(f.low_speed_limit) + " bytes/s)";
            case CURLE_PEER_FAILED_VERIFICATION:
            case CURLE_SSL_CACERT_BADFILE:
                return head + "the TLS certificate of " + f.endpoint +
                       " could not be verified: " + a.curl_error +
                       "; set s3.ca_bundle to the CA certificate that signed it (or, for testing only, "
                       "s3.verify_tls = false)";
            case CURLE_SSL_CONNECT_ERROR:
                return head + "the TLS handshake with " + f.endpoint + " failed" + tries + ": " +
                       a.curl_error +
                       "; check that the endpoint speaks https (or use http://) and s3.ca_bundle";
            default:
                return head + "the connection to " + f.endpoint + " failed" + tries + ": " + a.curl_error +
                       " (" + curl_easy_strerror(code) + "); check the network path and the server";
        }
    }
    long status = a.response.status;
    std::string code = a.s3_code;
    std::string out = head + std::to_string(status) + (code.empty() ? "" : " " + code) + tries;
    std::string hint = hint_for_code(f, code, status);
    if (hint == "see the server's message" && !a.s3_message.empty()) return out + ": " + a.s3_message;
    if (hint == "see the server's message") return out + ": the server refused the request";
    return out + ": " + hint;
}

Client::Client(S3Options opts) : opts_(std::move(opts)) {
    global_init();
    endpoint_ = parse_endpoint(opts_.endpoint, opts_.region);
}

Client::~Client() {
    for (void* h : pool_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* Client::acquire() {
    {
        std::lock_guard lock(pool_mu_);
        if (!pool_.empty()) {
            void* h = pool_.back();
            pool_.pop_back();
            return h;
        }
    }
    CURL* h = curl_easy_init();
    if (!h) throw StorageError("cannot initialise libcurl (out of memory?)");
    return h;
}

void Client::release(void* handle) {
    std::lock_guard lock(pool_mu_);
    // Enough for the part-upload threads plus the caller's and a reader's.
    if (pool_.size() < 16)
        pool_.push_back(handle);
    else
        curl_easy_cleanup(static_cast<CURL*>(handle));
}

std::string Client::endpoint_url() const {
    return endpoint_.scheme + "://" + endpoint_.authority + endpoint_.base_path;
}

std::string Client::location(const std::string& key) const {
    return "s3://" + opts_.bucket + (key.empty() ? "" : "/" + key);
}

RetryBudget Client::new_budget(bool ignore_cancel) const {
    // Cleanup requests must not hold up a Ctrl-C for long.
    if (ignore_cancel)
        return RetryBudget(std::min(opts_.max_retries, 2), opts_.retry_base_delay, std::chrono::seconds(10),
                           true);
    return RetryBudget(opts_.max_retries, opts_.retry_base_delay, opts_.retry_time_limit, false);
}

Attempt Client::perform(const Request& r) {
    CURL* h = static_cast<CURL*>(acquire());
    struct Release {
        Client* c;
        CURL* h;
        ~Release() {
            curl_easy_reset(h);  // drop pointers into this call's stack (error buffer, headers, callbacks)
            c->release(h);
        }
    } release_guard{this, h};

    std::string host = opts_.path_style ? endpoint_.authority : opts_.bucket + "." + endpoint_.authority;
    std::string path = endpoint_.base_path;
    if (opts_.path_style) path += "/" + uri_encode(opts_.bucket, false);
    if (!r.key.empty() || !opts_.path_style) path += "/" + uri_encode(r.key, true);
    std::string qs = canonical_query(r.query);
    std::string url = endpoint_.scheme + "://" + host + path + (qs.empty() ? "" : "?" + qs);

    SigningRequest sr;
    sr.method = r.method;
    sr.canonical_uri = path;
    sr.query = r.query;
    sr.headers = r.headers;
    sr.payload_sha256 = r.body_sha256.empty() ? sha256_hex_of(r.body) : r.body_sha256;
    sr.amz_date = amz_date_now();
    sr.region = opts_.region;
    sr.headers.emplace_back("host", host);
    sr.headers.emplace_back("x-amz-content-sha256", sr.payload_sha256);
    sr.headers.emplace_back("x-amz-date", sr.amz_date);
    if (!opts_.session_token.empty()) sr.headers.emplace_back("x-amz-security-token", opts_.session_token);

    struct SlistGuard {
        curl_slist* l = nullptr;
        ~SlistGuard() { curl_slist_free_all(l); }
    } hdrs;
    auto add = [&](const std::string& line) {
        curl_slist* n = curl_slist_append(hdrs.l, line.c_str());
        if (!n) throw StorageError("out of memory building an S3 request");
        hdrs.l = n;
    };
    for (const auto& [k, v] : sr.headers) add(k + ": " + v);
    add("Authorization: " + authorization_header(sr, {opts_.access_key_id, opts_.secret_access_key}));
    add("Expect:");  // no 100-continue round trip; auth failures are still reported (see below)
    bool has_content_type = std::any_of(r.headers.begin(), r.headers.end(), [](const auto& kv) {
        return ascii_lower(kv.first) == "content-type";
    });
    if (!has_content_type) add("Content-Type:");

    Transfer t;
    t.req = &r;
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs.l);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 0L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "pgark/" PGARK_VERSION);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(
        h, CURLOPT_CONNECTTIMEOUT_MS,
        static_cast<long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(opts_.connect_timeout).count()));
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(opts_.low_speed_time.count()));
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(opts_.low_speed_limit));
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, opts_.verify_tls ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, opts_.verify_tls ? 2L : 0L);
    if (!opts_.ca_bundle.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, opts_.ca_bundle.c_str());

    if (r.method == "GET") {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (r.method == "HEAD") {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (r.method == "PUT") {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    } else if (r.method == "POST") {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    }
    if (r.method == "PUT" || r.method == "POST") {
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, &t);
        curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(h, CURLOPT_SEEKDATA, &t);
    }

    CURLcode rc = curl_easy_perform(h);
    if (t.callback_error) std::rethrow_exception(t.callback_error);

    Attempt a;
    a.curl_code = static_cast<int>(rc);
    a.response.status = t.status;
    a.response.headers = std::move(t.headers);
    a.response.body = std::move(t.body);
    if (rc != CURLE_OK) {
        a.curl_error = errbuf[0] ? errbuf : curl_easy_strerror(rc);
        long oserr = 0;
        curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
        a.os_errno = static_cast<int>(oserr);
        // A server may answer an error (403, 400) and close before taking the whole body: keep the answer.
        if ((rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR) && t.status >= 400 && t.status < 500 &&
            !a.response.body.empty()) {
            a.curl_code = 0;
            a.curl_error.clear();
        }
    }
    if (a.curl_code == 0) {
        bool ok = a.response.status >= 200 && a.response.status < 300;
        if (!ok || r.error_in_2xx_body) {
            if (auto err = parse_error(a.response.body)) {
                a.s3_code = err->code;
                a.s3_message = err->message;
            }
        }
        if (ok && !a.s3_code.empty()) {
            // 200 carrying an <Error>: retry what the code says is transient, fail on the rest.
            a.outcome = classify(0, 500, a.s3_code) == Outcome::retry ? Outcome::retry : Outcome::fail;
            return a;
        }
    }
    a.outcome = classify(a.curl_code, a.response.status, a.s3_code);
    if (a.outcome == Outcome::cancelled && t.stopped_by_us) a.outcome = Outcome::fail;
    return a;
}

void Client::fail(const Request& r, const std::string& what, const Attempt& a,
                  const RetryBudget& budget) const {
    if (a.outcome == Outcome::cancelled) throw Interrupted();
    FailureInfo f;
    f.what = what;
    f.location = location(r.message_key.empty() ? r.key : r.message_key);
    f.bucket = opts_.bucket;
    f.endpoint = endpoint_url();
    f.attempt = a;
    f.attempts = budget.attempts();
    f.seconds = budget.elapsed_seconds();
    f.low_speed_time = opts_.low_speed_time;
    f.low_speed_limit = opts_.low_speed_limit;
    // Defence in depth: no server text may carry the credentials or a signature into a message.
    if (f.attempt.s3_message.find("Signature") != std::string::npos ||
        f.attempt.s3_message.find("AWS4-HMAC-SHA256") != std::string::npos)
        f.attempt.s3_message.clear();
    std::string msg = explain_failure(f);
    for (const std::string* secret : {&opts_.secret_access_key, &opts_.session_token}) {
        if (secret->size() < 4) continue;
        for (auto pos = msg.find(*secret); pos != std::string::npos; pos = msg.find(*secret, pos))
            msg.replace(pos, secret->size(), "***");
    }
    if (a.curl_code == 0 && a.response.status == 404 && a.s3_code != "NoSuchBucket") throw NotFoundError(msg);
    throw StorageError(msg);
}

Response Client::execute(const Request& req, const std::string& what, std::initializer_list<long> accept) {
    // A request started after Ctrl-C is cleanup (an RAII owner removing its traces, like the posix driver's
    // unlink): it runs to the end, with the short cleanup budget, instead of failing at once.
    Request r = req;
    if (cancel::requested()) r.ignore_cancel = true;
    RetryBudget budget = new_budget(r.ignore_cancel);
    for (;;) {
        Attempt a = perform(r);
        if (a.outcome == Outcome::success) return std::move(a.response);
        if (a.curl_code == 0 && std::find(accept.begin(), accept.end(), a.response.status) != accept.end() &&
            a.outcome != Outcome::retry)
            return std::move(a.response);
        if (a.outcome == Outcome::retry && budget.wait_for_retry()) continue;
        fail(r, what, a, budget);
    }
}

}  // namespace pgark::s3
