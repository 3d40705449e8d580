#pragma once
// Receivers: user code that pulls data from somewhere and `store()`s it.
//
// Each receiver has a supervisor thread of its own (never a pool thread, so `local[1]`
// still has its one worker for batches). The supervisor calls `on_start()`, and on
// `restart(reason)` calls `on_stop()`, waits the restart delay and starts it again,
// reporting each step to listeners. Stored records go straight to the block generator
// (runtime/block_generator.hpp).

#include <chrono>
#include <condition_variable>
#include <cstdint>
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
#include <dstream/runtime/block_generator.hpp>
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

template <class T>
class receiver_supervisor;

}  // namespace detail

/// Base of user receivers (Spark's `Receiver`).
///
/// Implement `on_start()` (start your own thread that reads and calls `store`; return at
/// once) and `on_stop()` (make that thread finish and join it). Call `restart(reason)`
/// from your thread when the source is lost: the supervisor stops and starts the receiver
/// again after a delay. `store` throws `std::logic_error` once the receiver is stopped.
///
/// Example: `examples/custom_receiver.cpp`, passed as
/// `ssc.receiver_stream(std::make_unique<sensor_receiver>(rate))`; `io/socket_stream.hpp` is the
/// receiver of `socket_text_stream`.
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
  void store(T x) { blocks().push(&x, 1); }
  /// Stores every record of `records`, moving them (one lock and block check for all),
  /// and leaves `records` empty.
  void store(std::vector<T>&& records) {
    blocks().push(records.data(), records.size());
    records.clear();
  }
  /// Stores every record of a range (one block boundary check for all).
  template <detail::iterable R>
    requires(!std::is_convertible_v<R, T>)
  void store(R&& records) {
    std::vector<T> v;
    for (auto&& x : records) v.emplace_back(static_cast<decltype(x)>(x));
    blocks().push(v.data(), v.size());
  }

  /// Records of blocks whose batches are done (empty when there are none), for the
  /// receiver to overwrite instead of allocating new ones: a recycled `std::string`
  /// given a new line with `assign` keeps its buffer. Optional; `store` works either way.
  std::vector<T> recycled() { return pool_ ? pool_->take() : std::vector<T>{}; }

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

 private:
  // The supervisor wires the receiver to its block generator: a stored record goes
  // straight into the current block.
  friend class detail::receiver_supervisor<T>;

  detail::block_generator<T>& blocks() {
    if (!blocks_) throw std::logic_error("dstream receiver: store() on a receiver that is not part of a started stream");
    return *blocks_;
  }

  detail::receiver_host* host_ = nullptr;
  detail::block_generator<T>* blocks_ = nullptr;
  std::shared_ptr<detail::record_pool<T>> pool_;
};

namespace detail {

/// Runs one receiver on a thread of its own: start, restart with back-off, stop.
template <class T>
class receiver_supervisor final : public receiver_host {
 public:
  /// Wires `r` to `blocks` (and to `pool` for recycled records) until destroyed.
  receiver_supervisor(receiver<T>& r, block_generator<T>& blocks, std::shared_ptr<record_pool<T>> pool, int stream_id,
                      listener_bus& bus, std::chrono::milliseconds restart_delay)
      : r_(r), bus_(bus), delay_(restart_delay) {
    info_.stream_id = stream_id;
    info_.name = r.name();
    r_.host_ = this;
    r_.blocks_ = &blocks;
    r_.pool_ = std::move(pool);
  }
  ~receiver_supervisor() override {
    stop();
    r_.host_ = nullptr;
    r_.blocks_ = nullptr;
  }

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
