// Settings of the S3 driver, filled by the config layer (never logged: holds the secret key).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace pgark {

struct S3Options {
    std::string bucket;
    std::string prefix;              // key prefix inside the bucket, no leading/trailing '/'
    std::string endpoint;            // "https://s3.eu-west-1.amazonaws.com", "http://127.0.0.1:9000"; empty = AWS default for region
    std::string region = "us-east-1";
    bool path_style = true;          // http://host/bucket/key vs http://bucket.host/key
    bool verify_tls = true;
    std::string ca_bundle;           // PEM file; empty = system default
    std::string access_key_id;
    std::string secret_access_key;   // secret
    std::string session_token;       // secret
    std::uint64_t part_size = 16ull << 20;
    int parallel_parts = 4;
    std::chrono::seconds connect_timeout{10};
    std::chrono::seconds low_speed_time{30};   // abort a transfer slower than low_speed_limit for this long
    std::uint64_t low_speed_limit = 1024;      // bytes/s
    int max_retries = 5;
};

}  // namespace pgark
