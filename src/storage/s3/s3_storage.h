// The S3 driver: a repository under s3://bucket/prefix on AWS S3 or any S3-compatible server
// (MinIO, Ceph RGW, Swift s3api). Objects larger than one part are written by multipart upload.
// Safe to use from several threads at once; readers and writers may outlive the S3Storage.
#pragma once

#include <atomic>
#include <memory>

#include "storage/s3/s3_client.h"
#include "storage/s3/s3_options.h"
#include "storage/s3/s3_xml.h"
#include "storage/storage.h"

namespace pgark {

class S3Storage : public Storage {
  public:
    // Validates the options (bucket, credentials, part size); throws UsageError when unusable.
    explicit S3Storage(S3Options opts);

    // The Storage contract (storage.h), and how this driver meets it:
    std::string describe() const override;
    // One PUT up to one part, a multipart upload (parallel_parts at a time) beyond.
    std::unique_ptr<ObjectWriter> create(const std::string& key) override;
    // Ranged GETs of read_window bytes; a window whose connection drops resumes where it stopped.
    std::unique_ptr<ObjectReader> open(const std::string& key, std::uint64_t offset,
                                       std::optional<std::uint64_t> length) override;
    std::optional<ObjectInfo> stat(const std::string& key) override;
    std::vector<ObjectInfo> list(const std::string& prefix) override;  // ListObjectsV2, all pages
    void remove(const std::vector<std::string>& keys) override;        // DeleteObjects in batches
    // PUT with If-None-Match: *; on servers that refuse conditional writes, check then put.
    bool put_if_absent(const std::string& key, const std::string& data) override;
    // Multipart uploads, `since` when they were initiated (S3 keeps no later activity time for them).
    std::vector<UnfinishedWrite> list_unfinished_writes(const std::string& prefix) override;
    void discard_unfinished_write(const UnfinishedWrite& w) override;

    // Unfinished multipart uploads of keys starting with `prefix` inside the repository (keys relative
    // to the repository), e.g. left behind by a SIGKILLed backup; pgark's own writers abort theirs.
    std::vector<s3::UploadInfo> list_multipart_uploads(const std::string& prefix = "");
    void abort_multipart_upload(const std::string& key, const std::string& upload_id);
    // Creates the bucket (tests and first-time setup); succeeds when the bucket is already ours.
    void create_bucket();

    const S3Options& options() const { return client_->options(); }

  private:
    std::string full_key(const std::string& key) const;
    std::string relative_key(const std::string& full) const;

    std::shared_ptr<s3::Client> client_;
    std::string prefix_;  // "" or "some/prefix/"
    std::atomic<bool> conditional_put_unsupported_{false};
};

}  // namespace pgark
