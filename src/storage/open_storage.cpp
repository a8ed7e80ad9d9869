// Repository URL → storage driver: posix paths and file:// URLs, or s3://bucket/prefix.
#include "storage/open_storage.h"

#include <filesystem>

#include "storage/posix/posix_storage.h"
#include "storage/s3/s3_client.h"
#include "storage/s3/s3_storage.h"
#include "util/error.h"

namespace pgark {

bool is_s3_url(const std::string& url) {
    return url.rfind("s3://", 0) == 0;
}

std::unique_ptr<Storage> open_storage(const std::string& url, const S3Options& s3_settings) {
    if (url.empty())
        throw UsageError(
            "no repository given: pass --repo PATH|s3://BUCKET/PREFIX or set repository.url in the config");
    if (is_s3_url(url)) {
        auto loc = s3::parse_s3_url(url);
        S3Options opts = s3_settings;
        opts.bucket = loc.bucket;
        opts.prefix = loc.prefix;
        return std::make_unique<S3Storage>(std::move(opts));
    }
    std::string path = url.rfind("file://", 0) == 0 ? url.substr(7) : url;
    return std::make_unique<PosixStorage>(std::filesystem::absolute(path).lexically_normal());
}

std::vector<std::string> enclosing_locations(const std::string& url) {
    std::vector<std::string> out;
    if (is_s3_url(url)) {
        auto loc = s3::parse_s3_url(url);
        std::string prefix = loc.prefix;
        while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
        while (!prefix.empty()) {
            auto slash = prefix.rfind('/');
            prefix = slash == std::string::npos ? "" : prefix.substr(0, slash);
            out.push_back("s3://" + loc.bucket + (prefix.empty() ? "" : "/" + prefix));
        }
        return out;
    }
    std::string path = url.rfind("file://", 0) == 0 ? url.substr(7) : url;
    auto p = std::filesystem::absolute(path).lexically_normal();
    if (!p.has_filename()) p = p.parent_path();  // "/srv/repo/" names /srv/repo
    while (p.has_relative_path()) {
        p = p.parent_path();
        out.push_back(p.string());
    }
    return out;
}

}  // namespace pgark
