// The fault-injecting storage wrapper for tests: counts calls, fires armed faults, forwards the rest.
#include "storage/faulty/fault_injecting_storage.h"

#include <fnmatch.h>

#include <algorithm>

#include "util/error.h"

namespace pgark {

const char* to_string(StorageOp op) {
    switch (op) {
        case StorageOp::create:
            return "create";
        case StorageOp::write:
            return "write";
        case StorageOp::commit:
            return "commit";
        case StorageOp::open:
            return "open";
        case StorageOp::read:
            return "read";
        case StorageOp::stat:
            return "stat";
        case StorageOp::list:
            return "list";
        case StorageOp::remove:
            return "remove";
        case StorageOp::put_if_absent:
            return "put_if_absent";
        case StorageOp::list_unfinished_writes:
            return "list_unfinished_writes";
        case StorageOp::discard_unfinished_write:
            return "discard_unfinished_write";
    }
    return "?";
}

namespace {

constexpr std::size_t kOps = static_cast<std::size_t>(StorageOp::discard_unfinished_write) + 1;

class FaultyWriter : public ObjectWriter {
  public:
    FaultyWriter(FaultInjectingStorage& owner, std::unique_ptr<ObjectWriter> inner, std::string key)
        : owner_(owner), inner_(std::move(inner)), key_(std::move(key)) {}
    void write(std::span<const std::byte> data) override {
        if (auto f = owner_.check(StorageOp::write, {key_})) {
            if (f->passed) inner_->write(data.first(std::min<std::size_t>(data.size(), *f->passed)));
            owner_.fail(*f, key_);
        }
        inner_->write(data);
    }
    void commit() override {
        if (auto f = owner_.check(StorageOp::commit, {key_})) owner_.fail(*f, key_);
        inner_->commit();
    }
    std::uint64_t bytes_written() const override { return inner_->bytes_written(); }

  private:
    FaultInjectingStorage& owner_;
    std::unique_ptr<ObjectWriter> inner_;
    std::string key_;
};

class FaultyReader : public ObjectReader {
  public:
    FaultyReader(FaultInjectingStorage& owner, std::unique_ptr<ObjectReader> inner, std::string key)
        : owner_(owner), inner_(std::move(inner)), key_(std::move(key)) {}
    std::size_t read(std::span<std::byte> buf) override {
        if (auto f = owner_.check(StorageOp::read, {key_})) owner_.fail(*f, key_);
        return inner_->read(buf);
    }

  private:
    FaultInjectingStorage& owner_;
    std::unique_ptr<ObjectReader> inner_;
    std::string key_;
};

}  // namespace

FaultInjectingStorage::FaultInjectingStorage(Storage& inner) : inner_(inner), calls_(kOps, 0) {}

void FaultInjectingStorage::inject(Fault f) {
    std::lock_guard lock(mu_);
    faults_.push_back({std::move(f), 0});
}

void FaultInjectingStorage::clear() {
    std::lock_guard lock(mu_);
    faults_.clear();
}

int FaultInjectingStorage::calls(StorageOp op) const {
    std::lock_guard lock(mu_);
    return calls_[static_cast<std::size_t>(op)];
}

int FaultInjectingStorage::fired() const {
    std::lock_guard lock(mu_);
    return fired_;
}

std::optional<Fault> FaultInjectingStorage::check(StorageOp op, const std::vector<std::string>& keys) {
    std::lock_guard lock(mu_);
    ++calls_[static_cast<std::size_t>(op)];
    for (auto& a : faults_) {
        if (a.fault.op != op) continue;
        const bool match = std::any_of(keys.begin(), keys.end(), [&](const std::string& k) {
            return ::fnmatch(a.fault.key_pattern.c_str(), k.c_str(), 0) == 0;
        });
        if (!match) continue;
        ++a.seen;
        if (a.seen == a.fault.nth_call || (a.fault.repeat && a.seen > a.fault.nth_call)) {
            ++fired_;
            return a.fault;
        }
    }
    return std::nullopt;
}

void FaultInjectingStorage::fail(const Fault& f, const std::string& key) const {
    throw StorageError(std::string(to_string(f.op)) + " of " + key + " in " + inner_.describe() +
                       " failed: " + f.text);
}

std::string FaultInjectingStorage::describe() const {
    return inner_.describe();
}

std::unique_ptr<ObjectWriter> FaultInjectingStorage::create(const std::string& key) {
    if (auto f = check(StorageOp::create, {key})) fail(*f, key);
    return std::make_unique<FaultyWriter>(*this, inner_.create(key), key);
}

std::unique_ptr<ObjectReader> FaultInjectingStorage::open(const std::string& key, std::uint64_t offset,
                                                          std::optional<std::uint64_t> length) {
    if (auto f = check(StorageOp::open, {key})) fail(*f, key);
    return std::make_unique<FaultyReader>(*this, inner_.open(key, offset, length), key);
}

std::optional<ObjectInfo> FaultInjectingStorage::stat(const std::string& key) {
    if (auto f = check(StorageOp::stat, {key})) fail(*f, key);
    return inner_.stat(key);
}

std::vector<ObjectInfo> FaultInjectingStorage::list(const std::string& prefix) {
    if (auto f = check(StorageOp::list, {prefix})) fail(*f, prefix);
    return inner_.list(prefix);
}

void FaultInjectingStorage::remove(const std::vector<std::string>& keys) {
    if (auto f = check(StorageOp::remove, keys)) {
        if (f->passed) {
            const auto n = std::min<std::size_t>(keys.size(), *f->passed);
            inner_.remove({keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(n)});
        }
        fail(*f, keys.size() == 1 ? keys[0] : std::to_string(keys.size()) + " keys");
    }
    inner_.remove(keys);
}

bool FaultInjectingStorage::put_if_absent(const std::string& key, const std::string& data) {
    if (auto f = check(StorageOp::put_if_absent, {key})) fail(*f, key);
    return inner_.put_if_absent(key, data);
}

std::vector<UnfinishedWrite> FaultInjectingStorage::list_unfinished_writes(const std::string& prefix) {
    if (auto f = check(StorageOp::list_unfinished_writes, {prefix})) fail(*f, prefix);
    return inner_.list_unfinished_writes(prefix);
}

void FaultInjectingStorage::discard_unfinished_write(const UnfinishedWrite& w) {
    if (auto f = check(StorageOp::discard_unfinished_write, {w.key})) fail(*f, w.key);
    inner_.discard_unfinished_write(w);
}

}  // namespace pgark
