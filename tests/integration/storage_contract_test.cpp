// The Storage contract, checked identically on every driver (posix directory, S3 on a real Swift):
// atomic visibility on commit, no trace of uncommitted writers, ranged reads, prefix listing with
// pagination, batch removal, put_if_absent, and a streamed multi-part object.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "storage/s3/s3_storage.h"
#include "stream/sha256.h"
#include "support/storage_fixtures.h"
#include "support/swift_server.h"
#include "util/cancel.h"
#include "util/error.h"

namespace pgark::test {
namespace {

std::string random_bytes(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; i += 8) {
        std::uint64_t v = rng();
        for (std::size_t j = 0; j < 8 && i + j < n; ++j) s[i + j] = static_cast<char>((v >> (8 * j)) & 0xff);
    }
    return s;
}

std::string read_all(ObjectReader& r, std::size_t chunk = 65536) {
    std::string out;
    std::vector<std::byte> buf(chunk);
    for (;;) {
        std::size_t n = r.read(buf);
        if (n == 0) return out;
        out.append(reinterpret_cast<const char*>(buf.data()), n);
    }
}

std::span<const std::byte> bytes(const std::string& s) {
    return std::as_bytes(std::span(s.data(), s.size()));
}

class StorageContract : public ::testing::TestWithParam<Driver> {
  protected:
    RepoLocation make(const std::string& name) { return make_repo_location(GetParam(), name); }

    // On S3: no multipart upload may be left behind in the repository's bucket.
    void expect_no_uploads(const RepoLocation& loc) {
        if (loc.driver != Driver::s3) return;
        auto uploads = SwiftServer::shared().list_multipart_uploads(loc.bucket);
        EXPECT_TRUE(uploads.empty()) << uploads.size() << " multipart upload(s) left, e.g. "
                                     << uploads[0].key;
    }
};

TEST_P(StorageContract, CommittedObjectBecomesVisible) {
    auto loc = make("visible");
    auto st = loc.open();
    auto w = st->create("backups/db/one/manifest.json");
    w->write(bytes("{\"hello\":"));
    w->write(bytes("1}"));
    EXPECT_EQ(w->bytes_written(), 11u);
    EXPECT_FALSE(st->stat("backups/db/one/manifest.json")) << "visible before commit";
    w->commit();
    auto info = st->stat("backups/db/one/manifest.json");
    ASSERT_TRUE(info);
    EXPECT_EQ(info->size, 11u);
    EXPECT_EQ(info->key, "backups/db/one/manifest.json");
    EXPECT_TRUE(info->modified);
    EXPECT_EQ(st->get("backups/db/one/manifest.json"), "{\"hello\":1}");
}

TEST_P(StorageContract, EmptyObjectAndOverwrite) {
    auto loc = make("empty");
    auto st = loc.open();
    st->put("empty", "");
    auto info = st->stat("empty");
    ASSERT_TRUE(info);
    EXPECT_EQ(info->size, 0u);
    EXPECT_EQ(st->get("empty"), "");
    st->put("empty", "now with content");
    EXPECT_EQ(st->get("empty"), "now with content");
}

TEST_P(StorageContract, KeysWithSpecialCharacters) {
    auto loc = make("special");
    auto st = loc.open();
    const std::string key = "dir with space/a+b=c&d%e,f;g:h@i~j'(k)!*$.txt";
    st->put(key, "special");
    EXPECT_EQ(st->get(key), "special");
    auto listed = st->list("dir with space/");
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].key, key);
    st->remove({key});
    EXPECT_FALSE(st->stat(key));
}

TEST_P(StorageContract, UncommittedWriterLeavesNothing) {
    auto loc = make("uncommitted");
    loc.s3.part_size = 5ull << 20;
    auto st = loc.open();
    {
        auto w = st->create("small");
        w->write(bytes("never committed"));
    }
    {
        // Larger than one part: on S3 this started a multipart upload, which must be aborted.
        auto w = st->create("big");
        std::string chunk = random_bytes(1 << 20, 7);
        for (int i = 0; i < 12; ++i) w->write(bytes(chunk));
    }
    EXPECT_FALSE(st->stat("small"));
    EXPECT_FALSE(st->stat("big"));
    EXPECT_TRUE(st->list("").empty());
    expect_no_uploads(loc);
}

TEST_P(StorageContract, RangedReads) {
    auto loc = make("ranged");
    auto st = loc.open();
    const std::string data = random_bytes(1000, 3);
    st->put("obj", data);
    auto r = st->open("obj", 100, 50);
    EXPECT_EQ(read_all(*r), data.substr(100, 50));
    EXPECT_EQ(read_all(*st->open("obj", 990, std::nullopt)), data.substr(990));
    EXPECT_EQ(read_all(*st->open("obj", 0, 5000)), data) << "a length past the end stops at the end";
    EXPECT_EQ(read_all(*st->open("obj", 1000, std::nullopt)), "");
    EXPECT_EQ(read_all(*st->open("obj", 10, 0)), "");
    EXPECT_EQ(read_all(*st->open("obj", 0, std::nullopt), 7), data) << "small reads";
}

TEST_P(StorageContract, MissingObjects) {
    auto loc = make("missing");
    auto st = loc.open();
    EXPECT_FALSE(st->stat("no/such/key"));
    EXPECT_THROW(st->open("no/such/key", 0, std::nullopt), NotFoundError);
    EXPECT_THROW(st->get("no/such/key"), NotFoundError);
    EXPECT_THROW(st->open("no/such/key", 0, 0), NotFoundError);
    EXPECT_NO_THROW(st->remove({"no/such/key"}));
    EXPECT_TRUE(st->list("no/").empty());
}

TEST_P(StorageContract, ListWithPrefixAndPagination) {
    auto loc = make("list");
    loc.s3.list_page_size = 7;  // many pages from few objects
    auto st = loc.open();
    std::vector<std::string> expected;
    for (int i = 0; i < 40; ++i) {
        char name[64];
        std::snprintf(name, sizeof name, "backups/db/%03d/manifest.json", i);
        expected.push_back(name);
    }
    for (const auto& k : expected) st->put(k, k);
    st->put("backups/dbx/000/manifest.json", "sibling prefix");
    st->put("drills/db/1.json", "other");
    auto listed = st->list("backups/db/");
    ASSERT_EQ(listed.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(listed[i].key, expected[i]);
        EXPECT_EQ(listed[i].size, expected[i].size());
    }
    EXPECT_EQ(st->list("backups/db").size(), 41u) << "a prefix is a string prefix, not a directory";
    EXPECT_EQ(st->list("").size(), 42u);
    EXPECT_EQ(st->list("drills/").size(), 1u);
    EXPECT_TRUE(st->list("nothing/").empty());
}

TEST_P(StorageContract, ManyKeysListAndRemove) {
    // Several listing pages and several DeleteObjects batches, written from concurrent threads. The page and
    // batch sizes are lowered instead of writing 1000+ objects (minutes on a single-process Swift).
    auto loc = make("many");
    loc.s3.list_page_size = 13;
    loc.s3.delete_batch_size = 25;
    auto st = loc.open();
    constexpr int kKeys = 90, kThreads = 4;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            try {
                for (int i = t; i < kKeys; i += kThreads) st->put("many/" + std::to_string(10000 + i), "x");
            } catch (const std::exception& e) {
                ++failures;
                ADD_FAILURE() << e.what();
            }
        });
    }
    for (auto& th : threads) th.join();
    ASSERT_EQ(failures, 0);
    auto listed = st->list("many/");
    ASSERT_EQ(listed.size(), static_cast<std::size_t>(kKeys));
    EXPECT_EQ(listed.front().key, "many/10000");
    EXPECT_EQ(listed.back().key, "many/" + std::to_string(10000 + kKeys - 1));
    std::vector<std::string> keys;
    for (const auto& o : listed) keys.push_back(o.key);
    st->remove(keys);
    EXPECT_TRUE(st->list("many/").empty());
}

TEST_P(StorageContract, RemoveBatch) {
    auto loc = make("remove");
    loc.s3.delete_batch_size = 4;  // several DeleteObjects requests, one with the missing key
    auto st = loc.open();
    std::vector<std::string> keys;
    for (int i = 0; i < 25; ++i) keys.push_back("k/" + std::to_string(i));
    for (const auto& k : keys) st->put(k, "x");
    std::vector<std::string> doomed(keys.begin(), keys.begin() + 10);
    doomed.push_back("k/not-there");
    st->remove(doomed);
    auto left = st->list("k/");
    EXPECT_EQ(left.size(), 15u);
    for (const auto& o : left)
        EXPECT_EQ(std::find(doomed.begin(), doomed.end(), o.key), doomed.end()) << o.key << " survived";
    st->remove({});
}

TEST_P(StorageContract, PutIfAbsent) {
    auto loc = make("ifabsent");
    auto st = loc.open();
    EXPECT_TRUE(st->put_if_absent("locks/backup", "first"));
    EXPECT_FALSE(st->put_if_absent("locks/backup", "second"));
    EXPECT_EQ(st->get("locks/backup"), "first");
    EXPECT_FALSE(st->put_if_absent("locks/backup", "third")) << "also on the remembered fallback path";
    EXPECT_TRUE(st->put_if_absent("locks/other", "x"));
}

TEST_P(StorageContract, MultiPartObjectRoundTrips) {
    auto loc = make("multipart");
    loc.s3.part_size = 5ull << 20;
    loc.s3.read_window = 3ull << 20;  // several windows and the prefetch thread
    auto st = loc.open();
    const std::string data = random_bytes(23ull << 20, 42);
    auto w = st->create("backups/db/big/archive.pgdump.zst");
    // Uneven write sizes cross part boundaries at odd offsets.
    std::size_t pos = 0, step = 1;
    while (pos < data.size()) {
        std::size_t n = std::min(data.size() - pos, step);
        w->write(bytes(data).subspan(pos, n));
        pos += n;
        step = step * 3 + 17;
        if (step > (3u << 20)) step = 1234;
    }
    w->commit();
    auto info = st->stat("backups/db/big/archive.pgdump.zst");
    ASSERT_TRUE(info);
    EXPECT_EQ(info->size, data.size());
    auto r = st->open("backups/db/big/archive.pgdump.zst", 0, std::nullopt);
    std::string back = read_all(*r, 100000);
    EXPECT_EQ(back.size(), data.size());
    EXPECT_EQ(sha256_hex(back), sha256_hex(data));
    // A range across a part boundary.
    auto part = read_all(*st->open("backups/db/big/archive.pgdump.zst", (5ull << 20) - 10, 20));
    EXPECT_EQ(part, data.substr((5ull << 20) - 10, 20));
    expect_no_uploads(loc);
}

TEST_P(StorageContract, CleanupAfterCancellationStillWorks) {
    // RAII owners remove their traces after Ctrl-C (a backup's reservation, a partial archive): storage
    // operations started once cancellation is pending must run, as unlink() does on posix.
    auto loc = make("cleanup");
    auto st = loc.open();
    st->put("reservation", "pid 1");
    struct ResetCancel {
        ~ResetCancel() { cancel::reset(); }
    } reset_guard;
    cancel::request();
    EXPECT_NO_THROW(st->remove({"reservation"}));
    EXPECT_FALSE(st->stat("reservation"));
    EXPECT_NO_THROW(st->put("report", "interrupted"));
    EXPECT_EQ(st->get("report"), "interrupted");
    EXPECT_EQ(st->list("").size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Drivers, StorageContract, ::testing::Values(Driver::posix, Driver::s3), driver_name);

}  // namespace
}  // namespace pgark::test
