// Unit tests for the zstd, SHA-256 and threaded hand-off stages.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "stream/sha256.h"
#include "stream/threaded_sink.h"
#include "stream/zstd.h"
#include "util/error.h"

using namespace pgark;

namespace {
std::string random_text(std::size_t n) {
    std::mt19937 rng(42);
    std::string s(n, ' ');
    for (auto& c : s) c = static_cast<char>('a' + rng() % 8);
    return s;
}
std::string compress(const std::string& in, int workers) {
    std::string out;
    ZstdCompressor z(3, workers, [&](std::span<const std::byte> b) {
        out.append(reinterpret_cast<const char*>(b.data()), b.size());
    });
    for (std::size_t i = 0; i < in.size(); i += 100000)
        z.write(std::as_bytes(std::span(in.data() + i, std::min<std::size_t>(100000, in.size() - i))));
    z.finish();
    return out;
}
std::string decompress(const std::string& in) {
    std::string out;
    ZstdDecompressor z(
        [&](std::span<const std::byte> b) { out.append(reinterpret_cast<const char*>(b.data()), b.size()); });
    z.write(std::as_bytes(std::span(in.data(), in.size())));
    z.finish();
    return out;
}
}  // namespace

TEST(Sha256, KnownVectors) {
    EXPECT_EQ(sha256_hex(std::string()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex(std::string("abc")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Zstd, RoundTripSingleAndMultiThreaded) {
    auto text = random_text(3 << 20);
    for (int workers : {0, 2}) {
        auto c = compress(text, workers);
        EXPECT_LT(c.size(), text.size());
        EXPECT_EQ(decompress(c), text);
    }
}

TEST(Zstd, DetectsCorruptionAndTruncation) {
    auto c = compress(random_text(1 << 20), 0);
    auto flipped = c;
    flipped[flipped.size() / 2] ^= 0x40;
    EXPECT_THROW(decompress(flipped), VerifyError);
    EXPECT_THROW(decompress(c.substr(0, c.size() - 7)), VerifyError);
    EXPECT_THROW(decompress(""), VerifyError);
}

TEST(ThreadedSink, DeliversEveryByteInOrderOnAnotherThread) {
    auto text = random_text((3 << 20) + 12345);
    std::string got;
    std::thread::id sink_thread;
    {
        ThreadedSink t(
            [&](std::span<const std::byte> b) {
                sink_thread = std::this_thread::get_id();
                got.append(reinterpret_cast<const char*>(b.data()), b.size());
            },
            64 << 10, 2);
        // Writes of odd sizes straddle the chunk boundaries.
        for (std::size_t i = 0; i < text.size(); i += 77777)
            t.write(std::as_bytes(std::span(text.data() + i, std::min<std::size_t>(77777, text.size() - i))));
        t.finish();
    }
    EXPECT_EQ(got, text);
    EXPECT_NE(sink_thread, std::this_thread::get_id());
}

TEST(ThreadedSink, RethrowsWhatTheSinkThrewOnTheCallersThread) {
    std::size_t taken = 0;
    ThreadedSink t(
        [&](std::span<const std::byte> b) {
            taken += b.size();
            if (taken > (1 << 20)) throw Error("disk full while writing the spool");
        },
        64 << 10, 2);
    auto chunk = random_text(50000);
    try {
        for (int i = 0; i < 1000; ++i) t.write(std::as_bytes(std::span(chunk.data(), chunk.size())));
        t.finish();
        FAIL() << "the sink's error was not passed on";
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "disk full while writing the spool");
    }
    EXPECT_LE(taken, (1u << 20) + (64u << 10));  // nothing was taken after the failure
}

TEST(ThreadedSink, AbandonedWithoutFinishEndsItsThread) {
    std::atomic<std::size_t> taken{0};
    {
        ThreadedSink t([&](std::span<const std::byte> b) { taken += b.size(); }, 4096, 1);
        auto chunk = random_text(100000);
        t.write(std::as_bytes(std::span(chunk.data(), chunk.size())));
    }  // the destructor must not hang or throw
    EXPECT_LE(taken.load(), 100000u);
}
