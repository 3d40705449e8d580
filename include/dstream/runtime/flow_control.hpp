#pragma once
// Flow control: what keeps a receiver from holding more memory than allowed, and from
// running ahead of the batches that process its records (`dstream.backpressure.*`).
//
// - `byte_budget`: a bound on the bytes held by records stored and not yet processed,
//   from `store()` until the batch that took them completed. `store()` waits for room.
// - `pid_rate_estimator`: the records per second a stream's batches can process, from each
//   completed batch's size, processing time and scheduling delay (a PID controller, as in
//   Spark's backpressure); a receiver is held to it while its batches fall behind.

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace dstream::detail {

/// What a value owns on the heap, estimated: a string's or vector's buffer when it is not
/// held inline, the parts of pairs and tuples; 0 for anything else.
template <class T>
std::size_t heap_bytes(const T& x) noexcept {
  if constexpr (requires { x.capacity(); x.data(); }) {
    const std::size_t b = x.capacity() * sizeof(*x.data());
    // A buffer no larger than the object itself is taken to be inline (short strings).
    return b <= sizeof(T) ? 0 : b;
  } else if constexpr (requires { std::tuple_size<T>::value; }) {
    return std::apply([](const auto&... part) { return (std::size_t(0) + ... + heap_bytes(part)); }, x);
  } else {
    return 0;
  }
}

/// The bytes one record holds: itself and what it owns.
template <class T>
std::size_t record_bytes(const T& x) noexcept {
  return sizeof(T) + heap_bytes(x);
}

/// A bound on bytes held. `acquire` waits while the bytes would pass the limit; one
/// acquisition larger than the whole limit goes through alone when nothing else is held,
/// so no record is ever refused. A limit of 0 bounds nothing.
class byte_budget {
 public:
  explicit byte_budget(std::size_t limit = 0) : limit_(limit) {}
  byte_budget(const byte_budget&) = delete;
  byte_budget& operator=(const byte_budget&) = delete;

  void acquire(std::size_t n) {
    std::unique_lock lock(m_);
    ++waiters_;
    cv_.wait(lock, [&] { return limit_ == 0 || !bounded_ || held_ == 0 || held_ + n <= limit_; });
    --waiters_;
    held_ += n;
    peak_ = std::max(peak_, held_);
  }
  void release(std::size_t n) {
    {
      std::lock_guard lock(m_);
      held_ -= std::min(n, held_);
    }
    cv_.notify_all();
  }
  /// Lets every `acquire` through at once until `bound()`: a stopping receiver must not
  /// wait for batches that will not come.
  void unbound() {
    {
      std::lock_guard lock(m_);
      bounded_ = false;
    }
    cv_.notify_all();
  }
  void bound() {
    std::lock_guard lock(m_);
    bounded_ = true;
  }

  std::size_t limit() const noexcept { return limit_; }
  std::size_t held() const {
    std::lock_guard lock(m_);
    return held_;
  }
  /// The most ever held at once.
  std::size_t peak() const {
    std::lock_guard lock(m_);
    return peak_;
  }
  /// Callers waiting in `acquire` now.
  int waiters() const {
    std::lock_guard lock(m_);
    return waiters_;
  }

 private:
  const std::size_t limit_;
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::size_t held_ = 0;
  std::size_t peak_ = 0;
  int waiters_ = 0;
  bool bounded_ = true;
};

/// The gains of the rate estimator (`dstream.backpressure.pid.*`).
struct pid_gains {
  double proportional = 1.0;
  double integral = 0.2;
  double derivative = 0.0;
  /// The estimate never goes below this (records per second).
  double min_rate = 100;
};

/// Estimates the rate (records per second) at which a stream's batches are processed, and
/// corrects it for the work still queued: each completed batch gives the rate it achieved
/// (records over processing time); the error against the last estimate is the proportional
/// term, the records the scheduling delay stands for (in batches' worth) the integral term,
/// the change of the error per second the derivative term.
class pid_rate_estimator {
 public:
  explicit pid_rate_estimator(std::int64_t batch_ms, pid_gains g = {}) : batch_ms_(batch_ms), g_(g) {}

  /// Batch ended at `end_ms` (a clock in milliseconds), with `records` records,
  /// `processing_ms` of processing and `scheduling_ms` of waiting to start. The new rate,
  /// or nullopt when there is nothing to learn (the first batch, which only sets the
  /// starting point, an empty or instant batch, a time not after the last one).
  std::optional<double> update(std::int64_t end_ms, std::int64_t records, std::int64_t processing_ms,
                               std::int64_t scheduling_ms) {
    if (end_ms <= last_ms_ || records <= 0 || processing_ms <= 0) return std::nullopt;
    const double since_s = first_ ? 1.0 : double(end_ms - last_ms_) / 1000.0;
    const double achieved = double(records) / double(processing_ms) * 1000.0;
    const double error = rate_ - achieved;
    const double backlog = double(scheduling_ms) * achieved / double(batch_ms_);
    const double change = (error - last_error_) / since_s;
    last_ms_ = end_ms;
    if (first_) {
      first_ = false;
      rate_ = achieved;
      last_error_ = 0;
      return std::nullopt;
    }
    rate_ = std::max(g_.min_rate, rate_ - g_.proportional * error - g_.integral * backlog - g_.derivative * change);
    last_error_ = error;
    return rate_;
  }

  /// The latest estimate (0 before the second batch with records).
  double rate() const noexcept { return first_ ? 0 : rate_; }

 private:
  std::int64_t batch_ms_;
  pid_gains g_;
  bool first_ = true;
  std::int64_t last_ms_ = -1;
  double rate_ = 0;
  double last_error_ = 0;
};

}  // namespace dstream::detail
