// The S3 XML documents pgark reads (ListObjectsV2, InitiateMultipartUpload, Error, DeleteObjects,
// ListMultipartUploads) and writes (CompleteMultipartUpload, Delete). Parsing uses tinyxml2.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgark::s3 {

struct ErrorDoc {
    std::string code;     // "NoSuchKey", "SignatureDoesNotMatch", ...
    std::string message;  // the server's human text
};

struct ListedObject {
    std::string key;
    std::uint64_t size = 0;
    std::string last_modified;  // ISO 8601 as sent
};

struct ListPage {
    std::vector<ListedObject> objects;
    bool truncated = false;
    std::string next_continuation_token;
};

struct DeleteFailure {
    std::string key, code, message;
};

struct UploadInfo {
    std::string key, upload_id, initiated;
};

struct UploadsPage {
    std::vector<UploadInfo> uploads;
    bool truncated = false;
    std::string next_key_marker, next_upload_id_marker;
};

// Each parser throws std::runtime_error on malformed XML or an unexpected root element.
// An <Error> document, or nullopt when the body is not one (empty, HTML from a proxy, ...).
std::optional<ErrorDoc> parse_error(std::string_view xml);
ListPage parse_list_objects_v2(std::string_view xml);
std::string parse_initiate_multipart(std::string_view xml);  // the UploadId
std::vector<DeleteFailure> parse_delete_result(std::string_view xml);
UploadsPage parse_list_multipart_uploads(std::string_view xml);

std::string xml_escape(std::string_view s);
// Parts as (part number, ETag as returned by UploadPart, quotes included).
std::string complete_multipart_body(const std::vector<std::pair<int, std::string>>& parts);
std::string delete_objects_body(const std::vector<std::string>& keys);

}  // namespace pgark::s3
