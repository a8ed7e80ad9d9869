// A blocking multi-producer, multi-consumer queue of work items for a pool of worker threads. Work
// that splits itself (one table read as several ranges) goes to the front, so a started job finishes
// before new ones begin; close() wakes every waiting worker once the queue has drained. With a capacity,
// push_back() waits for room, which bounds the memory a fast producer can fill.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace pgark {

template <typename T>
class WorkQueue {
  public:
    explicit WorkQueue(std::size_t capacity = 0) : capacity_(capacity) {}

    // False when the queue was abandoned (the item is dropped).
    bool push_back(T item) {
        {
            std::unique_lock lk(mu_);
            room_.wait(lk, [&] { return capacity_ == 0 || items_.size() < capacity_ || abandoned_; });
            if (abandoned_) return false;
            items_.push_back(std::move(item));
        }
        cv_.notify_one();
        return true;
    }
    void push_front(T item) {
        {
            std::lock_guard lk(mu_);
            items_.push_front(std::move(item));
        }
        cv_.notify_one();
    }
    // The next item; nullopt once the queue is closed and empty (or abandoned).
    std::optional<T> pop() {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return !items_.empty() || closed_; });
        if (items_.empty() || abandoned_) return std::nullopt;
        T item = std::move(items_.front());
        items_.pop_front();
        lk.unlock();
        room_.notify_one();
        return item;
    }
    // No more items will come: workers end when the queue is empty.
    void close() {
        {
            std::lock_guard lk(mu_);
            closed_ = true;
        }
        cv_.notify_all();
    }
    // Workers end now; queued items are dropped.
    void abandon() {
        {
            std::lock_guard lk(mu_);
            closed_ = abandoned_ = true;
            items_.clear();
        }
        cv_.notify_all();
        room_.notify_all();
    }

  private:
    std::mutex mu_;
    std::condition_variable cv_, room_;
    std::deque<T> items_;
    std::size_t capacity_;
    bool closed_ = false, abandoned_ = false;
};

}  // namespace pgark
