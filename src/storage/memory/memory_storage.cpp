// In-memory storage driver: objects and unfinished writes in maps under one mutex.
#include "storage/memory/memory_storage.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>

#include "util/error.h"

namespace pgark {

struct MemoryStorage::State {
    struct Object {
        std::shared_ptr<const std::string> data;
        SystemTime modified;
    };
    struct Pending {
        std::string key;
        SystemTime since;
    };

    Clock clock;
    std::mutex mu;
    std::map<std::string, Object> objects;
    std::map<std::string, Pending> pending;  // handle -> unfinished write
    std::uint64_t next_handle = 1;

    std::string new_handle() { return "memory-write-" + std::to_string(next_handle++); }
};

namespace {

constexpr const char* kHandlePrefix = "memory-write-";

class MemoryWriter : public ObjectWriter {
  public:
    MemoryWriter(std::shared_ptr<MemoryStorage::State> st, std::string where, std::string key)
        : st_(std::move(st)), where_(std::move(where)), key_(std::move(key)) {
        std::lock_guard lock(st_->mu);
        handle_ = st_->new_handle();
        st_->pending[handle_] = {key_, st_->clock()};
    }
    ~MemoryWriter() override {
        if (committed_) return;
        std::lock_guard lock(st_->mu);
        st_->pending.erase(handle_);
    }
    void write(std::span<const std::byte> data) override {
        buf_.append(reinterpret_cast<const char*>(data.data()), data.size());
        std::lock_guard lock(st_->mu);
        if (auto it = st_->pending.find(handle_); it != st_->pending.end()) it->second.since = st_->clock();
    }
    void commit() override {
        std::lock_guard lock(st_->mu);
        if (st_->pending.erase(handle_) == 0)
            throw StorageError("committing " + key_ + " in " + where_ +
                               " failed: its unfinished write was discarded meanwhile (by a prune?); "
                               "run the job again");
        st_->objects[key_] = {std::make_shared<const std::string>(std::move(buf_)), st_->clock()};
        committed_ = true;
    }
    std::uint64_t bytes_written() const override { return buf_.size(); }

  private:
    std::shared_ptr<MemoryStorage::State> st_;
    std::string where_, key_, handle_, buf_;
    bool committed_ = false;
};

class MemoryReader : public ObjectReader {
  public:
    MemoryReader(std::shared_ptr<const std::string> data, std::uint64_t offset,
                 std::optional<std::uint64_t> length)
        : data_(std::move(data)) {
        pos_ = static_cast<std::size_t>(std::min<std::uint64_t>(offset, data_->size()));
        end_ = data_->size();
        if (length) end_ = static_cast<std::size_t>(std::min<std::uint64_t>(end_, pos_ + *length));
    }
    std::size_t read(std::span<std::byte> buf) override {
        const std::size_t n = std::min(buf.size(), end_ - pos_);
        std::memcpy(buf.data(), data_->data() + pos_, n);
        pos_ += n;
        return n;
    }

  private:
    std::shared_ptr<const std::string> data_;
    std::size_t pos_ = 0, end_ = 0;
};

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

MemoryStorage::MemoryStorage(std::string name, Clock clock)
    : name_(std::move(name)), state_(std::make_shared<State>()) {
    state_->clock = clock ? std::move(clock) : [] { return std::chrono::system_clock::now(); };
}

MemoryStorage::~MemoryStorage() = default;

std::string MemoryStorage::describe() const {
    return "memory:" + name_;
}

std::unique_ptr<ObjectWriter> MemoryStorage::create(const std::string& key) {
    check_key(key);
    return std::make_unique<MemoryWriter>(state_, describe(), key);
}

std::unique_ptr<ObjectReader> MemoryStorage::open(const std::string& key, std::uint64_t offset,
                                                  std::optional<std::uint64_t> length) {
    check_key(key);
    std::lock_guard lock(state_->mu);
    auto it = state_->objects.find(key);
    if (it == state_->objects.end()) throw NotFoundError(describe() + "/" + key + " does not exist");
    return std::make_unique<MemoryReader>(it->second.data, offset, length);
}

std::optional<ObjectInfo> MemoryStorage::stat(const std::string& key) {
    check_key(key);
    std::lock_guard lock(state_->mu);
    auto it = state_->objects.find(key);
    if (it == state_->objects.end()) return std::nullopt;
    return ObjectInfo{key, it->second.data->size(), it->second.modified};
}

std::vector<ObjectInfo> MemoryStorage::list(const std::string& prefix) {
    std::lock_guard lock(state_->mu);
    std::vector<ObjectInfo> out;
    for (auto it = state_->objects.lower_bound(prefix);
         it != state_->objects.end() && starts_with(it->first, prefix); ++it)
        out.push_back({it->first, it->second.data->size(), it->second.modified});
    return out;
}

void MemoryStorage::remove(const std::vector<std::string>& keys) {
    for (const auto& k : keys) check_key(k);
    std::lock_guard lock(state_->mu);
    for (const auto& k : keys) state_->objects.erase(k);
}

bool MemoryStorage::put_if_absent(const std::string& key, const std::string& data) {
    check_key(key);
    std::lock_guard lock(state_->mu);
    if (state_->objects.count(key)) return false;
    state_->objects[key] = {std::make_shared<const std::string>(data), state_->clock()};
    return true;
}

std::vector<UnfinishedWrite> MemoryStorage::list_unfinished_writes(const std::string& prefix) {
    std::lock_guard lock(state_->mu);
    std::vector<UnfinishedWrite> out;
    for (const auto& [handle, p] : state_->pending)
        if (starts_with(p.key, prefix)) out.push_back({p.key, p.since, handle});
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    return out;
}

void MemoryStorage::discard_unfinished_write(const UnfinishedWrite& w) {
    if (!starts_with(w.handle, kHandlePrefix))
        throw StorageError("refusing to discard " + w.handle + " in " + describe() +
                           ": it is not an unfinished write's handle");
    std::lock_guard lock(state_->mu);
    state_->pending.erase(w.handle);
}

UnfinishedWrite MemoryStorage::leave_unfinished_write(const std::string& key, SystemTime since) {
    check_key(key);
    std::lock_guard lock(state_->mu);
    auto handle = state_->new_handle();
    state_->pending[handle] = {key, since};
    return {key, since, handle};
}

}  // namespace pgark
