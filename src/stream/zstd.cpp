// zstd streaming wrappers; frames carry a content checksum so decompression itself verifies the data.
#include "stream/zstd.h"

#include <zstd.h>

#include <algorithm>
#include <string>
#include <system_error>
#include <thread>

#include "util/cancel.h"
#include "util/error.h"

namespace pgark {

ZstdCompressor::ZstdCompressor(int level, int workers, ByteSink out)
    : cctx_(ZSTD_createCCtx()), out_(std::move(out)), buf_(ZSTD_CStreamOutSize()) {
    if (!cctx_) throw Error("zstd: cannot allocate a compression context (out of memory)");
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_checksumFlag, 1);
    if (workers > 0) {
        size_t rc = ZSTD_CCtx_setParameter(cctx_, ZSTD_c_nbWorkers, workers);
        // A libzstd built without threads: compress in the caller.
        threaded_ = !ZSTD_isError(rc);
        if (!threaded_) ZSTD_CCtx_setParameter(cctx_, ZSTD_c_nbWorkers, 0);
    }
}

ZstdCompressor::~ZstdCompressor() {
    // Freeing a multi-threaded context waits until its workers finished their jobs: at level 19 a
    // job of 32 MiB takes tens of seconds. Unfinished output is unwanted, so let that happen aside.
    if (threaded_ && !finished_) {
        try {
            std::thread([c = cctx_] { ZSTD_freeCCtx(c); }).detach();
            return;
        } catch (const std::system_error&) {
            // no thread to spare: wait after all
        }
    }
    ZSTD_freeCCtx(cctx_);
}

void ZstdCompressor::drain(int mode, std::span<const std::byte> data) {
    // Input is handed over in slices so that cancellation is seen between them: one call compresses
    // at most about a block in the caller, or blocks until a worker produced its next chunk.
    constexpr std::size_t kSlice = 128 << 10;
    ZSTD_inBuffer in{data.data(), std::min(data.size(), kSlice), 0};
    for (;;) {
        cancel::throw_if_requested();
        if (in.pos == in.size && in.size < data.size()) in.size = std::min(data.size(), in.size + kSlice);
        ZSTD_outBuffer out{buf_.data(), buf_.size(), 0};
        size_t remaining = ZSTD_compressStream2(cctx_, &out, &in, static_cast<ZSTD_EndDirective>(mode));
        if (ZSTD_isError(remaining))
            throw Error(std::string("zstd compression failed: ") + ZSTD_getErrorName(remaining));
        if (out.pos > 0) {
            out_bytes_ += out.pos;
            out_(std::span<const std::byte>(buf_.data(), out.pos));
        }
        if (mode == ZSTD_e_end) {
            if (remaining == 0) return;
        } else if (in.pos == data.size()) {
            return;
        }
    }
}

void ZstdCompressor::write(std::span<const std::byte> data) {
    in_ += data.size();
    drain(ZSTD_e_continue, data);
}

void ZstdCompressor::finish() {
    drain(ZSTD_e_end, {});
    finished_ = true;
}

ZstdDecompressor::ZstdDecompressor(ByteSink out)
    : dctx_(ZSTD_createDCtx()), out_(std::move(out)), buf_(ZSTD_DStreamOutSize()) {
    if (!dctx_) throw Error("zstd: cannot allocate a decompression context (out of memory)");
}

ZstdDecompressor::~ZstdDecompressor() {
    ZSTD_freeDCtx(dctx_);
}

void ZstdDecompressor::write(std::span<const std::byte> data) {
    if (!data.empty()) any_input_ = true;
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    while (in.pos < in.size) {
        ZSTD_outBuffer out{buf_.data(), buf_.size(), 0};
        size_t rc = ZSTD_decompressStream(dctx_, &out, &in);
        if (ZSTD_isError(rc))
            throw VerifyError(std::string("the archive does not decompress: ") + ZSTD_getErrorName(rc));
        frame_open_ = rc != 0;
        if (out.pos > 0) {
            out_bytes_ += out.pos;
            out_(std::span<const std::byte>(buf_.data(), out.pos));
        }
    }
    // Flush output the decoder still holds for input already consumed.
    for (;;) {
        ZSTD_outBuffer out{buf_.data(), buf_.size(), 0};
        ZSTD_inBuffer none{nullptr, 0, 0};
        size_t rc = ZSTD_decompressStream(dctx_, &out, &none);
        if (ZSTD_isError(rc))
            throw VerifyError(std::string("the archive does not decompress: ") + ZSTD_getErrorName(rc));
        if (out.pos == 0) break;
        frame_open_ = rc != 0;
        out_bytes_ += out.pos;
        out_(std::span<const std::byte>(buf_.data(), out.pos));
    }
}

void ZstdDecompressor::finish() {
    if (!any_input_) throw VerifyError("the archive is empty");
    if (frame_open_) throw VerifyError("the archive is truncated: the compressed stream ends inside a frame");
}

}  // namespace pgark
