// ThreadedSink: buffers circulating between the caller, who fills them, and a thread that empties
// them into the sink.
#include "stream/threaded_sink.h"

#include <algorithm>

namespace pgark {

ThreadedSink::ThreadedSink(ByteSink sink, std::size_t chunk_bytes, std::size_t chunks)
    : sink_(std::move(sink)), chunk_bytes_(chunk_bytes) {
    for (std::size_t i = 0; i < std::max<std::size_t>(chunks, 2); ++i) {
        std::vector<std::byte> c;
        c.reserve(chunk_bytes_);
        free_.push_back(std::move(c));
    }
    thread_ = std::thread([this] {
        try {
            while (auto c = full_.pop()) {
                sink_(*c);
                c->clear();
                free_.push_back(std::move(*c));
            }
        } catch (...) {
            error_ = std::current_exception();
            failed_ = true;
            free_.abandon();  // wakes a caller waiting for a buffer
            full_.abandon();
        }
    });
}

ThreadedSink::~ThreadedSink() {
    if (!thread_.joinable()) return;
    full_.abandon();
    free_.abandon();
    thread_.join();
}

void ThreadedSink::rethrow_if_failed() {
    if (!failed_) return;
    if (thread_.joinable()) thread_.join();
    std::rethrow_exception(error_);
}

void ThreadedSink::hand_over() {
    if (!chunk_ || chunk_->empty()) return;
    bool taken = full_.push_back(std::move(*chunk_));
    chunk_.reset();
    if (!taken) rethrow_if_failed();
}

void ThreadedSink::write(std::span<const std::byte> data) {
    rethrow_if_failed();
    while (!data.empty()) {
        if (!chunk_) {
            chunk_ = free_.pop();
            // The queue of free buffers ends only when the thread failed: its error is thrown here.
            if (!chunk_) return rethrow_if_failed();
        }
        auto n = std::min(data.size(), chunk_bytes_ - chunk_->size());
        chunk_->insert(chunk_->end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
        data = data.subspan(n);
        if (chunk_->size() == chunk_bytes_) hand_over();
    }
}

void ThreadedSink::finish() {
    rethrow_if_failed();
    hand_over();
    full_.close();
    thread_.join();
    if (error_) std::rethrow_exception(error_);
}

}  // namespace pgark
