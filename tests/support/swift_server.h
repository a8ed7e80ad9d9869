// A single-node OpenStack Swift with the s3api middleware on 127.0.0.1, started by the tests themselves:
// free ports, all state in a temporary directory, stopped at exit, on SIGINT/SIGTERM, and (by a
// watchdog process) after a SIGKILL of the test process. Swift checks SigV4 signatures and payload
// hashes and implements multipart uploads, so it is a faithful stand-in for S3.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "storage/s3/s3_options.h"
#include "storage/s3/s3_xml.h"
#include "util/process.h"
#include "util/temp.h"

namespace pgark::test {

class SwiftServer {
  public:
    // The server shared by every test of the process, started on first use (takes a few seconds).
    static SwiftServer& shared();

    SwiftServer();
    ~SwiftServer();
    SwiftServer(const SwiftServer&) = delete;
    SwiftServer& operator=(const SwiftServer&) = delete;

    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(proxy_port_); }
    int port() const { return proxy_port_; }
    std::string access_key() const { return "test:tester"; }
    std::string secret_key() const { return "testing"; }
    std::string region() const { return "us-east-1"; }

    // Driver settings for this server (path-style, test credentials, quick retries).
    S3Options options(const std::string& bucket, const std::string& prefix = "") const;
    void create_bucket(const std::string& name);
    // Unfinished multipart uploads in the bucket (all keys).
    std::vector<s3::UploadInfo> list_multipart_uploads(const std::string& bucket);
    // Last lines of the servers' logs, for failure messages.
    std::string log_tail() const;

  private:
    void start();
    void stop() noexcept;
    void write_configs();
    void build_rings();
    void spawn_servers();
    void wait_until_up();
    void start_watchdog();

    std::unique_ptr<TempDir> dir_;
    int proxy_port_ = 0, object_port_ = 0, container_port_ = 0, account_port_ = 0, memcached_port_ = 0;
    std::vector<std::unique_ptr<Child>> children_;
};

}  // namespace pgark::test
