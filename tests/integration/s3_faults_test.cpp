// The S3 driver under failure, against the real Swift: bad credentials, unreachable endpoint, missing
// bucket, and faults injected by a proxy (5xx answers, dropped and stalled connections, persistent
// failures, cancellation). Checks that transient faults are absorbed by retry/resume, that permanent ones
// give messages saying what to check (never containing secrets), and that no multipart upload survives.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <regex>
#include <string>
#include <thread>

#include "storage/s3/s3_storage.h"
#include "stream/sha256.h"
#include "support/fault_proxy.h"
#include "support/pgark_cli.h"
#include "support/storage_fixtures.h"
#include "support/swift_server.h"
#include "support/text_util.h"
#include "util/cancel.h"
#include "util/error.h"

namespace pgark::test {
namespace {

using namespace std::chrono_literals;

std::string random_bytes(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; i += 8) {
        std::uint64_t v = rng();
        for (std::size_t j = 0; j < 8 && i + j < n; ++j) s[i + j] = static_cast<char>((v >> (8 * j)) & 0xff);
    }
    return s;
}

std::span<const std::byte> bytes(const std::string& s) {
    return std::as_bytes(std::span(s.data(), s.size()));
}

void write_in_chunks(ObjectWriter& w, const std::string& data) {
    for (std::size_t pos = 0; pos < data.size(); pos += 1 << 20)
        w.write(bytes(data).subspan(pos, std::min<std::size_t>(1 << 20, data.size() - pos)));
}

// Runs `f`, expecting a StorageError; returns its message.
template <class F>
std::string storage_error_of(F&& f) {
    try {
        f();
    } catch (const StorageError& e) {
        return e.what();
    }
    ADD_FAILURE() << "no StorageError thrown";
    return "";
}

// A bucket on the shared Swift, reached through a fault proxy.
class S3Faults : public ::testing::Test {
  protected:
    void SetUp() override {
        loc_ =
            make_repo_location(Driver::s3, ::testing::UnitTest::GetInstance()->current_test_info()->name());
        proxy_ = std::make_unique<FaultProxy>(SwiftServer::shared().port());
        opts_ = loc_.s3;
        opts_.endpoint = proxy_->endpoint();
        opts_.part_size = 5ull << 20;
        opts_.retry_base_delay = 20ms;
    }
    std::unique_ptr<S3Storage> storage() { return std::make_unique<S3Storage>(opts_); }
    std::vector<s3::UploadInfo> uploads() {
        return SwiftServer::shared().list_multipart_uploads(loc_.bucket);
    }

    RepoLocation loc_;
    std::unique_ptr<FaultProxy> proxy_;
    S3Options opts_;
};

TEST_F(S3Faults, WrongSecretIsNamedButNeverShown) {
    const std::string secret = "wrong-secret-Zq8v3K1p";
    opts_.secret_access_key = secret;
    auto st = storage();
    std::vector<std::string> messages;
    messages.push_back(storage_error_of([&] { st->put("k", "data"); }));
    messages.push_back(storage_error_of([&] { st->stat("k"); }));
    messages.push_back(storage_error_of([&] { st->get("k"); }));
    messages.push_back(storage_error_of([&] { st->list(""); }));
    for (const auto& m : messages) {
        EXPECT_NE(m.find("403 SignatureDoesNotMatch"), std::string::npos) << m;
        EXPECT_NE(m.find("secret access key is wrong"), std::string::npos) << m;
        EXPECT_NE(m.find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << m;
        EXPECT_EQ(m.find(secret), std::string::npos) << m;
        EXPECT_EQ(m.find("Signature="), std::string::npos) << m;
        EXPECT_EQ(m.find("attempts"), std::string::npos) << "auth failures are not retried: " << m;
    }
}

TEST_F(S3Faults, UnknownAccessKeyIsNamed) {
    opts_.access_key_id = "test:nobody";
    std::string m = storage_error_of([&] { storage()->put("k", "data"); });
    EXPECT_NE(m.find("403"), std::string::npos) << m;
    // Swift cannot tell an unknown key id from a wrong secret (both are SignatureDoesNotMatch); AWS says
    // InvalidAccessKeyId. Either way the message points at the access key id.
    EXPECT_NE(m.find("AWS_ACCESS_KEY_ID"), std::string::npos) << m;
    EXPECT_EQ(m.find(opts_.secret_access_key), std::string::npos) << m;
}

TEST_F(S3Faults, UnreachableEndpointFailsAfterBoundedRetries) {
    opts_.endpoint = "http://127.0.0.1:1";
    opts_.max_retries = 3;
    opts_.connect_timeout = 2s;
    auto start = std::chrono::steady_clock::now();
    std::string m = storage_error_of([&] { storage()->put("k", "data"); });
    EXPECT_LT(seconds_since(start), 10);
    EXPECT_NE(m.find("cannot connect to http://127.0.0.1:1 after 4 attempts over"), std::string::npos) << m;
    EXPECT_NE(m.find("Connection refused"), std::string::npos) << m;
    EXPECT_NE(m.find("s3.endpoint"), std::string::npos) << m;
}

TEST_F(S3Faults, MissingBucketIsNamed) {
    opts_.bucket = "pgark-no-such-bucket";
    auto st = storage();
    for (const auto& m :
         {storage_error_of([&] { st->put("k", "data"); }), storage_error_of([&] { st->stat("k"); }),
          storage_error_of([&] { st->list(""); })}) {
        EXPECT_NE(m.find("404 NoSuchBucket"), std::string::npos) << m;
        EXPECT_NE(m.find("bucket 'pgark-no-such-bucket' does not exist at " + proxy_->endpoint()),
                  std::string::npos)
            << m;
        EXPECT_NE(m.find("aws s3 mb"), std::string::npos) << m;
    }
    EXPECT_THROW(st->get("k"), StorageError);
    try {
        st->get("k");
    } catch (const NotFoundError& e) {
        ADD_FAILURE() << "a missing bucket is not a missing key: " << e.what();
    } catch (const StorageError&) {
    }
}

TEST_F(S3Faults, ServerErrorsOnAPartAreRetried) {
    proxy_->add(Fault::respond("partNumber=2&", 503, "SlowDown", 2));
    proxy_->add(Fault::respond("partNumber=3&", 500, "InternalError", 1));
    auto st = storage();
    const std::string data = random_bytes(12 << 20, 1);
    auto w = st->create("obj");
    write_in_chunks(*w, data);
    w->commit();
    EXPECT_EQ(proxy_->faults_applied(), 3);
    EXPECT_EQ(sha256_hex(st->get("obj")), sha256_hex(data));
    EXPECT_TRUE(uploads().empty());
}

TEST_F(S3Faults, ServerErrorOnASinglePutIsRetried) {
    proxy_->add(Fault::respond("PUT ", 500, "InternalError", 2));
    auto st = storage();
    st->put("small", "payload");
    EXPECT_EQ(proxy_->faults_applied(), 2);
    EXPECT_EQ(st->get("small"), "payload");
}

TEST_F(S3Faults, DroppedConnectionMidGetIsResumed) {
    auto st = storage();
    const std::string data = random_bytes(6 << 20, 2);
    st->put("obj", data);
    // Cut the GET twice: after 1 MiB of the first answer, and right at the start of the resumed one.
    proxy_->add(Fault::drop_response("GET /" + loc_.bucket + "/repo/obj", 1 << 20, 1));
    proxy_->add(Fault::drop_response("GET /" + loc_.bucket + "/repo/obj", 100, 1));
    int before = proxy_->requests_seen();
    std::string back = st->get("obj");
    EXPECT_EQ(back.size(), data.size());
    EXPECT_EQ(sha256_hex(back), sha256_hex(data));
    EXPECT_EQ(proxy_->faults_applied(), 2);
    EXPECT_EQ(proxy_->requests_seen() - before, 3) << "one GET plus two resumptions, no restart from zero";
}

TEST_F(S3Faults, DroppedConnectionMidUploadIsRetried) {
    proxy_->add(Fault::drop_request("partNumber=1&", 1 << 20, 1));
    proxy_->add(Fault::drop_response("partNumber=2&", 0, 1));  // the part arrives, the answer does not
    auto st = storage();
    const std::string data = random_bytes(11 << 20, 3);
    auto w = st->create("obj");
    write_in_chunks(*w, data);
    w->commit();
    EXPECT_EQ(proxy_->faults_applied(), 2);
    EXPECT_EQ(sha256_hex(st->get("obj")), sha256_hex(data));
    EXPECT_TRUE(uploads().empty());
}

TEST_F(S3Faults, StalledTransferHitsLowSpeedTimeoutAndIsRetried) {
    opts_.low_speed_time = 1s;
    opts_.low_speed_limit = 1024;
    auto st = storage();
    const std::string data = random_bytes(1 << 20, 4);
    st->put("obj", data);
    proxy_->add(Fault::stall_response("GET /" + loc_.bucket + "/repo/obj", 30s, 1000, 1));
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(st->get("obj"), data);
    EXPECT_LT(seconds_since(start), 10) << "the stall was waited out instead of timed out";
    EXPECT_EQ(proxy_->faults_applied(), 1);
}

TEST_F(S3Faults, PersistentServerErrorsFailCleanly) {
    proxy_->add(Fault::respond("partNumber=", 500, "InternalError", -1));
    opts_.max_retries = 2;
    auto st = storage();
    const std::string data = random_bytes(16 << 20, 5);
    std::string m = storage_error_of([&] {
        auto w = st->create("doomed");
        write_in_chunks(*w, data);
        w->commit();
    });
    EXPECT_NE(m.find("500 InternalError after 3 attempts"), std::string::npos) << m;
    EXPECT_NE(m.find("s3://" + loc_.bucket + "/repo/doomed"), std::string::npos) << m;
    proxy_->clear();
    EXPECT_FALSE(st->stat("doomed"));
    EXPECT_TRUE(uploads().empty()) << "the failed upload was not aborted";
}

TEST_F(S3Faults, CancellationInterruptsTransfersAndAbortsUploads) {
    auto st = storage();
    st->put("obj", random_bytes(1 << 20, 6));
    // A GET stalled for 30 s ends within a second of the cancellation request.
    proxy_->add(Fault::stall_response("GET /" + loc_.bucket + "/repo/obj", 30s, 0, 1));
    std::thread canceller([] {
        std::this_thread::sleep_for(300ms);
        cancel::request();
    });
    auto start = std::chrono::steady_clock::now();
    EXPECT_THROW(st->get("obj"), Interrupted);
    canceller.join();
    EXPECT_LT(seconds_since(start), 3);
    cancel::reset();

    // A multipart upload interrupted mid-part is aborted even though cancellation is pending.
    proxy_->clear();
    proxy_->add(Fault::stall_response("partNumber=2&", 30s, 0, 1));
    std::thread canceller2([] {
        std::this_thread::sleep_for(1s);
        cancel::request();
    });
    EXPECT_THROW(
        {
            auto w = st->create("interrupted");
            write_in_chunks(*w, random_bytes(12 << 20, 7));
            w->commit();
        },
        Interrupted);
    canceller2.join();
    cancel::reset();
    EXPECT_TRUE(uploads().empty());
    EXPECT_FALSE(st->stat("interrupted"));
}

// Virtual-host addressing (http://BUCKET.s3.localhost:PORT/key): curl resolves *.localhost to loopback and
// the s3api middleware takes the bucket from the Host header (storage_domain = s3.localhost).
TEST(S3Addressing, VirtualHostStyle) {
    auto loc = make_repo_location(Driver::s3, "vhost");
    S3Options o = loc.s3;
    o.path_style = false;
    o.endpoint = "http://s3.localhost:" + std::to_string(SwiftServer::shared().port());
    S3Storage st(o);
    st.put("dir/a b+c", "virtual");
    EXPECT_EQ(st.get("dir/a b+c"), "virtual");
    ASSERT_EQ(st.list("dir/").size(), 1u);
    st.remove({"dir/a b+c"});
    EXPECT_FALSE(st.stat("dir/a b+c"));
}

#ifdef PGARK_S3_STREAM_TOOL
// A 1 GiB stream goes up by multipart and comes back down with bounded memory (no whole-object buffer).
TEST(S3Memory, OneGiBStreamsWithBoundedRss) {
    auto loc = make_repo_location(Driver::s3, "rss");
    const std::string size = std::to_string(1ull << 30);
    auto up =
        run_command(PGARK_S3_STREAM_TOOL, {"upload", loc.url, "big", size}, loc.env, std::nullopt, 600s);
    ASSERT_EQ(up.exit_code, 0) << up.describe();
    auto down = run_command(PGARK_S3_STREAM_TOOL, {"download", loc.url, "big"}, loc.env, std::nullopt, 600s);
    ASSERT_EQ(down.exit_code, 0) << down.describe();
    std::smatch mu, md;
    const std::regex re("bytes=(\\d+) sha256=([0-9a-f]+) vmhwm_kib=(\\d+)");
    ASSERT_TRUE(std::regex_search(up.out, mu, re)) << up.out;
    ASSERT_TRUE(std::regex_search(down.out, md, re)) << down.out;
    EXPECT_EQ(mu[1].str(), size);
    EXPECT_EQ(md[1].str(), size);
    EXPECT_EQ(mu[2].str(), md[2].str()) << "downloaded bytes differ from the uploaded ones";
    long up_kib = std::stol(mu[3].str()), down_kib = std::stol(md[3].str());
    std::cout << "[ S3 RSS   ] 1 GiB upload peak RSS " << up_kib / 1024 << " MiB, download peak RSS "
              << down_kib / 1024 << " MiB" << std::endl;
    EXPECT_LT(up_kib, 256 * 1024);
    EXPECT_LT(down_kib, 256 * 1024);
    loc.open()->remove({"big"});
}
#endif

}  // namespace
}  // namespace pgark::test
