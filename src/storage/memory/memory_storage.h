// An in-process storage driver: the whole Storage contract over a map in memory, so that repository,
// prune, lock and claim logic can be tested without a filesystem or a server. Thread-safe; readers
// and writers may outlive the MemoryStorage. Nothing survives the process.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "storage/storage.h"

namespace pgark {

class MemoryStorage : public Storage {
  public:
    using Clock = std::function<SystemTime()>;
    // `name` shows in describe() ("memory:<name>"); `clock` dates objects and writes (default: the
    // system clock), so tests can age them.
    explicit MemoryStorage(std::string name = "test", Clock clock = {});
    ~MemoryStorage() override;

    // The Storage contract (storage.h), and how this driver meets it:
    std::string describe() const override;
    // The data stays with the writer until commit() moves it under the key in one step.
    std::unique_ptr<ObjectWriter> create(const std::string& key) override;
    // Reads a snapshot: an object replaced or removed meanwhile does not change an open reader.
    std::unique_ptr<ObjectReader> open(const std::string& key, std::uint64_t offset,
                                       std::optional<std::uint64_t> length) override;
    // `modified` is the clock's time at commit (or put_if_absent).
    std::optional<ObjectInfo> stat(const std::string& key) override;
    std::vector<ObjectInfo> list(const std::string& prefix) override;  // a range of the sorted map
    void remove(const std::vector<std::string>& keys) override;
    bool put_if_absent(const std::string& key, const std::string& data) override;  // under one lock
    // Writers not yet committed, `since` their last write (like a posix temp file's modification
    // time); handles are "memory-write-<n>".
    std::vector<UnfinishedWrite> list_unfinished_writes(const std::string& prefix) override;
    void discard_unfinished_write(const UnfinishedWrite& w) override;

    // What a writer killed without a chance to clean up (SIGKILL) leaves: an unfinished write of `key`
    // dated `since`, with no writer behind it, until it is discarded.
    UnfinishedWrite leave_unfinished_write(const std::string& key, SystemTime since);

    struct State;

  private:
    std::string name_;
    std::shared_ptr<State> state_;
};

}  // namespace pgark
