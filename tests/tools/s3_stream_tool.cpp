// Test helper: streams generated data to or from an S3 repository through the real driver and reports
// its own peak memory (VmHWM), so a test can check that a 1 GiB object is never buffered whole.
//
//   pgark_s3_stream_tool upload   s3://BUCKET/PREFIX KEY BYTES
//   pgark_s3_stream_tool download s3://BUCKET/PREFIX KEY
// Connection settings from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL.
// Prints "bytes=N sha256=HEX vmhwm_kib=K" on success.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "storage/open_storage.h"
#include "stream/sha256.h"
#include "util/error.h"

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

long vmhwm_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
    return -1;
}

int run(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: pgark_s3_stream_tool upload URL KEY BYTES | download URL KEY\n";
        return 2;
    }
    std::string mode = argv[1], url = argv[2], key = argv[3];
    pgark::S3Options o;
    o.access_key_id = env("AWS_ACCESS_KEY_ID");
    o.secret_access_key = env("AWS_SECRET_ACCESS_KEY");
    o.region = env("AWS_REGION").empty() ? "us-east-1" : env("AWS_REGION");
    o.endpoint = env("AWS_ENDPOINT_URL");
    o.path_style = true;
    auto storage = pgark::open_storage(url, o);
    pgark::Sha256 sha;
    std::uint64_t total = 0;
    if (mode == "upload" && argc >= 5) {
        std::uint64_t n = std::strtoull(argv[4], nullptr, 10);
        std::vector<std::uint64_t> block(1 << 17);  // 1 MiB of xorshift output at a time
        std::uint64_t x = 0x9E3779B97F4A7C15ull;
        auto w = storage->create(key);
        while (total < n) {
            for (auto& v : block) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                v = x;
            }
            auto bytes = std::as_bytes(std::span(block));
            bytes = bytes.first(static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), n - total)));
            sha.update(bytes);
            w->write(bytes);
            total += bytes.size();
        }
        w->commit();
    } else if (mode == "download") {
        auto r = storage->open(key, 0, std::nullopt);
        std::vector<std::byte> buf(1 << 16);
        for (;;) {
            std::size_t got = r->read(buf);
            if (got == 0) break;
            sha.update(std::span(buf).first(got));
            total += got;
        }
    } else {
        std::cerr << "unknown mode " << mode << "\n";
        return 2;
    }
    std::cout << "bytes=" << total << " sha256=" << sha.hex_digest() << " vmhwm_kib=" << vmhwm_kib()
              << std::endl;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "pgark_s3_stream_tool: " << e.what() << "\n";
        return 1;
    }
}
