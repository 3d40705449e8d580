#pragma once
// queue_stream's input: rdds pushed into a thread-safe queue, one per batch or all queued
// ones together (Spark's `queueStream`; like Spark's, not recoverable from a checkpoint).

#include <deque>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <dstream/batch/rdd.hpp>
#include <dstream/detail/access.hpp>
#include <dstream/runtime/time.hpp>
#include <dstream/stream/input.hpp>

namespace dstream {

/// A thread-safe queue of rdds feeding a `queue_stream` (Spark's `queueStream` queue).
///
/// Example: `ds::rdd_queue<int> q; auto s = ssc.queue_stream(q); q.push(ctx.parallelize(v));`
template <class T>
class rdd_queue {
 public:
  void push(rdd<T> r) {
    std::lock_guard lock(m_);
    q_.push_back(std::move(r));
  }
  std::size_t size() const {
    std::lock_guard lock(m_);
    return q_.size();
  }
  bool empty() const { return size() == 0; }

  std::optional<rdd<T>> pop() {
    std::lock_guard lock(m_);
    if (q_.empty()) return std::nullopt;
    rdd<T> r = std::move(q_.front());
    q_.pop_front();
    return r;
  }
  std::vector<rdd<T>> pop_all() {
    std::lock_guard lock(m_);
    std::vector<rdd<T>> all(std::make_move_iterator(q_.begin()), std::make_move_iterator(q_.end()));
    q_.clear();
    return all;
  }

 private:
  mutable std::mutex m_;
  std::deque<rdd<T>> q_;
};

namespace detail {

template <class T>
class queue_input final : public input<T> {
 public:
  queue_input(rdd_queue<T>& q, bool one_at_a_time, std::optional<rdd<T>> fallback)
      : q_(&q), one_(one_at_a_time), fallback_(std::move(fallback)) {}

  std::string name() const override { return "queue_stream"; }

  std::optional<rdd<T>> take(batch_time) override {
    std::optional<rdd<T>> r;
    if (one_) {
      r = q_->pop();
    } else {
      auto all = q_->pop_all();
      if (!all.empty()) {
        std::vector<typename rdd<T>::partition_type> parts;
        for (auto& x : all) parts.insert(parts.end(), x.partitions().begin(), x.partitions().end());
        r = detail::rdd_of_parts<T>(detail::core_of(all.front()), std::move(parts));  // the rdds' own context
      }
    }
    if (!r && fallback_) r = fallback_;
    return r;
  }

 private:
  rdd_queue<T>* q_;
  bool one_;
  std::optional<rdd<T>> fallback_;
};

}  // namespace detail
}  // namespace dstream
