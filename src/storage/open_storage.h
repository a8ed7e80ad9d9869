// Chooses the storage driver for a repository URL: a path or file:// URL (posix), or s3://bucket/prefix.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "storage/s3/s3_options.h"
#include "storage/storage.h"

namespace pgark {

// `s3` supplies endpoint, credentials and tuning; bucket and prefix come from the URL.
std::unique_ptr<Storage> open_storage(const std::string& url, const S3Options& s3);

bool is_s3_url(const std::string& url);

// The locations that enclose `url`, nearest first: a path's parent directories up to "/", or for
// s3://bucket/a/b the locations s3://bucket/a and s3://bucket.
std::vector<std::string> enclosing_locations(const std::string& url);

}  // namespace pgark
