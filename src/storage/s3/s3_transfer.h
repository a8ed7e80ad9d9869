// The S3 driver's streaming writer (single PUT or parallel multipart upload) and reader (ranged GETs
// that resume after a dropped connection).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "storage/s3/s3_client.h"
#include "storage/storage.h"

namespace pgark::s3 {

// `key` is the full key in the bucket.
std::unique_ptr<ObjectWriter> make_writer(std::shared_ptr<Client> client, std::string key);

// Fetches the first window before returning, so a missing key throws NotFoundError here.
std::unique_ptr<ObjectReader> make_reader(std::shared_ptr<Client> client, std::string key,
                                          std::uint64_t offset, std::optional<std::uint64_t> length);

}  // namespace pgark::s3
