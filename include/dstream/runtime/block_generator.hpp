#pragma once
// Blocks: the records a receiver stores are grouped into blocks every block interval, and
// each block becomes a partition of the batch that takes it. A rate limit (records per
// second, set by the user or by the rate estimator), a bound on pending records and a
// bound on bytes held until processed (runtime/flow_control.hpp) make `push` wait.
// Finished batches give their records back (`record_pool`) for the receiver to overwrite.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <iostream>
#include <iterator>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include <dstream/runtime/flow_control.hpp>

namespace dstream::detail {

/// A block of records and its sequence number (the name of its write-ahead log entry).
template <class T>
struct block {
  std::uint64_t seq = 0;
  std::vector<T> records;
  /// What its records hold (`record_bytes`), counted against the byte budget until the
  /// batch that takes the block completed; 0 for blocks recovered from the log.
  std::size_t bytes = 0;
};

/// Records of finished batches kept for the receiver to overwrite (see
/// `receiver::recycled`), so a steady stream of strings costs no allocation per record.
/// It keeps records only once the receiver asked for them, and at most twice the records
/// of the largest batch seen; the rest are freed.
template <class T>
class record_pool {
 public:
  /// A batch of `n` records was taken: room for two such batches.
  void expect(std::size_t n) {
    std::lock_guard lock(m_);
    cap_ = std::max(cap_, 2 * n);
  }
  /// Keeps `v` when there is room; otherwise leaves it to the caller to free.
  void give(std::vector<T>& v) {
    std::lock_guard lock(m_);
    if (!wanted_ || v.empty() || records_ + v.size() > cap_) return;
    const std::size_t n = v.size();
    spare_.push_back(std::move(v));
    records_ += n;
  }
  std::vector<T> take() {
    std::lock_guard lock(m_);
    wanted_ = true;
    if (spare_.empty()) return {};
    std::vector<T> v = std::move(spare_.back());
    spare_.pop_back();
    records_ -= v.size();
    return v;
  }

  /// A partition's deleter: its vector goes back to the pool while the pool exists.
  struct giver {
    std::weak_ptr<record_pool> pool;
    void operator()(const std::vector<T>* p) const noexcept {
      // The vector was created non-const by `partition`; only the pointer is const.
      std::unique_ptr<std::vector<T>> owned(const_cast<std::vector<T>*>(p));
      if (auto sp = pool.lock()) {
        try {
          sp->give(*owned);
        } catch (...) {
          // No room to keep it: freed below like any other.
        }
      }
    }
  };
  /// Shared storage for `records` that returns to `pool` when the last user drops it.
  static std::shared_ptr<const std::vector<T>> partition(const std::shared_ptr<record_pool>& pool,
                                                         std::vector<T>&& records) {
    return std::shared_ptr<const std::vector<T>>(new std::vector<T>(std::move(records)), giver{pool});
  }

 private:
  std::mutex m_;
  std::vector<std::vector<T>> spare_;
  std::size_t records_ = 0;
  std::size_t cap_ = 0;
  bool wanted_ = false;  // a receiver that never asks keeps nothing here
};

/// Groups stored records into blocks; blocks wait until a batch takes them. With a
/// write-ahead log, a block is logged (`on_block`) before it counts as received.
template <class T>
class block_generator {
 public:
  /// `max_pending` > 0 bounds the records stored and not yet taken by a batch, `max_bytes`
  /// > 0 the bytes they hold until `release`d (when their batch completed): `push` waits
  /// while a bound would be passed (a receiver then reads no faster than batches process
  /// its records; a socket's sender is slowed down by TCP itself).
  block_generator(std::chrono::milliseconds interval, double max_rate, std::size_t max_pending = 0,
                  std::size_t max_bytes = 0)
      : interval_(interval), max_rate_(max_rate), max_pending_(max_pending), budget_(max_bytes) {}
  ~block_generator() { stop_ticker(); }
  block_generator(const block_generator&) = delete;
  block_generator& operator=(const block_generator&) = delete;

  /// Called with each new block, under the generator's lock, before it can be taken.
  void set_logger(std::function<void(const block<T>&)> on_block, std::uint64_t next_seq) {
    std::lock_guard lock(m_);
    on_block_ = std::move(on_block);
    seq_ = next_seq;
  }
  /// Blocks recovered from the log, taken by the next batch.
  void add_recovered(block<T> b) {
    std::lock_guard lock(m_);
    stored_ += static_cast<std::int64_t>(b.records.size());
    pending_ += b.records.size();
    blocks_.push_back(std::move(b));
  }

  void push(T* xs, std::size_t n) {
    throttle(n);
    std::size_t bytes = 0;
    if (budget_.limit() > 0) {
      for (std::size_t i = 0; i < n; ++i) bytes += record_bytes(xs[i]);
      budget_.acquire(bytes);
    }
    std::unique_lock lock(m_);
    if (max_pending_ > 0) {
      // Room for the records, or nothing waiting (a store larger than the bound goes alone).
      room_cv_.wait(lock, [&] { return closed_ || !bounded_ || pending_ == 0 || pending_ + n <= max_pending_; });
    }
    if (closed_) {
      budget_.release(bytes);
      throw std::logic_error("dstream receiver: store() after the receiver was stopped; the records were not taken");
    }
    pending_ += n;
    current_bytes_ += bytes;
    for (std::size_t i = 0; i < n; ++i) current_.push_back(std::move(xs[i]));
    auto now = std::chrono::steady_clock::now();
    if (now - cut_at_ >= interval_) cut(now);
  }

  /// Every complete block, and the current one cut short.
  std::vector<block<T>> take_all() {
    std::vector<block<T>> out;
    {
      std::lock_guard lock(m_);
      cut(std::chrono::steady_clock::now());
      out.assign(std::make_move_iterator(blocks_.begin()), std::make_move_iterator(blocks_.end()));
      blocks_.clear();
      for (const auto& b : out) pending_ -= b.records.size();
    }
    room_cv_.notify_all();
    return out;
  }

  /// Lets every `push` through without waiting for room, until `open()`: a stopping
  /// receiver must not wait for batches to take its records.
  void unbound() {
    {
      std::lock_guard lock(m_);
      bounded_ = false;
    }
    {
      std::lock_guard lock(rate_m_);
      rate_free_ = true;
    }
    budget_.unbound();
    room_cv_.notify_all();
    rate_cv_.notify_all();
  }

  /// The bytes of blocks whose batch completed are no longer held.
  void release(std::size_t bytes) { budget_.release(bytes); }
  const byte_budget& budget() const noexcept { return budget_; }

  /// The rate the estimator allows (records per second; 0: none). The user's
  /// `max_rate`, when set, stays the ceiling.
  void set_estimated_rate(double rate) {
    std::lock_guard lock(rate_m_);
    estimated_rate_ = rate;
  }
  double rate_limit() const {
    std::lock_guard lock(rate_m_);
    return limit_locked();
  }

  bool empty() const {
    std::lock_guard lock(m_);
    return blocks_.empty() && current_.empty();
  }

  /// No more records are accepted.
  void close() {
    {
      std::lock_guard lock(m_);
      closed_ = true;
    }
    room_cv_.notify_all();
    stop_ticker();
  }
  void open() {
    std::lock_guard lock(m_);
    closed_ = false;
    bounded_ = true;
    budget_.bound();
    {
      std::lock_guard rate_lock(rate_m_);
      rate_free_ = false;
    }
    if (!ticker_.joinable() && interval_.count() > 0) {
      ticking_ = true;
      ticker_ = std::thread([this] { tick(); });
    }
  }

  std::int64_t stored() const {
    std::lock_guard lock(m_);
    return stored_;
  }

 private:
  void cut(std::chrono::steady_clock::time_point now) {
    cut_at_ = now;
    if (current_.empty()) return;
    block<T> b{seq_, std::move(current_), current_bytes_};
    current_ = {};
    current_bytes_ = 0;
    if (on_block_) {
      try {
        on_block_(b);
      } catch (...) {
        // Not logged, so not received: give the records back to be logged again later.
        current_ = std::move(b.records);
        current_bytes_ = b.bytes;
        throw;
      }
    }
    ++seq_;
    stored_ += static_cast<std::int64_t>(b.records.size());
    blocks_.push_back(std::move(b));
  }

  // Cuts the current block every interval even when no record arrives, so a trickle of
  // records is logged and can be taken within a block interval (Spark's block timer).
  void tick() {
    std::unique_lock lock(m_);
    while (ticking_) {
      tick_cv_.wait_for(lock, interval_);
      if (!ticking_) break;
      auto now = std::chrono::steady_clock::now();
      if (current_.empty() || now - cut_at_ < interval_) continue;
      try {
        cut(now);
      } catch (const std::exception& e) {
        std::cerr << "dstream: receiver block not logged (" << e.what() << "); tried again at the next block interval\n";
      }
    }
  }
  void stop_ticker() {
    {
      std::lock_guard lock(m_);
      ticking_ = false;
    }
    tick_cv_.notify_all();
    if (ticker_.joinable()) ticker_.join();
  }

  double limit_locked() const {
    if (estimated_rate_ <= 0) return max_rate_;
    return max_rate_ > 0 ? std::min(max_rate_, estimated_rate_) : estimated_rate_;
  }

  // A token bucket refilled at the rate limit per second, allowing one second of burst; a
  // stop (`unbound`) ends the wait at once.
  void throttle(std::size_t n) {
    std::unique_lock lock(rate_m_);
    for (;;) {
      const double rate = limit_locked();
      if (rate <= 0 || rate_free_) return;
      auto now = std::chrono::steady_clock::now();
      double elapsed = std::chrono::duration<double>(now - refill_at_).count();
      refill_at_ = now;
      tokens_ = std::min(rate, tokens_ + elapsed * rate);
      if (tokens_ >= static_cast<double>(n) || (static_cast<double>(n) > rate && tokens_ >= rate)) {
        tokens_ -= static_cast<double>(n);
        return;
      }
      const double missing = std::min(static_cast<double>(n), rate) - tokens_;
      rate_cv_.wait_for(lock, std::chrono::duration<double>(missing / rate));
    }
  }

  std::chrono::milliseconds interval_;
  double max_rate_;
  std::size_t max_pending_;
  mutable std::mutex m_;
  std::size_t pending_ = 0;  // records stored and not yet taken (in current_ and blocks_)
  bool bounded_ = true;
  std::condition_variable room_cv_;
  std::vector<T> current_;
  std::deque<block<T>> blocks_;
  std::function<void(const block<T>&)> on_block_;
  std::uint64_t seq_ = 0;
  std::chrono::steady_clock::time_point cut_at_ = std::chrono::steady_clock::now();
  std::int64_t stored_ = 0;
  bool closed_ = false;
  bool ticking_ = false;
  std::condition_variable tick_cv_;
  std::thread ticker_;

  std::size_t current_bytes_ = 0;  // of the records in current_
  byte_budget budget_;

  mutable std::mutex rate_m_;
  std::condition_variable rate_cv_;
  double estimated_rate_ = 0;
  bool rate_free_ = false;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point refill_at_ = std::chrono::steady_clock::now();
};

}  // namespace dstream::detail
