// The one storage interface behind which the drivers (posix/, s3/; memory/ and faulty/ for tests) are
// interchangeable. Keys are relative, '/'-separated paths inside the repository ("backups/db/id/...").
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

// A write that was started but neither committed nor cleaned up: its writer is still running, or died
// without a chance to clean up (SIGKILL, power loss). Invisible to list() and stat().
struct UnfinishedWrite {
    std::string key;     // the object it would have created ("backups/db/id/archive.pgdump.zst")
    SystemTime since;    // posix, memory: the last write; s3: when the upload was initiated
    std::string handle;  // the driver's name for it: the temp file's key, the multipart upload id
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

    // Unfinished writes of objects whose key starts with `prefix`, in key order.
    virtual std::vector<UnfinishedWrite> list_unfinished_writes(const std::string& prefix) = 0;
    // Discards one (removes the temp file, aborts the multipart upload); one already gone is not an
    // error. A writer still running at that moment fails at commit(), saying so.
    virtual void discard_unfinished_write(const UnfinishedWrite& w) = 0;
    // Discards the unfinished writes under `prefix` that date from before `older_than` (writers that
    // are long dead) and returns them; with `dry_run` only returns them.
    std::vector<UnfinishedWrite> sweep_abandoned_writes(const std::string& prefix, SystemTime older_than,
                                                        bool dry_run = false);

    // Conveniences for small objects (manifests, markers, reports).
    void put(const std::string& key, const std::string& data);
    std::string get(const std::string& key);
};

// Rejects keys that could escape the repository (absolute, "..", empty segments, control characters).
void check_key(const std::string& key);

}  // namespace pgark
