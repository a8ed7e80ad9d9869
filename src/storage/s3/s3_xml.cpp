// S3 XML bodies, parsed with tinyxml2 (a DOM is fine: listing pages and error documents are small).
#include "storage/s3/s3_xml.h"

#include <tinyxml2.h>

#include <stdexcept>

namespace pgark::s3 {
namespace {

using tinyxml2::XMLDocument;
using tinyxml2::XMLElement;

const XMLElement* parse_root(XMLDocument& doc, std::string_view xml, const char* expected) {
    if (doc.Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS)
        throw std::runtime_error(std::string("malformed XML in the S3 response (expected ") + expected + ")");
    const XMLElement* root = doc.RootElement();
    if (!root || std::string_view(root->Name()) != expected)
        throw std::runtime_error(std::string("unexpected S3 response: expected <") + expected + ">, got <" +
                                 (root ? root->Name() : "nothing") + ">");
    return root;
}

std::string child_text(const XMLElement* parent, const char* name) {
    const XMLElement* e = parent->FirstChildElement(name);
    if (!e || !e->GetText()) return "";
    return e->GetText();
}

std::uint64_t child_u64(const XMLElement* parent, const char* name) {
    std::string t = child_text(parent, name);
    if (t.empty()) return 0;
    try {
        return std::stoull(t);
    } catch (const std::exception&) {
        throw std::runtime_error("unexpected S3 response: <" + std::string(name) + "> is not a number: " + t);
    }
}

bool child_true(const XMLElement* parent, const char* name) {
    return child_text(parent, name) == "true";
}

}  // namespace

std::optional<ErrorDoc> parse_error(std::string_view xml) {
    if (xml.empty()) return std::nullopt;
    XMLDocument doc;
    if (doc.Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS) return std::nullopt;
    const XMLElement* root = doc.RootElement();
    if (!root || std::string_view(root->Name()) != "Error") return std::nullopt;
    return ErrorDoc{child_text(root, "Code"), child_text(root, "Message")};
}

ListPage parse_list_objects_v2(std::string_view xml) {
    XMLDocument doc;
    const XMLElement* root = parse_root(doc, xml, "ListBucketResult");
    ListPage page;
    for (const XMLElement* c = root->FirstChildElement("Contents"); c; c = c->NextSiblingElement("Contents"))
        page.objects.push_back({child_text(c, "Key"), child_u64(c, "Size"), child_text(c, "LastModified")});
    page.truncated = child_true(root, "IsTruncated");
    page.next_continuation_token = child_text(root, "NextContinuationToken");
    return page;
}

std::string parse_initiate_multipart(std::string_view xml) {
    XMLDocument doc;
    const XMLElement* root = parse_root(doc, xml, "InitiateMultipartUploadResult");
    std::string id = child_text(root, "UploadId");
    if (id.empty())
        throw std::runtime_error("unexpected S3 response: InitiateMultipartUpload without an UploadId");
    return id;
}

std::vector<DeleteFailure> parse_delete_result(std::string_view xml) {
    XMLDocument doc;
    const XMLElement* root = parse_root(doc, xml, "DeleteResult");
    std::vector<DeleteFailure> out;
    for (const XMLElement* e = root->FirstChildElement("Error"); e; e = e->NextSiblingElement("Error"))
        out.push_back({child_text(e, "Key"), child_text(e, "Code"), child_text(e, "Message")});
    return out;
}

UploadsPage parse_list_multipart_uploads(std::string_view xml) {
    XMLDocument doc;
    const XMLElement* root = parse_root(doc, xml, "ListMultipartUploadsResult");
    UploadsPage page;
    for (const XMLElement* u = root->FirstChildElement("Upload"); u; u = u->NextSiblingElement("Upload"))
        page.uploads.push_back({child_text(u, "Key"), child_text(u, "UploadId"), child_text(u, "Initiated")});
    page.truncated = child_true(root, "IsTruncated");
    page.next_key_marker = child_text(root, "NextKeyMarker");
    page.next_upload_id_marker = child_text(root, "NextUploadIdMarker");
    return page;
}

std::string xml_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string complete_multipart_body(const std::vector<std::pair<int, std::string>>& parts) {
    std::string out = "<CompleteMultipartUpload>";
    for (const auto& [n, etag] : parts)
        out += "<Part><PartNumber>" + std::to_string(n) + "</PartNumber><ETag>" + xml_escape(etag) +
               "</ETag></Part>";
    return out + "</CompleteMultipartUpload>";
}

std::string delete_objects_body(const std::vector<std::string>& keys) {
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete><Quiet>true</Quiet>";
    for (const auto& k : keys) out += "<Object><Key>" + xml_escape(k) + "</Key></Object>";
    return out + "</Delete>";
}

}  // namespace pgark::s3
