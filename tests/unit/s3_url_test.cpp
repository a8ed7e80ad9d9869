// Repository URLs and endpoints for S3, driver construction, and the wording of S3 error messages.
#include <gtest/gtest.h>

#include <curl/curl.h>

#include <cerrno>

#include "storage/open_storage.h"
#include "storage/s3/s3_client.h"
#include "util/error.h"

namespace pgark::s3 {
namespace {

TEST(S3Url, ParsesBucketAndPrefix) {
    auto u = parse_s3_url("s3://my-bucket/backups/prod/");
    EXPECT_EQ(u.bucket, "my-bucket");
    EXPECT_EQ(u.prefix, "backups/prod");
    u = parse_s3_url("s3://my-bucket");
    EXPECT_EQ(u.bucket, "my-bucket");
    EXPECT_EQ(u.prefix, "");
    EXPECT_EQ(parse_s3_url("s3://my.bucket/").prefix, "");
}

TEST(S3Url, RejectsMalformed) {
    EXPECT_THROW(parse_s3_url("s3://"), UsageError);
    EXPECT_THROW(parse_s3_url("s3:///prefix"), UsageError);
    EXPECT_THROW(parse_s3_url("s3://Upper/x"), UsageError);
    EXPECT_THROW(parse_s3_url("s3://ab/x"), UsageError);
    EXPECT_THROW(parse_s3_url("s3://bkt/a//b"), UsageError);
    EXPECT_THROW(parse_s3_url("https://bkt/x"), UsageError);
}

TEST(S3Url, Endpoints) {
    auto e = parse_endpoint("http://127.0.0.1:9000/", "us-east-1");
    EXPECT_EQ(e.scheme, "http");
    EXPECT_EQ(e.authority, "127.0.0.1:9000");
    EXPECT_EQ(e.base_path, "");
    e = parse_endpoint("", "eu-west-1");
    EXPECT_EQ(e.scheme, "https");
    EXPECT_EQ(e.authority, "s3.eu-west-1.amazonaws.com");
    e = parse_endpoint("HTTPS://gw.example.com/s3/", "x");
    EXPECT_EQ(e.scheme, "https");
    EXPECT_EQ(e.base_path, "/s3");
    EXPECT_THROW(parse_endpoint("127.0.0.1:9000", "x"), UsageError);
    EXPECT_THROW(parse_endpoint("ftp://host", "x"), UsageError);
    EXPECT_THROW(parse_endpoint("http://user:secret@host", "x"), UsageError);
}

TEST(S3Url, OpenStorageBuildsTheS3Driver) {
    S3Options o;
    o.access_key_id = "AKID";
    o.secret_access_key = "SECRET";
    o.endpoint = "http://127.0.0.1:1";
    auto st = open_storage("s3://bkt/some/prefix/", o);
    EXPECT_EQ(st->describe(), "s3://bkt/some/prefix");
    EXPECT_EQ(open_storage("s3://bkt", o)->describe(), "s3://bkt");
}

TEST(S3Url, OpenStorageRequiresCredentialsAndSaneParts) {
    S3Options o;
    try {
        open_storage("s3://bkt/p", o);
        FAIL() << "no credentials accepted";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("AWS_ACCESS_KEY_ID"), std::string::npos) << e.what();
    }
    o.access_key_id = "AKID";
    o.secret_access_key = "SECRET";
    o.part_size = 1 << 20;
    EXPECT_THROW(open_storage("s3://bkt/p", o), UsageError);
}

FailureInfo failure(long status, const std::string& code) {
    FailureInfo f;
    f.what = "reading";
    f.location = "s3://bkt/repo/key";
    f.bucket = "bkt";
    f.endpoint = "http://127.0.0.1:8080";
    f.attempt.response.status = status;
    f.attempt.s3_code = code;
    return f;
}

TEST(S3Errors, SayWhatToCheck) {
    EXPECT_EQ(explain_failure(failure(403, "SignatureDoesNotMatch")),
              "reading s3://bkt/repo/key: 403 SignatureDoesNotMatch: the secret access key is wrong; check "
              "AWS_SECRET_ACCESS_KEY / s3.secret_access_key (and that it belongs to the access key id in "
              "AWS_ACCESS_KEY_ID / s3.access_key_id)");
    EXPECT_NE(explain_failure(failure(403, "InvalidAccessKeyId")).find("check the access key id"),
              std::string::npos);
    std::string nsb = explain_failure(failure(404, "NoSuchBucket"));
    EXPECT_NE(nsb.find("bucket 'bkt' does not exist at http://127.0.0.1:8080"), std::string::npos) << nsb;
    EXPECT_NE(nsb.find("aws s3 mb"), std::string::npos) << nsb;
    EXPECT_NE(nsb.find("repository.url"), std::string::npos) << nsb;
    EXPECT_NE(explain_failure(failure(400, "AuthorizationHeaderMalformed")).find("AWS_REGION"),
              std::string::npos);
    EXPECT_NE(explain_failure(failure(403, "RequestTimeTooSkewed")).find("clock"), std::string::npos);
    auto busy = failure(503, "SlowDown");
    busy.attempts = 6;
    busy.seconds = 12.34;
    EXPECT_EQ(
        explain_failure(busy),
        "reading s3://bkt/repo/key: 503 SlowDown after 6 attempts over 12s: the server kept failing; check "
        "the S3 service's health and run the job again later");
    auto odd = failure(400, "InvalidArgument");
    odd.attempt.s3_message = "Bad thing";
    EXPECT_EQ(explain_failure(odd), "reading s3://bkt/repo/key: 400 InvalidArgument: Bad thing");
}

TEST(S3Errors, TransportFailures) {
    FailureInfo f = failure(0, "");
    f.endpoint = "http://127.0.0.1:1";
    f.attempt.curl_code = CURLE_COULDNT_CONNECT;
    f.attempt.curl_error = "Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server";
    f.attempt.os_errno = ECONNREFUSED;
    f.attempts = 3;
    f.seconds = 1.25;
    EXPECT_EQ(explain_failure(f),
              "reading s3://bkt/repo/key: cannot connect to http://127.0.0.1:1 after 3 attempts over 1.2s: "
              "Connection refused; check s3.endpoint / AWS_ENDPOINT_URL and that the server is running");
    f.attempt.curl_code = CURLE_OPERATION_TIMEDOUT;
    f.low_speed_time = std::chrono::seconds(30);
    f.low_speed_limit = 1024;
    EXPECT_NE(explain_failure(f).find("s3.low_speed_time"), std::string::npos);
    f.attempt.curl_code = CURLE_PEER_FAILED_VERIFICATION;
    EXPECT_NE(explain_failure(f).find("s3.ca_bundle"), std::string::npos);
}

}  // namespace
}  // namespace pgark::s3
