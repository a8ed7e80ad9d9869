// For tests: a Storage that wraps another and fails chosen operations with StorageError ("disk full",
// "S3 503"), by kind of operation, key pattern and call number, once or from then on, optionally after
// passing part of a write through, so that callers' failure paths run deterministically in unit tests.
// A driver of the same shape as the others; nothing outside tests constructs it.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/storage.h"

namespace pgark {

enum class StorageOp {
    create,  // Storage::create
    write,   // ObjectWriter::write
    commit,  // ObjectWriter::commit
    open,    // Storage::open
    read,    // ObjectReader::read
    stat,
    list,  // the key matched is the prefix
    remove,
    put_if_absent,
    list_unfinished_writes,  // the key matched is the prefix
    discard_unfinished_write,
};

const char* to_string(StorageOp op);

// Built by chaining: Fault(StorageOp::commit).key("backups/*/claim-*").nth(2).message("disk full").
struct Fault {
    explicit Fault(StorageOp o) : op(o) {}
    // fnmatch(3) pattern for the key, '*' also matching '/'; remove matches when any of its keys does.
    Fault& key(std::string pattern) {
        key_pattern = std::move(pattern);
        return *this;
    }
    // The first matching call that fails (1: the first).
    Fault& nth(int n) {
        nth_call = n;
        return *this;
    }
    // The nth and every later matching call fail (otherwise only the nth).
    Fault& always() {
        repeat = true;
        return *this;
    }
    Fault& message(std::string m) {
        text = std::move(m);
        return *this;
    }
    // write: how many bytes of the failing call reach the wrapped writer first; remove: how many of
    // the keys (in the order given) are removed before the failure.
    Fault& pass_through(std::uint64_t n) {
        passed = n;
        return *this;
    }

    StorageOp op;
    std::string key_pattern = "*";
    int nth_call = 1;
    bool repeat = false;
    std::string text = "injected fault";
    std::optional<std::uint64_t> passed;  // nothing passes when unset
};

class FaultInjectingStorage : public Storage {
  public:
    // `inner` must outlive this and every reader and writer it hands out.
    explicit FaultInjectingStorage(Storage& inner);

    void inject(Fault f);
    void clear();
    // How many calls of `op` were made (failed ones included), and how many faults fired.
    int calls(StorageOp op) const;
    int fired() const;

    // The Storage contract (storage.h): every call goes to the wrapped storage unless a fault fires.
    std::string describe() const override;
    // Fails on `create` faults; the writer it returns fails on `write` and `commit` faults.
    std::unique_ptr<ObjectWriter> create(const std::string& key) override;
    // Fails on `open` faults; the reader it returns fails on `read` faults.
    std::unique_ptr<ObjectReader> open(const std::string& key, std::uint64_t offset,
                                       std::optional<std::uint64_t> length) override;
    std::optional<ObjectInfo> stat(const std::string& key) override;
    std::vector<ObjectInfo> list(const std::string& prefix) override;
    // A fault with pass_through(n) removes the first n keys, then fails.
    void remove(const std::vector<std::string>& keys) override;
    bool put_if_absent(const std::string& key, const std::string& data) override;
    std::vector<UnfinishedWrite> list_unfinished_writes(const std::string& prefix) override;
    void discard_unfinished_write(const UnfinishedWrite& w) override;  // matched by the write's key

    // Counts a call of `op` on `keys` and returns the fault that fires for it, if any. Public for the
    // wrapped readers and writers.
    std::optional<Fault> check(StorageOp op, const std::vector<std::string>& keys);
    [[noreturn]] void fail(const Fault& f, const std::string& key) const;

  private:
    struct Armed {
        Fault fault;
        int seen = 0;
    };
    Storage& inner_;
    mutable std::mutex mu_;
    std::vector<Armed> faults_;
    std::vector<int> calls_;
    int fired_ = 0;
};

}  // namespace pgark
