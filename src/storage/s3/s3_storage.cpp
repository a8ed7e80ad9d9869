// S3 storage driver: key mapping under the repository prefix, and the small-object operations
// (stat, list, batch delete, conditional put). Streaming transfers live in s3_writer/s3_reader.
#include "storage/s3/s3_storage.h"

#include <algorithm>
#include <ctime>

#include <spdlog/spdlog.h>

#include "storage/s3/s3_transfer.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/time.h"

namespace pgark {
namespace {

constexpr std::uint64_t kMinPart = 5ull << 20, kMaxPart = 5ull << 30;

std::optional<SystemTime> parse_http_date(const std::string& v) {
    std::tm tm{};
    const char* end = strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
    if (!end) return std::nullopt;
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::optional<SystemTime> parse_listing_date(const std::string& v) {
    if (auto t = parse_iso8601(v)) return t;
    // Some servers send more than millisecond precision: keep the seconds.
    if (v.size() > 19) return parse_iso8601(v.substr(0, 19) + "Z");
    return std::nullopt;
}

S3Options validated(S3Options o) {
    if (o.bucket.empty())
        throw UsageError("no S3 bucket given: use a repository URL like s3://BUCKET/PREFIX");
    if (o.access_key_id.empty() || o.secret_access_key.empty())
        throw UsageError("no S3 credentials for s3://" + o.bucket +
                         ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or s3.access_key_id and "
                         "s3.secret_access_key in the config)");
    if (o.part_size < kMinPart || o.part_size > kMaxPart)
        throw UsageError("s3.part_size must be between 5 MiB and 5 GiB (S3's limits), not " +
                         std::to_string(o.part_size) + " bytes");
    if (o.parallel_parts < 1 || o.parallel_parts > 64)
        throw UsageError("s3.parallel_parts must be between 1 and 64, not " +
                         std::to_string(o.parallel_parts));
    if (o.max_retries < 0) o.max_retries = 0;
    if (o.list_page_size < 1 || o.list_page_size > 1000) o.list_page_size = 1000;
    if (o.delete_batch_size < 1 || o.delete_batch_size > 1000) o.delete_batch_size = 1000;
    while (!o.prefix.empty() && o.prefix.back() == '/') o.prefix.pop_back();
    while (!o.prefix.empty() && o.prefix.front() == '/') o.prefix.erase(0, 1);
    return o;
}

}  // namespace

S3Storage::S3Storage(S3Options opts) : client_(std::make_shared<s3::Client>(validated(std::move(opts)))) {
    const auto& p = client_->options().prefix;
    prefix_ = p.empty() ? "" : p + "/";
}

std::string S3Storage::describe() const {
    const auto& o = client_->options();
    return "s3://" + o.bucket + (o.prefix.empty() ? "" : "/" + o.prefix);
}

std::string S3Storage::full_key(const std::string& key) const {
    check_key(key);
    return prefix_ + key;
}

std::string S3Storage::relative_key(const std::string& full) const {
    return full.substr(prefix_.size());
}

std::unique_ptr<ObjectWriter> S3Storage::create(const std::string& key) {
    return s3::make_writer(client_, full_key(key));
}

std::unique_ptr<ObjectReader> S3Storage::open(const std::string& key, std::uint64_t offset,
                                              std::optional<std::uint64_t> length) {
    std::string full = full_key(key);
    if (length && *length == 0 && !stat(key))
        throw NotFoundError("reading " + client_->location(full) + ": 404 NoSuchKey: it does not exist");
    return s3::make_reader(client_, full, offset, length);
}

std::optional<ObjectInfo> S3Storage::stat(const std::string& key) {
    std::string full = full_key(key);
    s3::Request head;
    head.method = "HEAD";
    head.key = full;
    s3::Response r = client_->execute(head, "checking", {400, 403, 404});
    if (r.status >= 200 && r.status < 300) {
        ObjectInfo info{key, 0, parse_http_date(r.header("last-modified"))};
        try {
            info.size = std::stoull(r.header("content-length"));
        } catch (const std::exception&) {
            throw StorageError("checking " + client_->location(full) + ": the server sent no Content-Length");
        }
        return info;
    }
    // A HEAD answer has no error document, and a 404 could mean a missing bucket: a 1-byte GET tells.
    s3::Request get;
    get.key = full;
    get.headers = {{"Range", "bytes=0-0"}};
    s3::Response g;
    try {
        g = client_->execute(get, "checking", {416});
    } catch (const NotFoundError&) {
        return std::nullopt;
    }
    // The GET worked where the HEAD did not (it appeared in between, or a proxy mangles HEAD).
    ObjectInfo info{key, 0, parse_http_date(g.header("last-modified"))};
    const std::string range = g.header("content-range");
    auto slash = range.rfind('/');
    if (g.status == 206 && slash != std::string::npos) {
        try {
            info.size = std::stoull(range.substr(slash + 1));
        } catch (const std::exception&) {
            throw StorageError("checking " + client_->location(full) + ": unreadable Content-Range '" +
                               range + "'");
        }
    } else if (g.status == 200) {
        info.size = g.body.size();
    }
    return info;
}

std::vector<ObjectInfo> S3Storage::list(const std::string& prefix) {
    std::string full_prefix = prefix_ + prefix;
    std::vector<ObjectInfo> out;
    std::string token;
    const bool cleanup = cancel::requested();  // listing as part of cleanup after Ctrl-C runs to the end
    for (;;) {
        if (!cleanup) cancel::throw_if_requested();
        s3::Request r;
        r.query = {{"list-type", "2"},
                   {"prefix", full_prefix},
                   {"max-keys", std::to_string(client_->options().list_page_size)}};
        if (!token.empty()) r.query.emplace_back("continuation-token", token);
        r.message_key = full_prefix;
        s3::Response resp = client_->execute(r, "listing", {});
        s3::ListPage page;
        try {
            page = s3::parse_list_objects_v2(resp.body);
        } catch (const std::runtime_error& e) {
            throw StorageError("listing " + client_->location(full_prefix) + ": " + e.what());
        }
        for (auto& o : page.objects) {
            if (o.key.compare(0, prefix_.size(), prefix_) != 0) continue;
            out.push_back({relative_key(o.key), o.size, parse_listing_date(o.last_modified)});
        }
        if (!page.truncated) break;
        if (page.next_continuation_token.empty() || page.next_continuation_token == token)
            throw StorageError("listing " + client_->location(full_prefix) +
                               ": the server said the listing is truncated but gave no continuation token");
        token = page.next_continuation_token;
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    return out;
}

void S3Storage::remove(const std::vector<std::string>& keys) {
    std::vector<std::string> full;
    full.reserve(keys.size());
    for (const auto& k : keys) full.push_back(full_key(k));
    const auto per_request = static_cast<std::size_t>(client_->options().delete_batch_size);
    // Removing is what RAII owners do after Ctrl-C (a backup's reservation): then it must run to the end.
    const bool cleanup = cancel::requested();
    for (std::size_t i = 0; i < full.size(); i += per_request) {
        if (!cleanup) cancel::throw_if_requested();
        auto first = full.begin() + static_cast<std::ptrdiff_t>(i);
        std::vector<std::string> batch(
            first, first + static_cast<std::ptrdiff_t>(std::min(per_request, full.size() - i)));
        std::string body = s3::delete_objects_body(batch);
        s3::Request r;
        r.method = "POST";
        r.query = {{"delete", ""}};
        r.headers = {{"Content-Type", "application/xml"}, {"Content-MD5", s3::md5_base64_of(body)}};
        r.body = std::as_bytes(std::span(body.data(), body.size()));
        r.message_key = batch.front();
        s3::Response resp = client_->execute(
            r, batch.size() == 1 ? "deleting"
                                 : "deleting " + std::to_string(batch.size()) + " objects, among them");
        std::vector<s3::DeleteFailure> failures;
        try {
            failures = s3::parse_delete_result(resp.body);
        } catch (const std::runtime_error& e) {
            throw StorageError("deleting objects from " + describe() + ": " + e.what());
        }
        failures.erase(std::remove_if(failures.begin(), failures.end(),
                                      [](const auto& f) { return f.code == "NoSuchKey"; }),
                       failures.end());
        if (!failures.empty()) {
            const auto& f = failures.front();
            throw StorageError("deleting objects from " + describe() + ": " +
                               std::to_string(failures.size()) + " could not be deleted, e.g. " +
                               client_->location(f.key) + ": " + f.code +
                               (f.message.empty() ? "" : " (" + f.message + ")") +
                               "; check that the credentials may delete objects (s3:DeleteObject)");
        }
    }
}

bool S3Storage::put_if_absent(const std::string& key, const std::string& data) {
    std::string full = full_key(key);
    s3::Request r;
    r.method = "PUT";
    r.key = full;
    r.headers = {{"Content-Type", "application/octet-stream"}};
    r.body = std::as_bytes(std::span(data.data(), data.size()));
    if (!conditional_put_unsupported_) {
        r.headers.emplace_back("If-None-Match", "*");
        s3::Response resp = client_->execute(r, "creating", {412, 501});
        if (resp.status == 412) return false;
        if (resp.status != 501) return true;
        // Servers without conditional writes (Swift s3api, older MinIO) say so once; ask no more.
        conditional_put_unsupported_ = true;
        r.headers.pop_back();
    }
    if (stat(key)) return false;
    client_->execute(r, "creating");
    return true;
}

std::vector<s3::UploadInfo> S3Storage::list_multipart_uploads(const std::string& prefix) {
    if (!prefix.empty()) check_key(prefix);
    const std::string full_prefix = prefix_ + prefix;
    std::vector<s3::UploadInfo> out;
    std::string key_marker, id_marker;
    for (;;) {
        s3::Request r;
        r.query = {{"uploads", ""}, {"prefix", full_prefix}};
        if (!key_marker.empty()) r.query.emplace_back("key-marker", key_marker);
        if (!id_marker.empty()) r.query.emplace_back("upload-id-marker", id_marker);
        r.message_key = full_prefix;
        s3::Response resp = client_->execute(r, "listing multipart uploads in");
        s3::UploadsPage page;
        try {
            page = s3::parse_list_multipart_uploads(resp.body);
        } catch (const std::runtime_error& e) {
            throw StorageError("listing multipart uploads in " + describe() + ": " + e.what());
        }
        for (auto& u : page.uploads) {
            if (u.key.compare(0, full_prefix.size(), full_prefix) != 0) continue;
            u.key = relative_key(u.key);
            out.push_back(std::move(u));
        }
        if (!page.truncated || (page.next_key_marker.empty() && page.next_upload_id_marker.empty())) break;
        key_marker = page.next_key_marker;
        id_marker = page.next_upload_id_marker;
    }
    return out;
}

void S3Storage::abort_multipart_upload(const std::string& key, const std::string& upload_id) {
    s3::Request r;
    r.method = "DELETE";
    r.key = full_key(key);
    r.query = {{"uploadId", upload_id}};
    client_->execute(r, "aborting the upload of", {404});
}

std::vector<UnfinishedWrite> S3Storage::list_unfinished_writes(const std::string& prefix) {
    std::vector<UnfinishedWrite> out;
    for (auto& u : list_multipart_uploads(prefix)) {
        auto since = parse_listing_date(u.initiated);
        if (!since) {
            // Never judged old, so never aborted on a guess.
            spdlog::warn("multipart upload {} of {} has an unreadable initiation time '{}'; leaving it alone",
                         u.upload_id, client_->location(full_key(u.key)), u.initiated);
        }
        out.push_back({u.key, since.value_or(SystemTime::max()), u.upload_id});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    return out;
}

void S3Storage::discard_unfinished_write(const UnfinishedWrite& w) {
    abort_multipart_upload(w.key, w.handle);
}

void S3Storage::create_bucket() {
    const auto& o = client_->options();
    std::string body;
    if (!o.region.empty() && o.region != "us-east-1")
        body = "<CreateBucketConfiguration><LocationConstraint>" + s3::xml_escape(o.region) +
               "</LocationConstraint></CreateBucketConfiguration>";
    s3::Request r;
    r.method = "PUT";
    r.body = std::as_bytes(std::span(body.data(), body.size()));
    s3::Response resp = client_->execute(r, "creating bucket", {409});
    if (resp.status == 409) {
        auto err = s3::parse_error(resp.body);
        if (!err || err->code != "BucketAlreadyOwnedByYou")
            throw StorageError("creating bucket " + client_->location("") + ": 409 " +
                               (err ? err->code : "") +
                               ": the name is taken by another account; choose another bucket name");
    }
}

}  // namespace pgark
