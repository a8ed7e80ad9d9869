// The one storage interface behind which the posix and s3 drivers are interchangeable.
// Keys are relative, '/'-separated paths inside the repository ("backups/db/id/manifest.json").
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "util/time.h"

namespace pgark {

struct ObjectInfo {
    std::string key;
    std::uint64_t size = 0;
    std::optional<SystemTime> modified;
};

// A stream of unknown length written to `key`. Nothing is visible under the key until commit();
// a writer destroyed without commit() removes every trace of itself (temp file, multipart upload).
class ObjectWriter {
public:
    virtual ~ObjectWriter() = default;
    virtual void write(std::span<const std::byte> data) = 0;
    // Makes the object durable and visible atomically. Throws on failure (and cleans up).
    virtual void commit() = 0;
    virtual std::uint64_t bytes_written() const = 0;
};

// Sequential reads of an object (or of a byte range of it).
class ObjectReader {
public:
    virtual ~ObjectReader() = default;
    // Fills up to buf.size() bytes; 0 means end of object (or of the range).
    virtual std::size_t read(std::span<std::byte> buf) = 0;
};

class Storage {
public:
    virtual ~Storage() = default;

    // Human-readable location for messages ("/srv/backups", "s3://bucket/prefix"); never secrets.
    virtual std::string describe() const = 0;

    virtual std::unique_ptr<ObjectWriter> create(const std::string& key) = 0;
    // Reads [offset, offset+length) or to the end. Throws NotFoundError for a missing key.
    virtual std::unique_ptr<ObjectReader> open(const std::string& key, std::uint64_t offset = 0,
                                               std::optional<std::uint64_t> length = std::nullopt) = 0;
    virtual std::optional<ObjectInfo> stat(const std::string& key) = 0;
    // Every object whose key starts with `prefix`, in key order; drivers paginate internally.
    virtual std::vector<ObjectInfo> list(const std::string& prefix) = 0;
    // Removes the keys that exist; missing keys are not an error.
    virtual void remove(const std::vector<std::string>& keys) = 0;
    // Stores `data` under `key` only if nothing is there yet; false if the key existed.
    // Atomic on posix; best effort (check, then put) on S3 servers without conditional writes.
    virtual bool put_if_absent(const std::string& key, const std::string& data) = 0;

    // Conveniences for small objects (manifests, markers, reports).
    void put(const std::string& key, const std::string& data);
    std::string get(const std::string& key);
};

// Rejects keys that could escape the repository (absolute, "..", empty segments, control characters).
void check_key(const std::string& key);

}  // namespace pgark
