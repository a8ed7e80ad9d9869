// Streaming S3 writer: buffers one part; an object that fits in one part is sent by a single PUT,
// anything larger becomes a multipart upload whose parts are sent by `parallel_parts` threads.
// Memory stays within about part_size * (parallel_parts + 1). Until commit() completes the upload
// nothing is visible; any failure, and destruction without commit(), aborts the upload.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/s3/s3_transfer.h"
#include "storage/s3/s3_xml.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/test_hooks.h"

namespace pgark::s3 {
namespace {

constexpr int kMaxParts = 10000;  // S3's limit

using Buffer = std::vector<std::byte>;

class S3Writer : public ObjectWriter {
  public:
    S3Writer(std::shared_ptr<Client> client, std::string key)
        : client_(std::move(client)),
          key_(std::move(key)),
          part_size_(client_->options().part_size),
          parallel_(std::clamp(client_->options().parallel_parts, 1, 64)),
          cleanup_(cancel::requested()) {
        current_ = take_buffer();
    }

    ~S3Writer() override {
        if (!committed_) abort_upload();
    }

    void write(std::span<const std::byte> data) override {
        check_usable();
        try {
            while (!data.empty()) {
                // A full part is sent only when more data follows, so an object of exactly one part
                // still goes out as a single PUT.
                if (current_.size() == part_size_) send_current_part();
                std::size_t n = std::min<std::size_t>(part_size_ - current_.size(), data.size());
                current_.insert(current_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
                data = data.subspan(n);
                written_ += n;
            }
        } catch (...) {
            failed_ = true;
            abort_upload();
            throw;
        }
    }

    void commit() override {
        check_usable();
        try {
            if (upload_id_.empty()) {
                put_single();
            } else {
                send_current_part();
                wait_for_parts();
                test_hooks::crash_point("s3: parts uploaded, upload not completed");
                complete();
            }
            committed_ = true;
            stop_workers();
        } catch (...) {
            failed_ = true;
            abort_upload();
            throw;
        }
    }

    std::uint64_t bytes_written() const override { return written_; }

  private:
    struct Job {
        int number = 0;
        Buffer data;
    };

    void check_usable() const {
        if (committed_)
            throw StorageError("internal error: write to " + client_->location(key_) + " after commit()");
        if (failed_)
            throw StorageError("internal error: write to " + client_->location(key_) +
                               " after a failed write");
    }

    Buffer take_buffer() {
        std::lock_guard lock(mu_);
        if (!free_.empty()) {
            Buffer b = std::move(free_.back());
            free_.pop_back();
            return b;
        }
        Buffer b;
        b.reserve(part_size_);
        return b;
    }

    void put_single() {
        Request r;
        r.method = "PUT";
        r.key = key_;
        r.headers = {{"Content-Type", "application/octet-stream"}};
        r.body = current_;
        client_->execute(r, "uploading");
    }

    void initiate() {
        Request r;
        r.method = "POST";
        r.key = key_;
        r.query = {{"uploads", ""}};
        r.headers = {{"Content-Type", "application/octet-stream"}};
        Response resp = client_->execute(r, "starting a multipart upload of");
        try {
            upload_id_ = parse_initiate_multipart(resp.body);
        } catch (const std::runtime_error& e) {
            throw StorageError("starting a multipart upload of " + client_->location(key_) + ": " + e.what());
        }
        for (int i = 0; i < parallel_; ++i) workers_.emplace_back([this] { worker(); });
    }

    void send_current_part() {
        if (upload_id_.empty()) initiate();
        if (next_part_ >= kMaxParts)
            throw StorageError("uploading " + client_->location(key_) + ": the object needs more than " +
                               std::to_string(kMaxParts) + " parts of " + std::to_string(part_size_ >> 20) +
                               " MiB; raise s3.part_size");
        {
            std::unique_lock lock(mu_);
            // Bounded memory: wait until a part thread is free before taking a new buffer.
            while (in_flight_ >= parallel_ && !error_) {
                cv_.wait_for(lock, std::chrono::milliseconds(100));
                if (!cleanup_ && cancel::requested()) throw Interrupted();
            }
            if (error_) std::rethrow_exception(error_);
            jobs_.push_back({++next_part_, std::move(current_)});
            ++in_flight_;
        }
        cv_.notify_all();
        current_ = take_buffer();
    }

    void wait_for_parts() {
        std::unique_lock lock(mu_);
        while (in_flight_ > 0 && !error_) {
            cv_.wait_for(lock, std::chrono::milliseconds(100));
            if (!cleanup_ && cancel::requested()) throw Interrupted();
        }
        if (error_) std::rethrow_exception(error_);
    }

    void worker() {
        for (;;) {
            Job job;
            {
                std::unique_lock lock(mu_);
                cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
                if (stop_) return;
                job = std::move(jobs_.front());
                jobs_.pop_front();
            }
            std::string etag;
            std::exception_ptr err;
            try {
                etag = upload_part(job);
                test_hooks::crash_point("s3: part uploaded");
            } catch (...) {
                err = std::current_exception();
            }
            {
                std::lock_guard lock(mu_);
                if (err) {
                    if (!error_) error_ = err;
                    stop_transfers_ = true;  // the upload is lost: cut the other parts short
                } else {
                    etags_[job.number] = etag;
                }
                --in_flight_;
                job.data.clear();
                free_.push_back(std::move(job.data));
            }
            cv_.notify_all();
        }
    }

    std::string upload_part(const Job& job) {
        Request r;
        r.method = "PUT";
        r.key = key_;
        r.query = {{"partNumber", std::to_string(job.number)}, {"uploadId", upload_id_}};
        r.body = job.data;
        r.stop = &stop_transfers_;
        Response resp = client_->execute(r, "uploading part " + std::to_string(job.number) + " of");
        std::string etag = resp.header("etag");
        if (etag.empty())
            throw StorageError("uploading part " + std::to_string(job.number) + " of " +
                               client_->location(key_) + ": the server returned no ETag");
        return etag;
    }

    void complete() {
        std::vector<std::pair<int, std::string>> parts;
        {
            std::lock_guard lock(mu_);
            parts.assign(etags_.begin(), etags_.end());
        }
        std::string body = complete_multipart_body(parts);
        Request r;
        r.method = "POST";
        r.key = key_;
        r.query = {{"uploadId", upload_id_}};
        r.headers = {{"Content-Type", "application/xml"}};
        r.body = std::as_bytes(std::span(body.data(), body.size()));
        r.error_in_2xx_body = true;
        r.ignore_cancel = cleanup_;
        RetryBudget budget = client_->new_budget(cleanup_);
        for (;;) {
            Attempt a = client_->perform(r);
            if (a.outcome == Outcome::success) return;
            // The first attempt may have completed the upload although its answer got lost.
            if (budget.attempts() > 1 && a.s3_code == "NoSuchUpload" && object_is_complete()) return;
            if (a.outcome == Outcome::retry && budget.wait_for_retry()) continue;
            client_->fail(r, "completing the upload of", a, budget);
        }
    }

    bool object_is_complete() {
        Request r;
        r.method = "HEAD";
        r.key = key_;
        r.ignore_cancel = cleanup_;
        Attempt a = client_->perform(r);
        return a.outcome == Outcome::success &&
               a.response.header("content-length") == std::to_string(written_);
    }

    void stop_workers() noexcept {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
            stop_transfers_ = true;
        }
        cv_.notify_all();
        for (auto& t : workers_)
            if (t.joinable()) t.join();
        workers_.clear();
    }

    void abort_upload() noexcept {
        stop_workers();
        if (upload_id_.empty() || aborted_) return;
        aborted_ = true;
        try {
            Request r;
            r.method = "DELETE";
            r.key = key_;
            r.query = {{"uploadId", upload_id_}};
            r.ignore_cancel = true;
            client_->execute(r, "aborting the upload of", {404});
        } catch (...) {
            // Nothing more to do from here: the server's lifecycle rule (AbortIncompleteMultipartUpload)
            // or a later sweep removes the parts.
        }
    }

    std::shared_ptr<Client> client_;
    std::string key_;
    std::size_t part_size_;
    int parallel_;
    // Created after Ctrl-C (a small object written while cleaning up): not interrupted, like posix.
    bool cleanup_;
    Buffer current_;
    std::uint64_t written_ = 0;
    std::string upload_id_;
    int next_part_ = 0;
    bool committed_ = false, failed_ = false, aborted_ = false;

    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job> jobs_;
    std::vector<Buffer> free_;
    std::map<int, std::string> etags_;
    int in_flight_ = 0;
    bool stop_ = false;
    std::atomic<bool> stop_transfers_{false};
    std::exception_ptr error_;
    std::vector<std::thread> workers_;
};

}  // namespace

std::unique_ptr<ObjectWriter> make_writer(std::shared_ptr<Client> client, std::string key) {
    return std::make_unique<S3Writer>(std::move(client), std::move(key));
}

}  // namespace pgark::s3
