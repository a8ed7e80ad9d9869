// libcurl-based JSON POST; see http_post.h.
#include "util/http_post.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace pgark {

HttpPostResult http_post_json(const std::string& url, const std::string& body, std::chrono::seconds timeout) {
    HttpPostResult r;
    // libcurl's global init is not thread-safe before 7.84; refcounted, so the S3 client's own call is fine.
    static std::once_flag init;
    std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) {
        r.error = "cannot initialise libcurl";
        return r;
    }
    curl_slist* raw_headers = curl_slist_append(nullptr, "Content-Type: application/json");
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(raw_headers, curl_slist_free_all);
    auto discard = +[](char*, size_t size, size_t n, void*) -> size_t { return size * n; };
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_POST, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, static_cast<long>(timeout.count()));
    curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(curl.get());
    if (rc != CURLE_OK) {
        r.error = curl_easy_strerror(rc);
        return r;
    }
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &r.status);
    r.ok = r.status >= 200 && r.status < 300;
    if (!r.ok) r.error = "HTTP status " + std::to_string(r.status);
    return r;
}

}  // namespace pgark
