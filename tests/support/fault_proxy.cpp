// Fault-injecting HTTP/1.1 proxy for the S3 fault tests: one thread per client connection, poll()-based
// relaying, and a wake pipe that ends every wait when the proxy is destroyed.
#include "support/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pgark::test {

struct FaultProxy::Conn {
    int client = -1;
    int upstream = -1;
    std::atomic<bool> done{false};
    std::thread thread;
};

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

// Waits for `fd` (POLLIN or POLLOUT) or the wake pipe; false when the proxy is stopping or on error.
bool wait_fd(int fd, short events, int wake_fd, int timeout_ms = -1) {
    struct pollfd p[2] = {{fd, events, 0}, {wake_fd, POLLIN, 0}};
    for (;;) {
        int n = ::poll(p, 2, timeout_ms);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        if (p[1].revents) return false;
        return true;
    }
}

bool send_all(int fd, const char* data, std::size_t n, int wake_fd) {
    while (n > 0) {
        if (!wait_fd(fd, POLLOUT, wake_fd)) return false;
        ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
        if (w < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (w <= 0) return false;
        data += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

// Reads one chunk (up to cap); 0 at EOF, -1 on error or stop.
ssize_t recv_some(int fd, char* buf, std::size_t cap, int wake_fd) {
    for (;;) {
        if (!wait_fd(fd, POLLIN, wake_fd)) return -1;
        ssize_t r = ::recv(fd, buf, cap, 0);
        if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        return r;
    }
}

// Sleeps `ms`, returning early (false) when the proxy stops.
bool pause_for(std::chrono::milliseconds ms, int wake_fd) {
    struct pollfd p = {wake_fd, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(ms.count())) == 0;
}

const char* reason(int status) {
    switch (status) {
        case 500:
            return "Internal Server Error";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 429:
            return "Too Many Requests";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        default:
            return "Error";
    }
}

}  // namespace

Fault Fault::drop_response(std::string match, std::uint64_t after_bytes, int times) {
    Fault f;
    f.kind = Kind::drop;
    f.match = std::move(match);
    f.after_bytes = after_bytes;
    f.times = times;
    return f;
}

Fault Fault::drop_request(std::string match, std::uint64_t after_body_bytes, int times) {
    Fault f = drop_response(std::move(match), after_body_bytes, times);
    f.during_request = true;
    return f;
}

Fault Fault::stall_response(std::string match, std::chrono::milliseconds how_long, std::uint64_t after_bytes,
                            int times) {
    Fault f;
    f.kind = Kind::stall;
    f.match = std::move(match);
    f.stall = how_long;
    f.after_bytes = after_bytes;
    f.times = times;
    return f;
}

Fault Fault::respond(std::string match, int status, std::string s3_code, int times) {
    Fault f;
    f.kind = Kind::respond;
    f.match = std::move(match);
    f.status = status;
    f.s3_code = std::move(s3_code);
    f.times = times;
    return f;
}

FaultProxy::FaultProxy(int upstream_port) : upstream_port_(upstream_port) {
    if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("fault proxy: pipe() failed");
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw std::runtime_error("fault proxy: socket() failed");
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    auto* sa = reinterpret_cast<sockaddr*>(&addr);
    if (::bind(listen_fd_, sa, sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0 ||
        ::getsockname(listen_fd_, sa, &len) != 0)
        throw std::runtime_error(std::string("fault proxy: cannot listen on 127.0.0.1: ") +
                                 std::strerror(errno));
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

FaultProxy::~FaultProxy() {
    stopping_ = true;
    char b = 1;
    [[maybe_unused]] auto n = ::write(wake_[1], &b, 1);
    if (acceptor_.joinable()) acceptor_.join();
    for (auto& c : conns_)
        if (c->thread.joinable()) c->thread.join();
    close_fd(listen_fd_);
    close_fd(wake_[0]);
    close_fd(wake_[1]);
}

void FaultProxy::add(Fault f) {
    std::lock_guard lock(mu_);
    faults_.push_back(std::move(f));
}

void FaultProxy::clear() {
    std::lock_guard lock(mu_);
    faults_.clear();
}

std::vector<std::string> FaultProxy::request_lines() const {
    std::lock_guard lock(mu_);
    return lines_;
}

bool FaultProxy::pick_fault(const std::string& line, Fault& out) {
    std::lock_guard lock(mu_);
    lines_.push_back(line);
    int number = static_cast<int>(lines_.size());
    requests_ = number;
    for (auto& f : faults_) {
        if (f.times == 0) continue;
        if (f.request_number > 0 && f.request_number != number) continue;
        if (!f.match.empty() && line.find(f.match) == std::string::npos) continue;
        if (f.skip > 0) {
            --f.skip;
            continue;
        }
        if (f.times > 0) --f.times;
        out = f;
        ++applied_;
        return true;
    }
    return false;
}

void FaultProxy::accept_loop() {
    while (!stopping_) {
        if (!wait_fd(listen_fd_, POLLIN, wake_[0])) break;
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        // Reap finished connections so a long test does not pile up threads.
        conns_.erase(std::remove_if(conns_.begin(), conns_.end(),
                                    [](auto& c) {
                                        if (!c->done) return false;
                                        if (c->thread.joinable()) c->thread.join();
                                        return true;
                                    }),
                     conns_.end());
        auto c = std::make_unique<Conn>();
        c->client = fd;
        Conn* raw = c.get();
        c->thread = std::thread([this, raw] {
            serve(*raw);
            close_fd(raw->upstream);
            close_fd(raw->client);
            raw->done = true;
        });
        conns_.push_back(std::move(c));
    }
}

void FaultProxy::serve(Conn& c) {
    const int wake = wake_[0];
    // The request head.
    std::string head;
    char buf[65536];
    std::size_t head_end = std::string::npos;
    while (head_end == std::string::npos) {
        ssize_t r = recv_some(c.client, buf, sizeof buf, wake);
        if (r <= 0) return;
        head.append(buf, static_cast<std::size_t>(r));
        head_end = head.find("\r\n\r\n");
        if (head.size() > (1 << 20)) return;
    }
    std::string body_start = head.substr(head_end + 4);
    head.resize(head_end + 2);  // keep the last header's CRLF
    std::string line = head.substr(0, head.find("\r\n"));

    // Headers: find Content-Length, force "Connection: close" so one connection carries one request.
    std::uint64_t content_length = 0;
    std::string rewritten = line + "\r\n";
    std::size_t pos = line.size() + 2;
    while (pos < head.size()) {
        std::size_t eol = head.find("\r\n", pos);
        std::string h = head.substr(pos, eol - pos);
        pos = eol + 2;
        std::string name = lower(h.substr(0, h.find(':')));
        if (name == "connection" || name == "keep-alive") continue;
        if (name == "content-length") content_length = std::stoull(h.substr(h.find(':') + 1));
        rewritten += h + "\r\n";
    }
    rewritten += "Connection: close\r\n\r\n";

    Fault f;
    bool faulty = pick_fault(line, f);

    if (faulty && f.kind == Fault::Kind::respond) {
        std::uint64_t left = content_length - std::min<std::uint64_t>(content_length, body_start.size());
        while (left > 0) {
            ssize_t r = recv_some(c.client, buf,
                                  static_cast<std::size_t>(std::min<std::uint64_t>(left, sizeof buf)), wake);
            if (r <= 0) return;
            left -= static_cast<std::uint64_t>(r);
        }
        std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + f.s3_code +
                          "</Code><Message>injected by the test's fault proxy</Message></Error>";
        std::string resp =
            "HTTP/1.1 " + std::to_string(f.status) + " " + reason(f.status) +
            "\r\nContent-Type: application/xml\r\nContent-Length: " + std::to_string(xml.size()) +
            "\r\nConnection: close\r\n\r\n" + xml;
        send_all(c.client, resp.data(), resp.size(), wake);
        return;
    }

    c.upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(upstream_port_));
    if (c.upstream < 0 || ::connect(c.upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;

    bool drop_req = faulty && f.kind == Fault::Kind::drop && f.during_request;
    bool drop_resp = faulty && f.kind == Fault::Kind::drop && !f.during_request;
    bool stall = faulty && f.kind == Fault::Kind::stall;

    if (!send_all(c.upstream, rewritten.data(), rewritten.size(), wake)) return;
    std::uint64_t body_sent = 0;
    auto forward_body = [&](const char* data, std::size_t n) {
        if (drop_req && body_sent + n >= f.after_bytes) {
            send_all(c.upstream, data, static_cast<std::size_t>(f.after_bytes - body_sent), wake);
            return false;
        }
        body_sent += n;
        return send_all(c.upstream, data, n, wake);
    };
    if (!body_start.empty() && !forward_body(body_start.data(), body_start.size())) return;
    if (drop_req && content_length == 0) return;

    if (stall && f.after_bytes == 0 && !pause_for(f.stall, wake)) return;
    if (drop_resp && f.after_bytes == 0) {
        // Let the request arrive, then hang up without an answer.
        while (body_sent < content_length) {
            ssize_t r = recv_some(c.client, buf, sizeof buf, wake);
            if (r <= 0) return;
            if (!forward_body(buf, static_cast<std::size_t>(r))) return;
        }
        return;
    }

    // Relay both ways until the server closes (it answers one request, then closes).
    std::uint64_t resp_sent = 0;
    bool client_open = true;
    bool stalled = stall && f.after_bytes == 0;
    for (;;) {
        struct pollfd p[3] = {{c.upstream, POLLIN, 0},
                              {c.client, static_cast<short>(client_open ? POLLIN : 0), 0},
                              {wake, POLLIN, 0}};
        int n = ::poll(p, 3, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 || p[2].revents) return;
        if (client_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t r = ::recv(c.client, buf, sizeof buf, 0);
            if (r <= 0) {
                client_open = false;
                ::shutdown(c.upstream, SHUT_WR);
            } else if (!forward_body(buf, static_cast<std::size_t>(r))) {
                return;
            }
        }
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = ::recv(c.upstream, buf, sizeof buf, 0);
            if (r <= 0) return;  // response complete: closing the client ends it there too
            std::size_t len = static_cast<std::size_t>(r);
            if ((drop_resp || (stall && !stalled)) && resp_sent + len >= f.after_bytes) {
                std::size_t first = static_cast<std::size_t>(f.after_bytes - resp_sent);
                if (!send_all(c.client, buf, first, wake)) return;
                resp_sent += first;
                if (drop_resp) return;
                stalled = true;
                if (!pause_for(f.stall, wake)) return;
                if (!send_all(c.client, buf + first, len - first, wake)) return;
                resp_sent += len - first;
                continue;
            }
            if (!send_all(c.client, buf, len, wake)) return;
            resp_sent += len;
        }
    }
}

}  // namespace pgark::test
