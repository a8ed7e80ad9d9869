// Streaming zstd compression (multi-threaded through libzstd's own workers) and decompression.
// Compression stops promptly on cancellation whatever the level: see ZstdCompressor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "stream/sink.h"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace pgark {

// Cancellation (util/cancel) is checked between small slices of input, so write() throws Interrupted
// within about one block's (single-threaded) or one job chunk's (512 KiB, multi-threaded) compression
// time rather than a whole job's (32 MiB at level 19), and a compressor abandoned unfinished does not
// wait for the jobs libzstd's workers still hold.
class ZstdCompressor {
  public:
    // level 1..19; workers 0 = single-threaded in the caller, N = N background threads.
    ZstdCompressor(int level, int workers, ByteSink out);
    // Unfinished (an exception, a cancellation): the queued jobs are dropped; libzstd's workers end
    // their current job on a detached thread that frees the context, nothing waits for them.
    ~ZstdCompressor();
    ZstdCompressor(const ZstdCompressor&) = delete;
    ZstdCompressor& operator=(const ZstdCompressor&) = delete;
    void write(std::span<const std::byte> data);
    // Flushes the frame epilogue (with content checksum) to the sink.
    void finish();
    std::uint64_t bytes_in() const { return in_; }
    std::uint64_t bytes_out() const { return out_bytes_; }

  private:
    void drain(int mode, std::span<const std::byte> data);
    ZSTD_CCtx_s* cctx_;
    ByteSink out_;
    std::vector<std::byte> buf_;
    std::uint64_t in_ = 0, out_bytes_ = 0;
    bool threaded_ = false, finished_ = false;
};

class ZstdDecompressor {
  public:
    explicit ZstdDecompressor(ByteSink out);
    ~ZstdDecompressor();
    ZstdDecompressor(const ZstdDecompressor&) = delete;
    ZstdDecompressor& operator=(const ZstdDecompressor&) = delete;
    // Throws VerifyError on corrupt input (including checksum mismatch).
    void write(std::span<const std::byte> data);
    // Throws VerifyError when the input ended inside a frame (truncated).
    void finish();
    std::uint64_t bytes_out() const { return out_bytes_; }

  private:
    ZSTD_DCtx_s* dctx_;
    ByteSink out_;
    std::vector<std::byte> buf_;
    std::uint64_t out_bytes_ = 0;
    bool frame_open_ = false;
    bool any_input_ = false;
};

}  // namespace pgark
