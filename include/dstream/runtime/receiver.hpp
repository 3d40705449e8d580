#pragma once
// Receivers: user code that pulls data from somewhere and `store()`s it.
//
// Each receiver has a supervisor thread of its own (never a pool thread, so `local[1]`
// still has its one worker for batches). The supervisor calls `on_start()`, and on
// `restart(reason)` calls `on_stop()`, waits the restart delay and starts it again,
// reporting each step to listeners. Stored records go to the block generator: they are
// grouped into blocks every block interval, and each block becomes a partition of the
// batch that takes it. A rate limit (records per second) makes `store()` wait.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <dstream/detail/traits.hpp>
#include <dstream/runtime/listener.hpp>

namespace dstream {

namespace detail {

/// What a receiver reports to: implemented by the receiver's input node.
class receiver_host {
 public:
  virtual ~receiver_host() = default;
  virtual void request_restart(const std::string& reason) = 0;
  virtual void report_error(const std::string& message) = 0;
  virtual bool stopped() const = 0;
};

}  // namespace detail

/// Base of user receivers (Spark's `Receiver`).
///
/// Implement `on_start()` (start your own thread that reads and calls `store`; return at
/// once) and `on_stop()` (make that thread finish and join it). Call `restart(reason)`
/// from your thread when the source is lost: the supervisor stops and starts the receiver
/// again after a delay. `store` throws `std::logic_error` once the receiver is stopped.
///
/// Example: see `examples/` and `io/socket_stream.hpp`.
template <class T>
class receiver {
 public:
  using value_type = T;
  virtual ~receiver() = default;

  virtual void on_start() = 0;
  virtual void on_stop() = 0;
  /// A name for listeners and the log.
  virtual std::string name() const { return "receiver"; }

  /// Stores one record.
  void store(T x) { sink_(&x, 1); }
  /// Stores every record of `records`, moving them (one lock and block check for all),
  /// and leaves `records` empty.
  void store(std::vector<T>&& records) {
    sink_(records.data(), records.size());
    records.clear();
  }
  /// Stores every record of a range (one block boundary check for all).
  template <detail::iterable R>
    requires(!std::is_convertible_v<R, T>)
  void store(R&& records) {
    std::vector<T> v;
    for (auto&& x : records) v.emplace_back(static_cast<decltype(x)>(x));
    sink_(v.data(), v.size());
  }

  /// Records of blocks whose batches are done (empty when there are none), for the
  /// receiver to overwrite instead of allocating new ones: a recycled `std::string`
  /// given a new line with `assign` keeps its buffer. Optional; `store` works either way.
  std::vector<T> recycled() { return recycled_ ? recycled_() : std::vector<T>{}; }

  /// Asks the supervisor to stop and start this receiver again (asynchronously).
  void restart(const std::string& reason) {
    if (host_) host_->request_restart(reason);
  }
  /// Reports an error to listeners and the log without restarting.
  void report_error(const std::string& message) {
    if (host_) host_->report_error(message);
  }
  /// True once the receiver was told to stop (its thread should then end).
  bool is_stopped() const { return host_ == nullptr || host_->stopped(); }

  // Wiring, by the input node.
  void attach(detail::receiver_host* host, std::function<void(T*, std::size_t)> sink,
              std::function<std::vector<T>()> recycled = {}) {
    host_ = host;
    sink_ = std::move(sink);
    recycled_ = std::move(recycled);
  }

 private:
  detail::receiver_host* host_ = nullptr;
  std::function<void(T*, std::size_t)> sink_;
  std::function<std::vector<T>()> recycled_;
};

namespace detail {

/// A block of records and its sequence number (the name of its write-ahead log entry).
template <class T>
struct block {
  std::uint64_t seq = 0;
  std::vector<T> records;
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
  /// `max_pending` > 0 bounds the records stored and not yet taken by a batch: `push`
  /// waits while the bound would be passed (a receiver then reads no faster than batches
  /// take its records; a socket's sender is slowed down by TCP itself).
  block_generator(std::chrono::milliseconds interval, double max_rate, std::size_t max_pending = 0)
      : interval_(interval), max_rate_(max_rate), max_pending_(max_pending) {}
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
    std::unique_lock lock(m_);
    if (max_pending_ > 0) {
      // Room for the records, or nothing waiting (a store larger than the bound goes alone).
      room_cv_.wait(lock, [&] { return closed_ || !bounded_ || pending_ == 0 || pending_ + n <= max_pending_; });
    }
    if (closed_)
      throw std::logic_error("dstream receiver: store() after the receiver was stopped; the records were not taken");
    pending_ += n;
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
    room_cv_.notify_all();
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
    block<T> b{seq_, std::move(current_)};
    current_ = {};
    if (on_block_) {
      try {
        on_block_(b);
      } catch (...) {
        // Not logged, so not received: give the records back to be logged again later.
        current_ = std::move(b.records);
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

  // A token bucket refilled at max_rate per second, allowing one second of burst.
  void throttle(std::size_t n) {
    if (max_rate_ <= 0) return;
    std::unique_lock lock(rate_m_);
    for (;;) {
      auto now = std::chrono::steady_clock::now();
      double elapsed = std::chrono::duration<double>(now - refill_at_).count();
      refill_at_ = now;
      tokens_ = std::min(max_rate_, tokens_ + elapsed * max_rate_);
      if (tokens_ >= static_cast<double>(n) || (n > max_rate_ && tokens_ >= max_rate_)) {
        tokens_ -= static_cast<double>(n);
        return;
      }
      double missing = static_cast<double>(n) - tokens_;
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::duration<double>(missing / max_rate_));
      lock.lock();
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

  std::mutex rate_m_;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point refill_at_ = std::chrono::steady_clock::now();
};

/// Runs one receiver on a thread of its own: start, restart with back-off, stop.
template <class T>
class receiver_supervisor final : public receiver_host {
 public:
  receiver_supervisor(receiver<T>& r, int stream_id, listener_bus& bus, std::chrono::milliseconds restart_delay)
      : r_(r), bus_(bus), delay_(restart_delay) {
    info_.stream_id = stream_id;
    info_.name = r.name();
  }
  ~receiver_supervisor() override { stop(); }

  void start() {
    std::lock_guard lock(m_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { loop(); });
  }

  /// Stops the receiver (its `on_stop` returns before this does).
  void stop() {
    {
      std::lock_guard lock(m_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  void request_restart(const std::string& reason) override {
    {
      std::lock_guard lock(m_);
      restart_reason_ = reason;
    }
    cv_.notify_all();
  }
  void report_error(const std::string& message) override {
    std::cerr << "dstream: receiver " << info_.name << " (stream " << info_.stream_id << "): " << message << '\n';
    receiver_info i;
    {
      std::lock_guard lock(m_);
      info_.last_error = message;
      i = info_;
    }
    bus_.post(&streaming_listener::on_receiver_error, i);
  }
  bool stopped() const override {
    std::lock_guard lock(m_);
    return stopping_ || restart_reason_.has_value();
  }

  std::int64_t restarts() const {
    std::lock_guard lock(m_);
    return restarts_;
  }

 private:
  void loop() {
    current_bus = &bus_;
    for (;;) {
      bool ok = call("on_start", [&] { r_.on_start(); });
      if (ok) {
        receiver_info i;
        {
          std::lock_guard lock(m_);
          info_.active = true;
          i = info_;
        }
        bus_.post(&streaming_listener::on_receiver_started, i);
      }
      std::unique_lock lock(m_);
      cv_.wait(lock, [&] { return stopping_ || restart_reason_.has_value() || !ok; });
      std::string reason = restart_reason_ ? *restart_reason_ : std::string("on_start failed");
      bool stop_now = stopping_;
      lock.unlock();
      call("on_stop", [&] { r_.on_stop(); });
      receiver_info i;
      {
        std::lock_guard g(m_);
        info_.active = false;
        i = info_;
      }
      bus_.post(&streaming_listener::on_receiver_stopped, i);
      if (stop_now) return;
      report_error("restarting in " + std::to_string(delay_.count()) + " ms: " + reason);
      lock.lock();
      cv_.wait_for(lock, delay_, [&] { return stopping_; });
      restart_reason_.reset();
      ++restarts_;
      if (stopping_) return;
    }
  }

  template <class F>
  bool call(const char* what, F f) {
    try {
      f();
      return true;
    } catch (const std::exception& e) {
      report_error(std::string(what) + " threw: " + e.what());
    } catch (...) {
      report_error(std::string(what) + " threw");
    }
    return false;
  }

  receiver<T>& r_;
  listener_bus& bus_;
  std::chrono::milliseconds delay_;
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::thread thread_;
  bool stopping_ = false;
  std::optional<std::string> restart_reason_;
  std::int64_t restarts_ = 0;
  receiver_info info_;
};

}  // namespace detail
}  // namespace dstream
