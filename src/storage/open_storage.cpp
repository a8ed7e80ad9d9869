// Repository URL → storage driver.
#include "storage/open_storage.h"

#include <filesystem>

#include "storage/posix_storage.h"
#include "util/error.h"

namespace pgark {

bool is_s3_url(const std::string& url) { return url.rfind("s3://", 0) == 0; }

std::unique_ptr<Storage> open_storage(const std::string& url, const S3Options& s3) {
    (void)s3;
    if (url.empty())
        throw UsageError("no repository given: pass --repo PATH|s3://BUCKET/PREFIX or set repository.url in the config");
    if (is_s3_url(url))
        throw UsageError("S3 repositories are not supported by this build yet (" + url + ")");
    std::string path = url.rfind("file://", 0) == 0 ? url.substr(7) : url;
    return std::make_unique<PosixStorage>(std::filesystem::absolute(path).lexically_normal());
}

}  // namespace pgark
