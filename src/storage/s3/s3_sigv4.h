// AWS Signature Version 4 for S3 requests, and the URI encoding rules the signature depends on.
// Pure functions (no I/O) so they can be checked against AWS's published test vectors.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgark::s3 {

using Params = std::vector<std::pair<std::string, std::string>>;

// RFC 3986 percent-encoding as SigV4 defines it: unreserved characters stay, everything else is %XX
// (upper-case hex). '/' stays only when `keep_slash` (object key paths).
std::string uri_encode(std::string_view s, bool keep_slash);

// "a=1&b=&c=%2F": keys and values encoded, sorted by encoded key then value. Used both on the wire
// and in the canonical request so the two can never disagree.
std::string canonical_query(const Params& query);

struct SigningRequest {
    std::string method;          // "GET"
    std::string canonical_uri;   // already encoded path: "/bucket/some%20key"
    Params query;                // unencoded
    Params headers;              // every header to sign, any case; values as sent
    std::string payload_sha256;  // hex, or "UNSIGNED-PAYLOAD"
    std::string amz_date;        // "20130524T000000Z"
    std::string region;          // "us-east-1"
    std::string service = "s3";
};

struct Credentials {
    std::string access_key_id;
    std::string secret_access_key;
};

std::string canonical_request(const SigningRequest& r);
std::string string_to_sign(const SigningRequest& r);
// Hex signature of the request.
std::string signature(const SigningRequest& r, const std::string& secret_access_key);
// The full Authorization header value (never logged: it identifies the key and proves possession).
std::string authorization_header(const SigningRequest& r, const Credentials& creds);

// Helpers shared with the client.
std::string sha256_hex_of(std::span<const std::byte> data);
std::string sha256_hex_of(std::string_view data);
std::string md5_base64_of(std::string_view data);
std::string amz_date_now();  // "YYYYMMDDTHHMMSSZ" in UTC

}  // namespace pgark::s3
