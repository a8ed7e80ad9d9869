// The one owner of an XXH3-64 streaming state (libxxhash): large-object and row hashes are built with it,
// and the state is freed on every path, exceptions included.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

struct XXH3_state_s;

namespace pgark {

class Xxh3Stream {
  public:
    // Starts a hash with seed 0; throws std::bad_alloc when libxxhash cannot allocate its state.
    Xxh3Stream();
    ~Xxh3Stream();
    Xxh3Stream(Xxh3Stream&&) noexcept;
    Xxh3Stream& operator=(Xxh3Stream&&) noexcept;

    // Starts over, as a fresh stream.
    void reset();
    void update(const void* data, std::size_t size);
    // XXH3_64bits of everything given since the last reset (the stream may go on).
    std::uint64_t digest() const;

  private:
    struct Free {
        void operator()(XXH3_state_s* s) const;
    };
    std::unique_ptr<XXH3_state_s, Free> state_;
};

}  // namespace pgark
