// Repository locations for driver-parametrised integration suites.
#include "support/storage_fixtures.h"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <mutex>
#include <vector>

#include "storage/open_storage.h"
#include "support/swift_server.h"
#include "util/temp.h"

namespace pgark::test {
namespace {

// Directories stay until the process ends so that a test can hand the path to a pgark child freely.
std::vector<std::unique_ptr<TempDir>>& kept_dirs() {
    static std::vector<std::unique_ptr<TempDir>> dirs;
    return dirs;
}

std::string bucket_name(const std::string& unique_name) {
    static std::atomic<int> counter{0};
    std::string s = "pgark-";
    for (unsigned char c : unique_name) {
        if (std::isalnum(c))
            s += static_cast<char>(std::tolower(c));
        else if (!s.empty() && s.back() != '-')
            s += '-';
    }
    if (s.size() > 48) s.resize(48);
    while (!s.empty() && s.back() == '-') s.pop_back();
    return s + "-" + std::to_string(getpid() % 100000) + "-" + std::to_string(++counter);
}

}  // namespace

std::string to_string(Driver d) {
    return d == Driver::posix ? "posix" : "s3";
}

std::string driver_name(const ::testing::TestParamInfo<Driver>& info) {
    return to_string(info.param);
}

const std::vector<Driver>& all_drivers() {
    static const std::vector<Driver> all{Driver::posix, Driver::s3};
    return all;
}

std::unique_ptr<Storage> RepoLocation::open() const {
    return open_storage(url, s3);
}

RepoLocation make_repo_location(Driver driver, const std::string& unique_name) {
    RepoLocation loc;
    loc.driver = driver;
    if (driver == Driver::posix) {
        static std::mutex mu;
        std::lock_guard lock(mu);
        kept_dirs().push_back(std::make_unique<TempDir>("pgark-repo"));
        loc.url = (kept_dirs().back()->path() / "repo").string();
        return loc;
    }
    auto& swift = SwiftServer::shared();
    loc.bucket = bucket_name(unique_name);
    swift.create_bucket(loc.bucket);
    loc.url = "s3://" + loc.bucket + "/repo";
    loc.s3 = swift.options(loc.bucket, "repo");
    loc.env = {{"AWS_ACCESS_KEY_ID", swift.access_key()},
               {"AWS_SECRET_ACCESS_KEY", swift.secret_key()},
               {"AWS_REGION", swift.region()},
               {"AWS_ENDPOINT_URL", swift.endpoint()},
               {"PGARK_S3_PATH_STYLE", "true"}};
    return loc;
}

}  // namespace pgark::test
