// Settings of the S3 driver, filled by the config layer (never logged: holds the secret key).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace pgark {

struct S3Options {
    std::string bucket;
    std::string prefix;  // key prefix inside the bucket, no leading/trailing '/'
    // "https://s3.eu-west-1.amazonaws.com", "http://127.0.0.1:9000"; empty = AWS default for the region
    std::string endpoint;
    std::string region = "us-east-1";
    bool path_style = true;  // http://host/bucket/key vs http://bucket.host/key
    bool verify_tls = true;
    std::string ca_bundle;  // PEM file; empty = system default
    std::string access_key_id;
    std::string secret_access_key;  // secret
    std::string session_token;      // secret
    std::uint64_t part_size = 16ull << 20;
    int parallel_parts = 4;
    std::chrono::seconds connect_timeout{10};
    std::chrono::seconds low_speed_time{30};  // abort a transfer slower than low_speed_limit for this long
    std::uint64_t low_speed_limit = 1024;     // bytes/s
    int max_retries = 5;
    // First retry delay; doubles per attempt (capped at 10 s), with jitter.
    std::chrono::milliseconds retry_base_delay{250};
    // Wall-clock bound on retrying one request: no new attempt starts after this.
    std::chrono::seconds retry_time_limit{300};
    int list_page_size = 1000;               // ListObjectsV2 max-keys (S3 caps it at 1000)
    int delete_batch_size = 1000;            // keys per DeleteObjects request (S3 caps it at 1000)
    std::uint64_t read_window = 8ull << 20;  // bytes per ranged GET while streaming an object
};

}  // namespace pgark
