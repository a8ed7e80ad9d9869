// Unit tests for what the memory driver promises beyond the shared contract (storage_contract_unit_test):
// its clock dates objects and writes, readers read a snapshot, readers and writers may outlive it,
// and a killed writer's leftover can be staged for sweep tests.
#include <gtest/gtest.h>

#include "storage/memory/memory_storage.h"
#include "util/error.h"

using namespace pgark;
using namespace std::chrono_literals;

namespace {

SystemTime at(const char* iso) {
    return *parse_iso8601(iso);
}

std::span<const std::byte> bytes(const std::string& s) {
    return std::as_bytes(std::span(s.data(), s.size()));
}

}  // namespace

TEST(MemoryStorage, DescribesItselfByName) {
    EXPECT_EQ(MemoryStorage("repo-a").describe(), "memory:repo-a");
}

TEST(MemoryStorage, ItsClockDatesObjectsAndWrites) {
    SystemTime now = at("2026-01-24T02:00:00Z");
    MemoryStorage s("clocked", [&] { return now; });
    auto w = s.create("backups/db/id/archive");
    EXPECT_EQ(s.list_unfinished_writes("")[0].since, now);
    now += 1h;
    w->write(bytes("more"));
    EXPECT_EQ(s.list_unfinished_writes("")[0].since, now) << "a running writer keeps its write young";
    now += 1h;
    w->commit();
    EXPECT_EQ(s.stat("backups/db/id/archive")->modified, now);
    now += 1h;
    EXPECT_TRUE(s.put_if_absent("claim", "x"));
    EXPECT_EQ(s.list("claim")[0].modified, now);
}

TEST(MemoryStorage, AReaderReadsTheObjectAsItWasWhenOpened) {
    MemoryStorage s;
    s.put("obj", "old content");
    auto r = s.open("obj", 4, std::nullopt);
    s.put("obj", "new");
    s.remove({"obj"});
    std::byte buf[64];
    const auto n = r->read(buf);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf), n), "content");
    EXPECT_EQ(r->read(buf), 0u);
}

TEST(MemoryStorage, ReadersAndWritersMayOutliveTheStorage) {
    std::unique_ptr<ObjectReader> r;
    std::unique_ptr<ObjectWriter> w;
    {
        MemoryStorage s;
        s.put("obj", "data");
        r = s.open("obj", 0, std::nullopt);
        w = s.create("other");
    }
    std::byte buf[8];
    EXPECT_EQ(r->read(buf), 4u);
    w->write(bytes("x"));
    EXPECT_NO_THROW(w->commit());
}

TEST(MemoryStorage, AKilledWritersLeftoverStaysUntilDiscarded) {
    MemoryStorage s;
    const auto left = s.leave_unfinished_write("backups/db/id/archive", at("2026-01-24T02:00:00Z"));
    auto listed = s.list_unfinished_writes("backups/db/");
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].key, left.key);
    EXPECT_EQ(listed[0].handle, left.handle);
    EXPECT_EQ(listed[0].since, at("2026-01-24T02:00:00Z"));
    EXPECT_FALSE(s.stat("backups/db/id/archive"));
    s.discard_unfinished_write(left);
    EXPECT_TRUE(s.list_unfinished_writes("").empty());
    EXPECT_THROW(s.leave_unfinished_write("../x", {}), Error);
}

TEST(MemoryStorage, TwoWritersOfOneKeyEachHaveTheirOwnUnfinishedWrite) {
    MemoryStorage s;
    auto a = s.create("k");
    auto b = s.create("k");
    a->write(bytes("from a"));
    b->write(bytes("from b"));
    auto listed = s.list_unfinished_writes("");
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_NE(listed[0].handle, listed[1].handle);
    b->commit();
    a->commit();
    EXPECT_EQ(s.get("k"), "from a") << "the last commit wins, as rename() does";
}
