// A TCP proxy on 127.0.0.1 between the S3 driver and Swift that injects faults into chosen requests:
// drop the connection (before the answer, mid-response or mid-request-body), stall, or answer with a
// canned S3 error. Each request goes over its own upstream connection ("Connection: close" is forced),
// so faults apply per request. Rules are changed at runtime from the test thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pgark::test {

struct Fault {
    enum class Kind { drop, stall, respond };
    Kind kind = Kind::drop;

    // Which requests: those whose request line ("PUT /bkt/key?partNumber=2&uploadId=... HTTP/1.1")
    // contains `match` (empty = any) and, when request_number > 0, only the Nth request the proxy sees.
    std::string match;
    int request_number = 0;
    int skip = 0;   // let this many matching requests through before acting
    int times = 1;  // act on this many matching requests; -1 = on every one

    // drop: close both connections after forwarding `after_bytes` bytes of the response (0 = before
    //       any answer), or of the request body when `during_request`.
    // stall: stop forwarding for `stall` after `after_bytes` bytes of the response, then go on.
    std::uint64_t after_bytes = 0;
    bool during_request = false;
    std::chrono::milliseconds stall{0};

    // respond: swallow the request and answer `status` with an S3 <Error> body carrying `s3_code`.
    int status = 500;
    std::string s3_code = "InternalError";

    static Fault drop_response(std::string match, std::uint64_t after_bytes, int times = 1);
    static Fault drop_request(std::string match, std::uint64_t after_body_bytes, int times = 1);
    static Fault stall_response(std::string match, std::chrono::milliseconds how_long,
                                std::uint64_t after_bytes = 0, int times = 1);
    static Fault respond(std::string match, int status, std::string s3_code, int times = 1);
};

class FaultProxy {
  public:
    explicit FaultProxy(int upstream_port);
    ~FaultProxy();
    FaultProxy(const FaultProxy&) = delete;
    FaultProxy& operator=(const FaultProxy&) = delete;

    int port() const { return port_; }
    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

    void add(Fault f);
    void clear();
    int requests_seen() const { return requests_.load(); }
    int faults_applied() const { return applied_.load(); }
    // Request lines seen so far (method, path and query; never headers, which carry signatures).
    std::vector<std::string> request_lines() const;

  private:
    struct Conn;
    void accept_loop();
    void serve(Conn& c);
    bool pick_fault(const std::string& line, Fault& out);

    int upstream_port_;
    int port_ = 0;
    int listen_fd_ = -1;
    int wake_[2] = {-1, -1};
    std::atomic<bool> stopping_{false};
    std::atomic<int> requests_{0}, applied_{0};
    mutable std::mutex mu_;
    std::vector<Fault> faults_;
    std::vector<std::string> lines_;
    std::vector<std::unique_ptr<Conn>> conns_;
    std::thread acceptor_;
};

}  // namespace pgark::test
