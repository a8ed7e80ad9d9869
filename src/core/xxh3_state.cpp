// Xxh3Stream: XXH3-64 streaming state with an owner.
#include "core/xxh3_state.h"

#include <xxhash.h>

#include <new>

namespace pgark {

void Xxh3Stream::Free::operator()(XXH3_state_s* s) const {
    XXH3_freeState(s);
}

Xxh3Stream::Xxh3Stream() : state_(XXH3_createState()) {
    if (!state_) throw std::bad_alloc();
    reset();
}
Xxh3Stream::~Xxh3Stream() = default;
Xxh3Stream::Xxh3Stream(Xxh3Stream&&) noexcept = default;
Xxh3Stream& Xxh3Stream::operator=(Xxh3Stream&&) noexcept = default;

void Xxh3Stream::reset() {
    XXH3_64bits_reset(state_.get());
}

void Xxh3Stream::update(const void* data, std::size_t size) {
    XXH3_64bits_update(state_.get(), data, size);
}

std::uint64_t Xxh3Stream::digest() const {
    return XXH3_64bits_digest(state_.get());
}

}  // namespace pgark
