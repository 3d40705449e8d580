#pragma once
// The batch clock. The job generator asks it for the time and sleeps on it until the next
// batch time. The system clock is wall time; the manual clock only moves when a test
// advances it, so a streaming run becomes deterministic.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace dstream {

/// A source of time in milliseconds on which a thread can wait, interruptibly.
class batch_clock {
 public:
  virtual ~batch_clock() = default;
  /// The current time, milliseconds.
  virtual std::int64_t now_ms() const = 0;
  /// Waits until `now_ms() >= t` or `interrupt()`; returns false when interrupted.
  virtual bool wait_until(std::int64_t t) = 0;
  /// Wakes every waiter; later waits return false at once until `reset_interrupt()`.
  virtual void interrupt() = 0;
  virtual void reset_interrupt() = 0;
};

/// Wall time (milliseconds since the epoch).
class system_batch_clock final : public batch_clock {
 public:
  std::int64_t now_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
  bool wait_until(std::int64_t t) override {
    std::unique_lock lock(m_);
    for (;;) {
      if (interrupted_) return false;
      std::int64_t now = now_ms();
      if (now >= t) return true;
      cv_.wait_for(lock, std::chrono::milliseconds(t - now));
    }
  }
  void interrupt() override {
    std::lock_guard lock(m_);
    interrupted_ = true;
    cv_.notify_all();
  }
  void reset_interrupt() override {
    std::lock_guard lock(m_);
    interrupted_ = false;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool interrupted_ = false;
};

/// A clock that starts at 0 and moves only when told to.
///
/// Example: `clock.advance(1000);` releases every wait for times up to 1000 ms.
class manual_clock final : public batch_clock {
 public:
  explicit manual_clock(std::int64_t start = 0) : now_(start) {}

  std::int64_t now_ms() const override {
    std::lock_guard lock(m_);
    return now_;
  }
  bool wait_until(std::int64_t t) override {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return interrupted_ || now_ >= t; });
    return !interrupted_;
  }
  void interrupt() override {
    std::lock_guard lock(m_);
    interrupted_ = true;
    cv_.notify_all();
  }
  void reset_interrupt() override {
    std::lock_guard lock(m_);
    interrupted_ = false;
  }
  /// Moves the time forward by `ms`.
  void advance(std::int64_t ms) {
    {
      std::lock_guard lock(m_);
      now_ += ms;
    }
    // Notified after unlocking: a waiter woken under the lock would block again at once on
    // the mutex, one more sleep and wake-up for every tick.
    cv_.notify_all();
  }
  /// Sets the time (never backwards).
  void set_time(std::int64_t t) {
    {
      std::lock_guard lock(m_);
      if (t > now_) now_ = t;
    }
    cv_.notify_all();
  }

 private:
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::int64_t now_;
  bool interrupted_ = false;
};

}  // namespace dstream
