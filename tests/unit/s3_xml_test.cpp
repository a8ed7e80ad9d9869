// Parsing of the S3 XML responses the driver reads, and the request bodies it writes.
#include <gtest/gtest.h>

#include "storage/s3/s3_xml.h"

namespace pgark::s3 {
namespace {

TEST(S3Xml, ListObjectsV2Page) {
    const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bkt</Name><Prefix>repo/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
  <Contents><Key>repo/a&amp;b.json</Key><LastModified>2026-01-24T02:00:00.000Z</LastModified>
    <ETag>&quot;abc&quot;</ETag><Size>123</Size><StorageClass>STANDARD</StorageClass></Contents>
  <Contents><Key>repo/ space </Key><LastModified>2026-01-24T02:00:01.000Z</LastModified>
    <Size>0</Size></Contents>
</ListBucketResult>)";
    auto page = parse_list_objects_v2(xml);
    ASSERT_EQ(page.objects.size(), 2u);
    EXPECT_EQ(page.objects[0].key, "repo/a&b.json");
    EXPECT_EQ(page.objects[0].size, 123u);
    EXPECT_EQ(page.objects[0].last_modified, "2026-01-24T02:00:00.000Z");
    EXPECT_EQ(page.objects[1].key, "repo/ space ") << "whitespace in keys is kept";
    EXPECT_TRUE(page.truncated);
    EXPECT_EQ(page.next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
}

TEST(S3Xml, EmptyListing) {
    auto page = parse_list_objects_v2(
        "<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></"
        "ListBucketResult>");
    EXPECT_TRUE(page.objects.empty());
    EXPECT_FALSE(page.truncated);
}

TEST(S3Xml, ErrorDocument) {
    auto err = parse_error(R"(<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message>
<StringToSign>AWS4-HMAC-SHA256...</StringToSign><RequestId>tx1</RequestId></Error>)");
    ASSERT_TRUE(err);
    EXPECT_EQ(err->code, "SignatureDoesNotMatch");
    EXPECT_EQ(err->message, "The request signature we calculated does not match");
    EXPECT_FALSE(parse_error(""));
    EXPECT_FALSE(parse_error("<html><body>502 Bad Gateway</body></html>"));
    EXPECT_FALSE(parse_error("not xml at all"));
    EXPECT_FALSE(parse_error("<ListBucketResult/>"));
}

TEST(S3Xml, InitiateMultipartUpload) {
    EXPECT_EQ(parse_initiate_multipart("<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
                                       "<UploadId>VXBsb2FkIElE</UploadId></InitiateMultipartUploadResult>"),
              "VXBsb2FkIElE");
    EXPECT_THROW(parse_initiate_multipart("<InitiateMultipartUploadResult/>"), std::runtime_error);
    EXPECT_THROW(parse_initiate_multipart("<Error><Code>x</Code></Error>"), std::runtime_error);
    EXPECT_THROW(parse_initiate_multipart("<<<"), std::runtime_error);
}

TEST(S3Xml, DeleteResult) {
    auto failures = parse_delete_result(
        "<DeleteResult><Deleted><Key>a</Key></Deleted>"
        "<Error><Key>b</Key><Code>AccessDenied</Code><Message>Access "
        "Denied</Message></Error></DeleteResult>");
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0].key, "b");
    EXPECT_EQ(failures[0].code, "AccessDenied");
    EXPECT_TRUE(parse_delete_result("<DeleteResult/>").empty());
}

TEST(S3Xml, ListMultipartUploads) {
    auto page = parse_list_multipart_uploads(
        "<ListMultipartUploadsResult><Bucket>b</Bucket><IsTruncated>true</IsTruncated>"
        "<NextKeyMarker>k2</NextKeyMarker><NextUploadIdMarker>u2</NextUploadIdMarker>"
        "<Upload><Key>k1</Key><UploadId>u1</UploadId><Initiated>2026-01-01T00:00:00.000Z</Initiated></Upload>"
        "<Upload><Key>k2</Key><UploadId>u2</UploadId></Upload></ListMultipartUploadsResult>");
    ASSERT_EQ(page.uploads.size(), 2u);
    EXPECT_EQ(page.uploads[0].key, "k1");
    EXPECT_EQ(page.uploads[0].upload_id, "u1");
    EXPECT_TRUE(page.truncated);
    EXPECT_EQ(page.next_key_marker, "k2");
    EXPECT_EQ(page.next_upload_id_marker, "u2");
}

TEST(S3Xml, RequestBodies) {
    EXPECT_EQ(complete_multipart_body({{1, "\"e1\""}, {2, "\"e2\""}}),
              "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;e1&quot;</ETag></Part>"
              "<Part><PartNumber>2</PartNumber><ETag>&quot;e2&quot;</ETag></Part></CompleteMultipartUpload>");
    std::string del = delete_objects_body({"a&b", "<c>"});
    EXPECT_NE(del.find("<Quiet>true</Quiet>"), std::string::npos);
    EXPECT_NE(del.find("<Object><Key>a&amp;b</Key></Object><Object><Key>&lt;c&gt;</Key></Object>"),
              std::string::npos);
    EXPECT_EQ(xml_escape("'\""), "&apos;&quot;");
}

}  // namespace
}  // namespace pgark::s3
