// AWS Signature Version 4 (header-based), computed with OpenSSL. See docs/adr/0003-s3-signing.md for why
// pgark signs requests itself instead of using CURLOPT_AWS_SIGV4.
#include "storage/s3/s3_sigv4.h"
#include "util/text.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <ctime>
#include <stdexcept>

namespace pgark::s3 {
namespace {

constexpr const char* kHex = "0123456789abcdef";

std::string to_hex(const unsigned char* p, std::size_t n) {
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out += kHex[p[i] >> 4];
        out += kHex[p[i] & 15];
    }
    return out;
}

std::string digest(const EVP_MD* md, const void* data, std::size_t n) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data, n, out, &len, md, nullptr) != 1) throw std::runtime_error("OpenSSL digest failed");
    return std::string(reinterpret_cast<const char*>(out), len);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len))
        throw std::runtime_error("OpenSSL HMAC failed");
    return std::string(reinterpret_cast<const char*>(out), len);
}

// Trims and collapses runs of spaces, as the canonical header rules require.
std::string canonical_header_value(std::string_view v) {
    std::string out;
    bool space = false;
    for (char c : v) {
        if (c == ' ' || c == '\t') {
            space = true;
            continue;
        }
        if (space && !out.empty()) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

// Sorted (name, value) pairs with lower-case names; repeated names joined with ','.
std::vector<std::pair<std::string, std::string>> canonical_headers(const Params& headers) {
    std::vector<std::pair<std::string, std::string>> hs;
    for (const auto& [k, v] : headers) hs.emplace_back(ascii_lower(k), canonical_header_value(v));
    std::stable_sort(hs.begin(), hs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::pair<std::string, std::string>> merged;
    for (auto& h : hs) {
        if (!merged.empty() && merged.back().first == h.first)
            merged.back().second += "," + h.second;
        else
            merged.push_back(std::move(h));
    }
    return merged;
}

std::string signed_header_names(const Params& headers) {
    std::string out;
    for (const auto& [k, v] : canonical_headers(headers)) {
        if (!out.empty()) out += ';';
        out += k;
    }
    return out;
}

std::string scope(const SigningRequest& r) {
    return r.amz_date.substr(0, 8) + "/" + r.region + "/" + r.service + "/aws4_request";
}

}  // namespace

std::string uri_encode(std::string_view s, bool keep_slash) {
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                          c == '-' || c == '_' || c == '.' || c == '~';
        if (unreserved || (keep_slash && c == '/')) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += "0123456789ABCDEF"[c >> 4];
            out += "0123456789ABCDEF"[c & 15];
        }
    }
    return out;
}

std::string canonical_query(const Params& query) {
    std::vector<std::pair<std::string, std::string>> enc;
    enc.reserve(query.size());
    for (const auto& [k, v] : query) enc.emplace_back(uri_encode(k, false), uri_encode(v, false));
    std::sort(enc.begin(), enc.end());
    std::string out;
    for (const auto& [k, v] : enc) {
        if (!out.empty()) out += '&';
        out += k + "=" + v;
    }
    return out;
}

std::string canonical_request(const SigningRequest& r) {
    std::string out = r.method + "\n" + (r.canonical_uri.empty() ? "/" : r.canonical_uri) + "\n" +
                      canonical_query(r.query) + "\n";
    for (const auto& [k, v] : canonical_headers(r.headers)) out += k + ":" + v + "\n";
    out += "\n" + signed_header_names(r.headers) + "\n" + r.payload_sha256;
    return out;
}

std::string string_to_sign(const SigningRequest& r) {
    return "AWS4-HMAC-SHA256\n" + r.amz_date + "\n" + scope(r) + "\n" + sha256_hex_of(canonical_request(r));
}

std::string signature(const SigningRequest& r, const std::string& secret_access_key) {
    std::string k = hmac_sha256("AWS4" + secret_access_key, r.amz_date.substr(0, 8));
    k = hmac_sha256(k, r.region);
    k = hmac_sha256(k, r.service);
    k = hmac_sha256(k, "aws4_request");
    std::string sig = hmac_sha256(k, string_to_sign(r));
    return to_hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size());
}

std::string authorization_header(const SigningRequest& r, const Credentials& creds) {
    return "AWS4-HMAC-SHA256 Credential=" + creds.access_key_id + "/" + scope(r) +
           ", SignedHeaders=" + signed_header_names(r.headers) +
           ", Signature=" + signature(r, creds.secret_access_key);
}

std::string sha256_hex_of(std::span<const std::byte> data) {
    std::string d = digest(EVP_sha256(), data.data(), data.size());
    return to_hex(reinterpret_cast<const unsigned char*>(d.data()), d.size());
}

std::string sha256_hex_of(std::string_view data) {
    return sha256_hex_of(std::as_bytes(std::span(data.data(), data.size())));
}

std::string md5_base64_of(std::string_view data) {
    std::string d = digest(EVP_md5(), data.data(), data.size());
    std::array<unsigned char, 64> out{};
    int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(d.data()),
                            static_cast<int>(d.size()));
    return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n));
}

std::string amz_date_now() {
    std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[20];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

}  // namespace pgark::s3
