// HttpEndpoint: cpp-httplib with SO_REUSEADDR only. cpp-httplib's default socket options also set
// SO_REUSEPORT, with which Linux lets a second process bind the same port and splits the connections
// between the two: two daemons would both run, each scheduling every job.
#include "daemon/http_endpoint.h"

#include <sys/socket.h>

#include <httplib.h>

#include "util/error.h"

namespace pgark {

std::pair<std::string, int> split_listen(const std::string& listen) {
    auto colon = listen.rfind(':');
    int port = -1;
    if (colon != std::string::npos) {
        try {
            port = std::stoi(listen.substr(colon + 1));
        } catch (...) {
        }
    }
    if (colon == std::string::npos || port < 0 || port > 65535)
        throw UsageError("daemon.listen: '" + listen +
                         "' is not an address:port (e.g. 127.0.0.1:9871, or empty for no HTTP server)");
    auto host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return {host, port};
}

HttpEndpoint::HttpEndpoint(const std::string& listen, std::vector<Route> routes)
    : server_(std::make_unique<httplib::Server>()) {
    auto [host, port] = split_listen(listen);
    server_->set_socket_options([](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);  // restart despite TIME_WAIT
    });
    for (auto& r : routes) {
        const std::string path = r.path;  // before the route moves into the handler
        server_->Get(path, [route = std::move(r)](const httplib::Request&, httplib::Response& res) {
            res.set_content(route.body(), route.content_type);
        });
    }
    if (!server_->bind_to_port(host, port))
        throw Error("daemon: cannot listen on " + listen +
                    " (in use, perhaps by another pgark daemon, or not an address of this host); set "
                    "daemon.listen (--listen) to a free address:port");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
}

HttpEndpoint::~HttpEndpoint() {
    server_->stop();
    if (thread_.joinable()) thread_.join();
}

}  // namespace pgark
