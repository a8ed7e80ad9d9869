// The daemon's HTTP server (cpp-httplib): GET routes on one address, served from a thread of its own.
// The port is bound exclusively: a second daemon on the same address is refused, not load-balanced.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace httplib {
class Server;
}

namespace pgark {

// "host:port" (IPv6 as "[::1]:9871") -> host and port; throws UsageError naming daemon.listen.
std::pair<std::string, int> split_listen(const std::string& listen);

class HttpEndpoint {
  public:
    struct Route {
        std::string path, content_type;
        std::function<std::string()> body;  // called on the server's threads
    };
    // Binds `listen` and starts serving; throws Error saying what to set when it cannot bind.
    HttpEndpoint(const std::string& listen, std::vector<Route> routes);
    // Stops the server and joins its thread.
    ~HttpEndpoint();
    HttpEndpoint(const HttpEndpoint&) = delete;
    HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  private:
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
};

}  // namespace pgark
