// Cancellation-aware blocking I/O on pipes and files.
#include "util/fd.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/cancel.h"
#include "util/error.h"

namespace pgark {

void UniqueFd::reset(int fd) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

std::string errno_text(int err) {
    return std::strerror(err);
}

namespace {
// Waits until fd is ready for `events` or cancellation is requested.
void wait_ready(int fd, short events) {
    pollfd fds[2] = {{fd, events, 0}, {cancel::wake_fd(), POLLIN, 0}};
    for (;;) {
        cancel::throw_if_requested();
        int n = ::poll(fds, fds[1].fd >= 0 ? 2 : 1, -1);
        if (n < 0 && errno == EINTR) continue;
        cancel::throw_if_requested();
        if (n > 0 && fds[0].revents != 0) return;
    }
}
}  // namespace

std::size_t read_some(int fd, std::span<std::byte> buf, const std::string& what) {
    for (;;) {
        wait_ready(fd, POLLIN);
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno == EINTR || errno == EAGAIN) continue;
        throw Error("reading " + what + " failed: " + errno_text(errno));
    }
}

bool write_all(int fd, std::span<const std::byte> data, const std::string& what) {
    while (!data.empty()) {
        wait_ready(fd, POLLOUT);
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            if (errno == EPIPE) return false;
            throw Error("writing " + what + " failed: " + errno_text(errno));
        }
        data = data.subspan(static_cast<std::size_t>(n));
    }
    return true;
}

}  // namespace pgark
