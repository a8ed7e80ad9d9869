// Cancelling zstd compression at a slow level stops within about a block (issue 16, defect 5): write()
// throws Interrupted, and an unfinished multi-threaded compressor is destroyed without waiting for
// its workers' jobs.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "stream/zstd.h"
#include "util/cancel.h"
#include "util/error.h"

using namespace pgark;

namespace {

std::vector<std::byte> text_like(std::size_t n) {
    std::mt19937 rng(7);
    std::vector<std::byte> v(n);
    for (auto& b : v) b = static_cast<std::byte>('a' + rng() % 16);
    return v;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST(ZstdCancel, Level19InTheCallerThrowsWithinAboutABlock) {
    auto data = text_like(8 << 20);  // a minute's work at level 19 on a slow core
    ZstdCompressor z(19, 0, [](std::span<const std::byte>) {});
    std::chrono::steady_clock::time_point requested;
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        requested = std::chrono::steady_clock::now();
        cancel::request(SIGINT);
    });
    EXPECT_THROW(z.write(data), Interrupted);
    auto thrown = std::chrono::steady_clock::now();
    canceller.join();
    cancel::reset();
    double s = std::chrono::duration<double>(thrown - requested).count();
    std::cout << "[ figure ] zstd 19 in the caller: cancel->throw " << s << " s\n";
    EXPECT_LT(s, 5.0);
}

TEST(ZstdCancel, UnfinishedThreadedCompressorDoesNotWaitForItsWorkersJob) {
    // Just over one job (32 MiB at level 19): a worker is busy with it for a long while.
    auto data = text_like(33 << 20);
    for (int workers : {1, 2}) {
        auto z = std::make_unique<ZstdCompressor>(19, workers, [](std::span<const std::byte>) {});
        z->write(data);
        auto t = std::chrono::steady_clock::now();
        z.reset();
        double s = seconds_since(t);
        std::cout << "[ figure ] zstd 19, " << workers << " worker(s): destroy unfinished " << s << " s\n";
        EXPECT_LT(s, 2.0) << workers;
    }
}

TEST(ZstdCancel, FinishedOutputStillDecompresses) {
    auto data = text_like(3 << 20);
    for (int workers : {0, 2}) {
        std::vector<std::byte> packed, unpacked;
        {
            ZstdCompressor z(3, workers, [&](std::span<const std::byte> d) {
                packed.insert(packed.end(), d.begin(), d.end());
            });
            z.write(data);
            z.finish();
        }
        ZstdDecompressor d(
            [&](std::span<const std::byte> x) { unpacked.insert(unpacked.end(), x.begin(), x.end()); });
        d.write(packed);
        d.finish();
        EXPECT_EQ(unpacked, data) << workers;
    }
}
