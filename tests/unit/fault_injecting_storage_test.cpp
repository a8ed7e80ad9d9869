// Unit tests for the fault-injecting storage wrapper: which calls fail (kind, key pattern, nth, once
// or always), what a partial write or removal leaves in the wrapped storage, and that everything else
// passes through.
#include <gtest/gtest.h>

#include "storage/faulty/fault_injecting_storage.h"
#include "storage/memory/memory_storage.h"
#include "util/error.h"

using namespace pgark;

namespace {

std::span<const std::byte> bytes(const std::string& s) {
    return std::as_bytes(std::span(s.data(), s.size()));
}

std::string error_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const StorageError& e) {
        return e.what();
    }
    return "";
}

struct Faulty {
    MemoryStorage inner{"faulty-test"};
    FaultInjectingStorage s{inner};
};

}  // namespace

TEST(FaultInjectingStorage, PassesEverythingThroughWithoutFaults) {
    Faulty f;
    f.s.put("a/1", "one");
    EXPECT_TRUE(f.s.put_if_absent("a/2", "two"));
    EXPECT_EQ(f.s.get("a/1"), "one");
    EXPECT_EQ(f.s.list("a/").size(), 2u);
    EXPECT_EQ(f.s.stat("a/2")->size, 3u);
    f.s.remove({"a/1"});
    EXPECT_FALSE(f.inner.stat("a/1"));
    EXPECT_EQ(f.s.describe(), "memory:faulty-test");
    EXPECT_EQ(f.s.calls(StorageOp::create), 1);
    EXPECT_EQ(f.s.calls(StorageOp::commit), 1);
    EXPECT_EQ(f.s.fired(), 0);
}

TEST(FaultInjectingStorage, FailsTheNthMatchingCallOnce) {
    Faulty f;
    f.s.inject(Fault(StorageOp::stat).key("backups/*/manifest.json").nth(2).message("S3 503"));
    EXPECT_NO_THROW(f.s.stat("backups/db/id/manifest.json"));
    EXPECT_NO_THROW(f.s.stat("locks/db/x.json")) << "another key does not count";
    auto msg = error_of([&] { f.s.stat("backups/db/id/manifest.json"); });
    EXPECT_NE(msg.find("S3 503"), std::string::npos) << msg;
    EXPECT_NE(msg.find("stat of backups/db/id/manifest.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find("memory:faulty-test"), std::string::npos) << msg;
    EXPECT_NO_THROW(f.s.stat("backups/db/id/manifest.json")) << "once";
    EXPECT_EQ(f.s.fired(), 1);
    EXPECT_EQ(f.s.calls(StorageOp::stat), 4);
}

TEST(FaultInjectingStorage, FailsFromTheNthCallOnWhenAlways) {
    Faulty f;
    f.s.inject(Fault(StorageOp::list).nth(2).always());
    EXPECT_NO_THROW(f.s.list(""));
    EXPECT_THROW(f.s.list(""), StorageError);
    EXPECT_THROW(f.s.list("x"), StorageError);
    f.s.clear();
    EXPECT_NO_THROW(f.s.list(""));
}

TEST(FaultInjectingStorage, APartialWriteReachesTheWriterButNeverBecomesVisible) {
    Faulty f;
    f.s.inject(Fault(StorageOp::write).key("*archive*").message("disk full").pass_through(3));
    {
        auto w = f.s.create("backups/db/id/archive");
        EXPECT_THROW(w->write(bytes("abcdef")), StorageError);
        EXPECT_EQ(w->bytes_written(), 3u);
        EXPECT_EQ(f.inner.list_unfinished_writes("").size(), 1u);
    }
    EXPECT_TRUE(f.inner.list("").empty());
    EXPECT_TRUE(f.inner.list_unfinished_writes("").empty());
}

TEST(FaultInjectingStorage, AFailedCommitLeavesNothing) {
    Faulty f;
    f.s.inject(Fault(StorageOp::commit).message("disk full"));
    auto msg = error_of([&] { f.s.put("k", "v"); });
    EXPECT_NE(msg.find("commit of k"), std::string::npos) << msg;
    EXPECT_FALSE(f.inner.stat("k"));
    EXPECT_TRUE(f.inner.list_unfinished_writes("").empty());
    f.s.put("k", "v");
    EXPECT_EQ(f.inner.get("k"), "v");
}

TEST(FaultInjectingStorage, APartialRemovalRemovesTheFirstKeysOnly) {
    Faulty f;
    for (const char* k : {"a", "b", "c"}) f.inner.put(k, "x");
    f.s.inject(Fault(StorageOp::remove).key("b").pass_through(1));
    EXPECT_THROW(f.s.remove({"a", "b", "c"}), StorageError);
    EXPECT_FALSE(f.inner.stat("a"));
    EXPECT_TRUE(f.inner.stat("b"));
    EXPECT_TRUE(f.inner.stat("c"));
}

TEST(FaultInjectingStorage, ReadsOpensAndTheOtherOperationsCanFail) {
    Faulty f;
    f.inner.put("obj", "data");
    f.s.inject(Fault(StorageOp::read).nth(2));
    auto r = f.s.open("obj", 0, std::nullopt);
    std::byte buf[2];
    EXPECT_EQ(r->read(buf), 2u);
    EXPECT_THROW(r->read(buf), StorageError);
    f.s.inject(Fault(StorageOp::open));
    EXPECT_THROW(f.s.open("obj", 0, std::nullopt), StorageError);
    f.s.inject(Fault(StorageOp::create));
    EXPECT_THROW(f.s.create("new"), StorageError);
    f.s.inject(Fault(StorageOp::put_if_absent));
    EXPECT_THROW(f.s.put_if_absent("new", "x"), StorageError);
    EXPECT_FALSE(f.inner.stat("new"));
    const auto left = f.inner.leave_unfinished_write("w", {});
    f.s.inject(Fault(StorageOp::list_unfinished_writes));
    EXPECT_THROW(f.s.list_unfinished_writes(""), StorageError);
    f.s.inject(Fault(StorageOp::discard_unfinished_write).key("w"));
    EXPECT_THROW(f.s.discard_unfinished_write(left), StorageError);
    EXPECT_EQ(f.s.list_unfinished_writes("").size(), 1u);
    EXPECT_EQ(f.s.fired(), 6);
}
