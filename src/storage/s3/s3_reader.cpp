// Streaming S3 reader. The object is fetched in ranged GETs of `read_window` bytes: a background thread
// keeps one window ready while the caller consumes the current one (at most three windows in memory).
// Each window is downloaded whole and quickly, so a slow consumer never stalls an open connection;
// a window whose connection drops is resumed with a Range request from the byte it had reached.
// Later windows carry If-Match with the first response's ETag, so an object replaced meanwhile is
// detected instead of being stitched together from two versions.
#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "storage/s3/s3_transfer.h"
#include "util/cancel.h"
#include "util/error.h"

namespace pgark::s3 {
namespace {

using Chunk = std::vector<std::byte>;

// "bytes 0-9/443" → 443; nullopt for "bytes 0-9/*" or anything unexpected.
std::optional<std::uint64_t> total_from_content_range(const std::string& v) {
    auto slash = v.rfind('/');
    if (slash == std::string::npos || slash + 1 >= v.size() || v[slash + 1] == '*') return std::nullopt;
    try {
        return std::stoull(v.substr(slash + 1));
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

class S3Reader : public ObjectReader {
  public:
    S3Reader(std::shared_ptr<Client> client, std::string key, std::uint64_t offset,
             std::optional<std::uint64_t> length)
        : client_(std::move(client)),
          key_(std::move(key)),
          window_(std::max<std::uint64_t>(client_->options().read_window, 64 * 1024)),
          cleanup_(cancel::requested()),
          fetch_pos_(offset) {
        if (length) end_ = offset + *length;
        current_ = fetch();
        fetch_pos_ += current_.size();
        if (!current_.empty() && !at_end()) fetcher_ = std::thread([this] { run(); });
    }

    ~S3Reader() override {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
        }
        stop_flag_ = true;  // ends an in-flight GET
        cv_.notify_all();
        if (fetcher_.joinable()) fetcher_.join();
    }

    std::size_t read(std::span<std::byte> buf) override {
        if (buf.empty()) return 0;
        if (pos_ == current_.size()) {
            if (!fetcher_.joinable()) return 0;
            std::unique_lock lock(mu_);
            while (ready_.empty() && !error_ && !fetch_done_) {
                cv_.wait_for(lock, std::chrono::milliseconds(100));
                if (!cleanup_ && cancel::requested()) throw Interrupted();
            }
            if (ready_.empty()) {
                if (error_) std::rethrow_exception(error_);
                return 0;
            }
            current_ = std::move(ready_.front());
            ready_.pop_front();
            pos_ = 0;
            lock.unlock();
            cv_.notify_all();
        }
        std::size_t n = std::min(buf.size(), current_.size() - pos_);
        std::memcpy(buf.data(), current_.data() + pos_, n);
        pos_ += n;
        return n;
    }

  private:
    bool at_end() const { return end_ && fetch_pos_ >= *end_; }

    void run() {
        try {
            for (;;) {
                {
                    std::unique_lock lock(mu_);
                    cv_.wait(lock, [&] { return stop_ || ready_.empty(); });
                    if (stop_) return;
                }
                Chunk c = at_end() ? Chunk() : fetch();
                fetch_pos_ += c.size();
                std::lock_guard lock(mu_);
                if (c.empty()) {
                    fetch_done_ = true;
                    cv_.notify_all();
                    return;
                }
                ready_.push_back(std::move(c));
                cv_.notify_all();
            }
        } catch (...) {
            std::lock_guard lock(mu_);
            error_ = std::current_exception();
            cv_.notify_all();
        }
    }

    // The window starting at fetch_pos_; empty at the end of the object.
    Chunk fetch() {
        const std::uint64_t start = fetch_pos_;
        std::uint64_t want_end = start + window_;
        if (end_) want_end = std::min(want_end, *end_);
        if (want_end <= start) return {};
        Chunk buf;
        buf.reserve(static_cast<std::size_t>(want_end - start));
        RetryBudget budget = client_->new_budget(cleanup_);
        for (;;) {
            const std::uint64_t from = start + buf.size();
            const std::uint64_t limit = want_end - start;
            Request r;
            r.method = "GET";
            r.key = key_;
            r.headers = {{"Range", "bytes=" + std::to_string(from) + "-" + std::to_string(want_end - 1)}};
            if (!etag_.empty()) r.headers.emplace_back("If-Match", etag_);
            r.stop = &stop_flag_;
            r.ignore_cancel = cleanup_;
            r.on_body = [&](const char* data, std::size_t n) {
                if (buf.size() + n > limit)
                    throw StorageError("reading " + client_->location(key_) +
                                       ": the server sent more than the requested byte range");
                auto p = reinterpret_cast<const std::byte*>(data);
                buf.insert(buf.end(), p, p + n);
            };
            Attempt a = client_->perform(r);
            if (a.curl_code == 0 && a.response.status == 416 && buf.empty()) {
                // The range starts at or after the end: the object exists and has no more bytes.
                end_ = from;
                return {};
            }
            if (a.curl_code == 0 && a.response.status == 412 && !etag_.empty())
                throw StorageError("reading " + client_->location(key_) +
                                   ": the object was replaced while it was being read; read it again");
            if (a.curl_code == 0 && (a.response.status == 206 || a.response.status == 200)) {
                if (etag_.empty()) etag_ = a.response.header("etag");
                if (a.response.status == 206) {
                    if (auto total = total_from_content_range(a.response.header("content-range"))) {
                        end_ = end_ ? std::min(*end_, *total) : *total;
                        want_end = std::min(want_end, *end_);
                    }
                } else if (from == 0) {
                    // 200: a server that ignores Range sent the whole object, and it fitted the window.
                    end_ = buf.size();
                    want_end = buf.size();
                } else {
                    throw StorageError(
                        "reading " + client_->location(key_) +
                        ": the server ignored the Range header; it is not S3-compatible enough");
                }
                if (start + buf.size() >= want_end) return buf;
                a.outcome = Outcome::retry;  // the body ended early without a transport error
            }
            if (a.outcome == Outcome::retry && budget.wait_for_retry()) continue;
            client_->fail(r, "reading", a, budget);
        }
    }

    std::shared_ptr<Client> client_;
    std::string key_;
    std::uint64_t window_;
    bool cleanup_;             // opened after Ctrl-C (reading during cleanup): not interrupted, like posix
    std::uint64_t fetch_pos_;  // next byte to fetch (fetcher thread after construction)
    std::optional<std::uint64_t> end_;  // exclusive end, once known
    std::string etag_;
    std::atomic<bool> stop_flag_{false};

    Chunk current_;  // being consumed by read()
    std::size_t pos_ = 0;

    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Chunk> ready_;
    bool stop_ = false, fetch_done_ = false;
    std::exception_ptr error_;
    std::thread fetcher_;
};

}  // namespace

std::unique_ptr<ObjectReader> make_reader(std::shared_ptr<Client> client, std::string key,
                                          std::uint64_t offset, std::optional<std::uint64_t> length) {
    return std::make_unique<S3Reader>(std::move(client), std::move(key), offset, length);
}

}  // namespace pgark::s3
