// SigV4 signing checked against AWS's published examples: the generic signature test suite
// (service "service") and the S3 developer guide's examples (GET with Range, PUT, GET ?lifecycle, list).
#include <gtest/gtest.h>

#include "storage/s3/s3_sigv4.h"

namespace pgark::s3 {
namespace {

const Credentials kSuiteCreds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
const Credentials kS3Creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
const std::string kEmptySha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

SigningRequest suite_request(const std::string& method, const std::string& raw_path, Params query = {}) {
    SigningRequest r;
    r.method = method;
    r.canonical_uri = uri_encode(raw_path, true);
    r.query = std::move(query);
    r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
    r.payload_sha256 = kEmptySha;
    r.amz_date = "20150830T123600Z";
    r.region = "us-east-1";
    r.service = "service";
    return r;
}

SigningRequest s3_request(const std::string& method, const std::string& path, Params query,
                          Params extra_headers, const std::string& payload_sha) {
    SigningRequest r;
    r.method = method;
    r.canonical_uri = uri_encode(path, true);
    r.query = std::move(query);
    r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                 {"x-amz-date", "20130524T000000Z"},
                 {"x-amz-content-sha256", payload_sha}};
    for (auto& h : extra_headers) r.headers.push_back(h);
    r.payload_sha256 = payload_sha;
    r.amz_date = "20130524T000000Z";
    r.region = "us-east-1";
    return r;
}

TEST(S3SigV4, GetVanillaCanonicalRequestAndStringToSign) {
    auto r = suite_request("GET", "/");
    EXPECT_EQ(
        canonical_request(r),
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + kEmptySha);
    EXPECT_EQ(string_to_sign(r),
              "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
              "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
}

TEST(S3SigV4, GetVanilla) {
    EXPECT_EQ(authorization_header(suite_request("GET", "/"), kSuiteCreds),
              "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
              "SignedHeaders=host;x-amz-date, "
              "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(S3SigV4, PostVanilla) {
    EXPECT_EQ(signature(suite_request("POST", "/"), kSuiteCreds.secret_access_key),
              "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST(S3SigV4, QueryParameter) {
    EXPECT_EQ(signature(suite_request("GET", "/", {{"Param1", "value1"}}), kSuiteCreds.secret_access_key),
              "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb");
}

TEST(S3SigV4, Utf8Path) {
    auto r = suite_request("GET", "/\xe1\x88\xb4");
    EXPECT_EQ(r.canonical_uri, "/%E1%88%B4");
    EXPECT_EQ(signature(r, kSuiteCreds.secret_access_key),
              "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85");
}

TEST(S3SigV4, HeaderValuesAreTrimmedAndNamesSorted) {
    auto r = suite_request("GET", "/");
    r.headers.push_back({"My-Header2", "  \"a   b   c\"  "});
    r.headers.push_back({"my-header1", "value1"});
    EXPECT_EQ(canonical_request(r),
              "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
              "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n" +
                  kEmptySha);
}

TEST(S3SigV4, S3GetObjectWithRange) {
    auto r = s3_request("GET", "/test.txt", {}, {{"Range", "bytes=0-9"}}, kEmptySha);
    EXPECT_EQ(authorization_header(r, kS3Creds),
              "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
              "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
              "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(S3SigV4, S3PutObject) {
    const std::string body = "Welcome to Amazon S3.";
    const std::string sha = sha256_hex_of(body);
    EXPECT_EQ(sha, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
    auto r = s3_request(
        "PUT", "/test$file.text", {},
        {{"Date", "Fri, 24 May 2013 00:00:00 GMT"}, {"x-amz-storage-class", "REDUCED_REDUNDANCY"}}, sha);
    EXPECT_EQ(r.canonical_uri, "/test%24file.text");
    EXPECT_EQ(signature(r, kS3Creds.secret_access_key),
              "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(S3SigV4, S3ValuelessSubresource) {
    auto r = s3_request("GET", "/", {{"lifecycle", ""}}, {}, kEmptySha);
    EXPECT_EQ(signature(r, kS3Creds.secret_access_key),
              "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(S3SigV4, S3ListObjectsQueryIsSorted) {
    auto r = s3_request("GET", "/", {{"prefix", "J"}, {"max-keys", "2"}}, {}, kEmptySha);
    EXPECT_EQ(signature(r, kS3Creds.secret_access_key),
              "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(S3SigV4, UriEncoding) {
    EXPECT_EQ(uri_encode("a b+c=d/e~f_g.h-i", true), "a%20b%2Bc%3Dd/e~f_g.h-i");
    EXPECT_EQ(uri_encode("a/b", false), "a%2Fb");
    EXPECT_EQ(uri_encode("\xc3\xa9", false), "%C3%A9");
    EXPECT_EQ(canonical_query({{"prefix", "a b/c"}, {"list-type", "2"}, {"continuation-token", "x+y="}}),
              "continuation-token=x%2By%3D&list-type=2&prefix=a%20b%2Fc");
    EXPECT_EQ(canonical_query({{"uploads", ""}}), "uploads=");
    EXPECT_EQ(canonical_query({}), "");
}

TEST(S3SigV4, Md5Base64) {
    EXPECT_EQ(md5_base64_of(""), "1B2M2Y8AsgTpgAmY7PhCfg==");
    EXPECT_EQ(amz_date_now().size(), 16u);
}

}  // namespace
}  // namespace pgark::s3
