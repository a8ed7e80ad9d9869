// The Storage contract on the drivers that need no server, one suite run on each (the memory driver
// and posix in a temp directory): invisible writers until commit, what abandoned and discarded writes
// leave, key order and prefixes, stat, ranges, missing keys, atomic put_if_absent under contention,
// key checks, concurrent use. S3 runs the integration suite StorageContract.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/memory/memory_storage.h"
#include "storage/posix/posix_storage.h"
#include "util/error.h"
#include "util/temp.h"

using namespace pgark;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

enum class Local { memory, posix };

std::span<const std::byte> bytes(const std::string& s) {
    return std::as_bytes(std::span(s.data(), s.size()));
}

std::string read_all(ObjectReader& r, std::size_t chunk = 4096) {
    std::string out;
    std::vector<std::byte> buf(chunk);
    while (std::size_t n = r.read(buf)) out.append(reinterpret_cast<const char*>(buf.data()), n);
    return out;
}

std::vector<std::string> keys_of(const std::vector<ObjectInfo>& objects) {
    std::vector<std::string> out;
    for (const auto& o : objects) out.push_back(o.key);
    return out;
}

class LocalStorageContract : public ::testing::TestWithParam<Local> {
  protected:
    void SetUp() override {
        if (GetParam() == Local::memory) {
            memory_ = std::make_unique<MemoryStorage>();
        } else {
            dir_ = std::make_unique<TempDir>("contract");
            posix_ = std::make_unique<PosixStorage>(dir_->path());
        }
    }
    Storage& s() { return memory_ ? static_cast<Storage&>(*memory_) : *posix_; }

    // What a writer killed by SIGKILL `age` ago leaves behind for `key`, as this driver records it.
    void leave_abandoned_write(const std::string& key, std::chrono::seconds age) {
        const auto when = std::chrono::system_clock::now() - age;
        if (memory_) {
            memory_->leave_unfinished_write(key, when);
            return;
        }
        const fs::path object = dir_->path() / key;
        const fs::path tmp = object.parent_path() / ("." + object.filename().string() + ".pgark-tmp-1-dead");
        fs::create_directories(tmp.parent_path());
        std::ofstream(tmp) << "partial";
        fs::last_write_time(tmp, fs::file_time_type::clock::now() - age);
    }

  private:
    std::unique_ptr<MemoryStorage> memory_;
    std::unique_ptr<TempDir> dir_;
    std::unique_ptr<PosixStorage> posix_;
};

TEST_P(LocalStorageContract, AWriterIsInvisibleUntilCommitButListedAsUnfinished) {
    auto w = s().create("backups/db/id/archive");
    w->write(bytes("hello "));
    w->write(bytes("world"));
    EXPECT_EQ(w->bytes_written(), 11u);
    EXPECT_FALSE(s().stat("backups/db/id/archive"));
    EXPECT_TRUE(s().list("").empty());
    EXPECT_THROW(s().open("backups/db/id/archive"), NotFoundError);
    auto unfinished = s().list_unfinished_writes("backups/");
    ASSERT_EQ(unfinished.size(), 1u);
    EXPECT_EQ(unfinished[0].key, "backups/db/id/archive");
    EXPECT_GT(unfinished[0].since, std::chrono::system_clock::now() - 1h);
    w->commit();
    EXPECT_EQ(s().get("backups/db/id/archive"), "hello world");
    EXPECT_TRUE(s().list_unfinished_writes("").empty());
}

TEST_P(LocalStorageContract, AWriterDestroyedWithoutCommitLeavesNothing) {
    s().put("kept", "1");
    {
        auto w = s().create("dir/never");
        w->write(bytes(std::string(10000, 'x')));
    }
    EXPECT_FALSE(s().stat("dir/never"));
    EXPECT_EQ(keys_of(s().list("")), std::vector<std::string>{"kept"});
    EXPECT_TRUE(s().list_unfinished_writes("").empty());
}

TEST_P(LocalStorageContract, DiscardingALiveWriteFailsItsCommit) {
    auto w = s().create("backups/db/x/archive");
    w->write(bytes("partial"));
    auto writes = s().list_unfinished_writes("backups/db/");
    ASSERT_EQ(writes.size(), 1u);
    s().discard_unfinished_write(writes[0]);
    EXPECT_TRUE(s().list_unfinished_writes("").empty());
    EXPECT_THROW(w->commit(), StorageError);
    EXPECT_FALSE(s().stat("backups/db/x/archive"));
    EXPECT_NO_THROW(s().discard_unfinished_write(writes[0])) << "one already gone is not an error";
}

TEST_P(LocalStorageContract, AnObjectIsNeverDiscardedAsAnUnfinishedWrite) {
    s().put("backups/db/a/claim", "{}");
    EXPECT_THROW(s().discard_unfinished_write({"backups/db/a/claim", {}, "backups/db/a/claim"}),
                 StorageError);
    EXPECT_EQ(s().get("backups/db/a/claim"), "{}");
}

TEST_P(LocalStorageContract, SweepDiscardsOnlyWritesOlderThanTheBound) {
    leave_abandoned_write("backups/db/old/archive", 48h);
    leave_abandoned_write("backups/db/new/archive", 1min);
    leave_abandoned_write("drills/db/report", 48h);
    auto live = s().create("backups/db/live/archive");
    const auto bound = std::chrono::system_clock::now() - 24h;

    auto would = s().sweep_abandoned_writes("backups/", bound, true);
    ASSERT_EQ(would.size(), 1u);
    EXPECT_EQ(would[0].key, "backups/db/old/archive");
    EXPECT_EQ(s().list_unfinished_writes("backups/").size(), 3u) << "a dry run discards nothing";

    auto swept = s().sweep_abandoned_writes("backups/", bound);
    ASSERT_EQ(swept.size(), 1u);
    EXPECT_EQ(swept[0].key, "backups/db/old/archive");
    std::vector<std::string> left;
    for (const auto& w : s().list_unfinished_writes("")) left.push_back(w.key);
    EXPECT_EQ(left, (std::vector<std::string>{"backups/db/live/archive", "backups/db/new/archive",
                                              "drills/db/report"}));
    live->commit();
    EXPECT_TRUE(s().stat("backups/db/live/archive"));
}

TEST_P(LocalStorageContract, ListIsInKeyOrderAndFiltersByStringPrefix) {
    for (const char* k : {"x/b", "x/a/2", "y", "x/ab", "x/a/10", "x/a/1"}) s().put(k, k);
    EXPECT_EQ(keys_of(s().list("")),
              (std::vector<std::string>{"x/a/1", "x/a/10", "x/a/2", "x/ab", "x/b", "y"}));
    EXPECT_EQ(keys_of(s().list("x/a")), (std::vector<std::string>{"x/a/1", "x/a/10", "x/a/2", "x/ab"}));
    EXPECT_EQ(keys_of(s().list("x/a/")), (std::vector<std::string>{"x/a/1", "x/a/10", "x/a/2"}));
    EXPECT_TRUE(s().list("z").empty());
    for (const auto& o : s().list("x/")) EXPECT_EQ(o.size, o.key.size()) << o.key;
}

TEST_P(LocalStorageContract, StatGivesSizeAndTimeAndFollowsOverwrites) {
    const auto before = std::chrono::system_clock::now() - 2s;
    s().put("obj", "12345");
    auto info = s().stat("obj");
    ASSERT_TRUE(info);
    EXPECT_EQ(info->key, "obj");
    EXPECT_EQ(info->size, 5u);
    ASSERT_TRUE(info->modified);
    EXPECT_GE(*info->modified, before);
    EXPECT_LE(*info->modified, std::chrono::system_clock::now() + 2s);
    s().put("obj", "");
    EXPECT_EQ(s().stat("obj")->size, 0u);
    EXPECT_EQ(s().get("obj"), "");
}

TEST_P(LocalStorageContract, RangesOnOpen) {
    std::string data;
    for (int i = 0; i < 1000; ++i) data += static_cast<char>('a' + i % 26);
    s().put("obj", data);
    EXPECT_EQ(read_all(*s().open("obj", 100, 50)), data.substr(100, 50));
    EXPECT_EQ(read_all(*s().open("obj", 990)), data.substr(990));
    EXPECT_EQ(read_all(*s().open("obj", 0, 5000)), data);
    EXPECT_EQ(read_all(*s().open("obj", 1000)), "");
    EXPECT_EQ(read_all(*s().open("obj", 10, 0)), "");
    EXPECT_EQ(read_all(*s().open("obj"), 7), data) << "small reads";
}

TEST_P(LocalStorageContract, MissingKeysAreNotFound) {
    EXPECT_FALSE(s().stat("no/such/key"));
    EXPECT_THROW(s().open("no/such/key"), NotFoundError);
    EXPECT_THROW(s().open("no/such/key", 0, 0), NotFoundError);
    EXPECT_THROW(s().get("no/such/key"), NotFoundError);
    EXPECT_TRUE(s().list("no/").empty());
}

TEST_P(LocalStorageContract, RemoveTakesTheGivenKeysAndIgnoresMissingOnes) {
    for (const char* k : {"a/1", "a/2", "a/3", "b"}) s().put(k, "x");
    s().remove({"a/1", "a/3", "a/missing"});
    EXPECT_EQ(keys_of(s().list("")), (std::vector<std::string>{"a/2", "b"}));
    s().remove({});
    EXPECT_EQ(s().list("").size(), 2u);
}

TEST_P(LocalStorageContract, PutIfAbsentHasOneWinnerUnderContention) {
    EXPECT_TRUE(s().put_if_absent("claims/one", "first"));
    EXPECT_FALSE(s().put_if_absent("claims/one", "second"));
    EXPECT_EQ(s().get("claims/one"), "first");

    constexpr int kThreads = 8;
    std::atomic<int> wins{0}, winner{-1};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int round = 0; round < 20; ++round)
                if (s().put_if_absent("claims/r" + std::to_string(round), std::to_string(t))) {
                    ++wins;
                    if (round == 0) winner = t;
                }
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(wins, 20) << "each key has exactly one winner";
    EXPECT_EQ(s().get("claims/r0"), std::to_string(winner.load()));
    EXPECT_TRUE(s().list_unfinished_writes("").empty());
}

TEST_P(LocalStorageContract, KeysThatCouldEscapeAreRefusedByEveryOperation) {
    for (const std::string k : {"../x", "/etc/passwd", "a/../../x", "a//b", "", "a/\n", "./a"}) {
        EXPECT_THROW(s().create(k), Error) << k;
        EXPECT_THROW(s().open(k), Error) << k;
        EXPECT_THROW(s().stat(k), Error) << k;
        EXPECT_THROW(s().remove({k}), Error) << k;
        EXPECT_THROW(s().put_if_absent(k, "x"), Error) << k;
    }
    EXPECT_TRUE(s().list("").empty());
}

TEST_P(LocalStorageContract, ConcurrentWritersAndReadersOfDistinctKeys) {
    constexpr int kThreads = 4, kEach = 50;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                const auto key = "t" + std::to_string(t) + "/" + std::to_string(i);
                s().put(key, key);
                EXPECT_EQ(s().get(key), key);
                s().list("t");
            }
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(s().list("").size(), static_cast<std::size_t>(kThreads * kEach));
}

INSTANTIATE_TEST_SUITE_P(Drivers, LocalStorageContract, ::testing::Values(Local::memory, Local::posix),
                         [](const ::testing::TestParamInfo<Local>& i) {
                             return std::string(i.param == Local::memory ? "memory" : "posix");
                         });

}  // namespace
