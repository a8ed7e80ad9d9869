// An owned file descriptor, and blocking reads/writes that wake up on cancellation.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <utility>

namespace pgark {

class UniqueFd {
  public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& o) noexcept {
        if (this != &o) {
            reset();
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    ~UniqueFd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept { return std::exchange(fd_, -1); }
    void reset(int fd = -1) noexcept;

  private:
    int fd_ = -1;
};

// Reads up to buf.size() bytes; returns 0 at end of file. Throws Interrupted on cancellation and
// Error (naming `what`) on I/O errors.
std::size_t read_some(int fd, std::span<std::byte> buf, const std::string& what);

// Writes everything. Returns false when the reader went away (EPIPE); throws on other errors.
bool write_all(int fd, std::span<const std::byte> data, const std::string& what);

// "message: strerror(errno)" for error texts.
std::string errno_text(int err);

}  // namespace pgark
