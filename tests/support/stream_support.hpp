#pragma once
// Shared by the streaming tests: per-batch sorting, temporary directories, waiting on a
// condition with a deadline, and a listener that records what it is told.

#include <algorithm>
#include <chrono>
#include <thread>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include <dstream/dstream.hpp>
#include <dstream/testing.hpp>

namespace ds = dstream;

namespace stream_test {

/// Every batch sorted: the order within a batch after a shuffle is not specified.
template <class T>
std::vector<std::vector<T>> sorted_batches(std::vector<std::vector<T>> batches) {
  for (auto& b : batches) std::sort(b.begin(), b.end());
  return batches;
}

/// A temporary directory, removed with everything in it at the end of the scope.
using temp_dir = ::dstream::testing::detail::temp_dir;

/// A value guarded by a mutex whose changes wake waiters: what outputs and listeners
/// running on the context's threads record, and what the test waits on.
template <class T>
class guarded {
 public:
  template <class F>
  void update(F f) {
    {
      std::lock_guard lock(m_);
      f(value_);
    }
    cv_.notify_all();
  }
  T get() const {
    std::lock_guard lock(m_);
    return value_;
  }
  /// Waits until `pred(value)` holds or `timeout` passes; returns whether it holds.
  template <class P>
  bool wait_for(std::chrono::milliseconds timeout, P pred) const {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, timeout, [&] { return pred(value_); });
  }

 private:
  mutable std::mutex m_;
  mutable std::condition_variable cv_;
  T value_{};
};

/// Records every listener event as a line of text, and the batches as they complete.
class recording_listener : public ds::streaming_listener {
 public:
  struct record {
    std::vector<std::string> events;
    std::vector<ds::batch_info> completed;
    std::vector<ds::receiver_info> receiver_errors;
    int receivers_started = 0;
    int receivers_stopped = 0;
  };

  void on_batch_submitted(const ds::batch_info& b) override { add("submitted " + b.time.to_string()); }
  void on_batch_started(const ds::batch_info& b) override { add("started " + b.time.to_string()); }
  void on_batch_completed(const ds::batch_info& b) override {
    rec_.update([&](record& r) {
      r.events.push_back("completed " + b.time.to_string());
      r.completed.push_back(b);
    });
  }
  void on_output_operation_started(const ds::output_operation_info& o) override {
    add("output started " + std::to_string(o.id) + " " + o.time.to_string());
  }
  void on_output_operation_completed(const ds::output_operation_info& o) override {
    add("output completed " + std::to_string(o.id) + " " + o.time.to_string() + (o.failure ? " failed" : ""));
  }
  void on_receiver_started(const ds::receiver_info&) override {
    rec_.update([](record& r) { ++r.receivers_started; });
  }
  void on_receiver_stopped(const ds::receiver_info&) override {
    rec_.update([](record& r) { ++r.receivers_stopped; });
  }
  void on_receiver_error(const ds::receiver_info& i) override {
    rec_.update([&](record& r) { r.receiver_errors.push_back(i); });
  }

  record get() const { return rec_.get(); }
  template <class P>
  bool wait_for(std::chrono::milliseconds timeout, P pred) const {
    return rec_.wait_for(timeout, pred);
  }

 private:
  void add(std::string e) {
    rec_.update([&](record& r) { r.events.push_back(std::move(e)); });
  }
  guarded<record> rec_;
};

/// A streaming context on the manual clock.
inline ds::streaming_context manual_context(ds::duration batch = std::chrono::seconds(1),
                                            const std::string& master = "local[2]") {
  return ds::streaming_context(
      ds::conf().app_name("stream tests").master(master).set("dstream.streaming.clock", "manual"), batch);
}

/// Advances the manual clock by one batch and waits for that batch to complete.
inline void run_batch(ds::streaming_context& ssc, std::int64_t batch_ms, std::int64_t time_ms) {
  ssc.test_clock()->advance(batch_ms);
  if (!ssc.wait_for_batch(ds::batch_time(time_ms), std::chrono::seconds(20)))
    throw std::runtime_error("batch " + std::to_string(time_ms) + " ms did not complete");
}

/// Polls `pred` until it holds or `timeout` passes (for state kept by other threads or
/// processes that nothing signals, such as files written by a receiver's log).
template <class P>
bool eventually(std::chrono::milliseconds timeout, P pred) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace stream_test
