// Free TCP ports on 127.0.0.1, chosen by the kernel.
#include "support/free_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace pgark::test {

int free_tcp_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        throw std::runtime_error(std::string("free_tcp_port: socket() failed: ") + std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    // sockaddr_in -> sockaddr is how the socket API is meant to be used.
    auto* sa = reinterpret_cast<sockaddr*>(&addr);
    if (::bind(fd, sa, sizeof addr) != 0 || ::getsockname(fd, sa, &len) != 0) {
        int err = errno;
        ::close(fd);
        throw std::runtime_error(std::string("free_tcp_port: cannot bind 127.0.0.1:0: ") +
                                 std::strerror(err));
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

}  // namespace pgark::test
