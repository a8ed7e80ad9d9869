// Order-independent fingerprint of COPY text rows; the definition is in copy_text_hasher.h.
#include "core/copy_text_hasher.h"

#include <xxhash.h>

#include <cstring>

#include "core/xxh3_state.h"

namespace pgark {

struct CopyTextHasher::State {
    Xxh3Stream xxh;  // the row that crosses a chunk boundary
};

CopyTextHasher::CopyTextHasher() : state_(std::make_unique<State>()) {}
CopyTextHasher::~CopyTextHasher() = default;
CopyTextHasher::CopyTextHasher(CopyTextHasher&&) noexcept = default;
CopyTextHasher& CopyTextHasher::operator=(CopyTextHasher&&) noexcept = default;

namespace {

bool is_end_marker(uint64_t length, const std::byte* head) {
    return length == 2 && head[0] == std::byte{'\\'} && head[1] == std::byte{'.'};
}

}  // namespace

void CopyTextHasher::add_row(uint64_t hash, uint64_t length, const std::byte* head) {
    if (is_end_marker(length, head)) {
        ended_ = true;
        return;
    }
    sum_ += hash;  // unsigned: wraps modulo 2^64 by definition
    ++rows_;
}

void CopyTextHasher::end_partial_row() {
    add_row(state_->xxh.digest(), partial_length_, partial_head_);
    in_partial_ = false;
    partial_length_ = 0;
}

void CopyTextHasher::feed(std::span<const std::byte> data) {
    const std::byte* p = data.data();
    const std::byte* const end = p + data.size();
    bytes_ += data.size();

    while (p < end && !ended_) {
        const auto* nl = static_cast<const std::byte*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
        const std::byte* row_end = nl != nullptr ? nl : end;
        const auto length = static_cast<size_t>(row_end - p);

        if (!in_partial_ && nl != nullptr) {
            // Whole row inside this chunk: one-shot hashing gives the same value as streaming, faster.
            add_row(XXH3_64bits(p, length), length, p);
        } else {
            if (!in_partial_) {
                state_->xxh.reset();
                in_partial_ = true;
                partial_length_ = 0;
            }
            // Remember the first two bytes of the row, wherever the chunk boundaries fall.
            for (size_t i = 0; partial_length_ + i < 2 && i < length; ++i) {
                partial_head_[partial_length_ + i] = p[i];
            }
            state_->xxh.update(p, length);
            partial_length_ += length;
            if (nl != nullptr) end_partial_row();
        }
        p = nl != nullptr ? nl + 1 : end;
    }
}

void CopyTextHasher::finish() {
    if (in_partial_) end_partial_row();
}

void CopyTextHasher::reset() {
    ended_ = false;
    rows_ = 0;
    sum_ = 0;
    bytes_ = 0;
    partial_length_ = 0;
    in_partial_ = false;
}

std::string CopyTextHasher::hex() const {
    return copy_hash_hex(sum_);
}

std::string copy_hash_hex(uint64_t sum) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i) {
        out[static_cast<size_t>(i)] = digits[sum & 0xf];
        sum >>= 4;
    }
    return out;
}

}  // namespace pgark
