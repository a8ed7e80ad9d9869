// A small HTTP(S) POST for notifications (webhooks): one request with a timeout, no retries.
#pragma once

#include <chrono>
#include <string>

namespace pgark {

struct HttpPostResult {
    bool ok = false;    // a 2xx response
    long status = 0;    // HTTP status, 0 when no response
    std::string error;  // what went wrong, without the URL (webhook URLs carry tokens)
};

// POSTs `body` as application/json to `url`. Never throws for network or HTTP errors.
HttpPostResult http_post_json(const std::string& url, const std::string& body,
                              std::chrono::seconds timeout = std::chrono::seconds(10));

}  // namespace pgark
