#pragma once
// Definitions of runtime/pool.hpp: inline in the header-only form, compiled once in
// dstream/impl/src.cpp with DSTREAM_SEPARATE_COMPILATION (detail/config.hpp).

#include <atomic>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <dstream/runtime/pool.hpp>

namespace dstream {

DSTREAM_DECL const thread_pool*& thread_pool::current_pool() noexcept {
  thread_local const thread_pool* p = nullptr;
  return p;
}

DSTREAM_DECL std::size_t& thread_pool::current_index() noexcept {
  thread_local std::size_t i = 0;
  return i;
}

DSTREAM_DECL void thread_pool::run(std::size_t n, void (*fn)(void*, std::size_t), void* ctx) {
  group g;
  g.remaining.store(n, std::memory_order_relaxed);
  queue& q = on_worker() ? *queues_[current_index()] : inject_;
  // Counted before they are queued, so the count never goes below the queued tasks.
  pending_.fetch_add(n, std::memory_order_seq_cst);
  {
    std::lock_guard lock(q.m);
    for (std::size_t i = 0; i < n; ++i) q.tasks.push_back(task{fn, ctx, i, &g});
  }
  wake();
  if (on_worker()) {
    help_until_done(g, current_index());
  } else {
    std::unique_lock lock(sleep_m_);
    sleep_cv_.wait(lock, [&] { return g.remaining.load(std::memory_order_acquire) == 0; });
  }
  if (g.error) std::rethrow_exception(g.error);
}

DSTREAM_DECL void thread_pool::wake() {
  // Taking the lock orders the change a waiter tests (made before this call) with its
  // test; notifying after the unlock spares the woken thread a second sleep on the mutex.
  { std::lock_guard lock(sleep_m_); }
  sleep_cv_.notify_all();
}

DSTREAM_DECL thread_pool::thread_pool(std::size_t threads) {
  if (threads == 0) threads = 1;
  queues_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) queues_.push_back(std::make_unique<queue>());
  workers_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this, i] { work(i); });
}

DSTREAM_DECL thread_pool::~thread_pool() {
  {
    std::lock_guard lock(sleep_m_);
    stopping_ = true;
  }
  sleep_cv_.notify_all();
  for (auto& w : workers_) w.join();
}

DSTREAM_DECL bool thread_pool::pop_back(queue& q, task& t) {
  std::lock_guard lock(q.m);
  if (q.tasks.empty()) return false;
  t = q.tasks.back();
  q.tasks.pop_back();
  return true;
}

DSTREAM_DECL bool thread_pool::pop_front(queue& q, task& t) {
  std::lock_guard lock(q.m);
  if (q.tasks.empty()) return false;
  t = q.tasks.front();
  q.tasks.pop_front();
  return true;
}

DSTREAM_DECL bool thread_pool::find_task(std::size_t self, task& t) {
  if (pending_.load(std::memory_order_acquire) == 0) return false;
  bool found = pop_back(*queues_[self], t) || pop_front(inject_, t);
  for (std::size_t k = 1; !found && k < queues_.size(); ++k) {
    found = pop_front(*queues_[(self + k) % queues_.size()], t);
  }
  if (found) pending_.fetch_sub(1, std::memory_order_acq_rel);
  return found;
}

DSTREAM_DECL void thread_pool::execute(const task& t) {
  group& g = *t.g;
  if (!g.failed.load(std::memory_order_acquire)) {
    try {
      t.fn(t.ctx, t.index);
    } catch (...) {
      std::lock_guard lock(g.error_m);
      if (!g.error) g.error = std::current_exception();
      g.failed.store(true, std::memory_order_release);
    }
  }
  if (g.remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    // The waiter may be asleep on sleep_cv_; `g` must not be touched after this.
    wake();
  }
}

DSTREAM_DECL void thread_pool::help_until_done(group& g, std::size_t self) {
  task t;
  while (g.remaining.load(std::memory_order_acquire) != 0) {
    if (find_task(self, t)) {
      execute(t);
      continue;
    }
    // Nothing queued: every task of `g` still outstanding is running on another thread.
    std::unique_lock lock(sleep_m_);
    sleep_cv_.wait(lock, [&] {
      return g.remaining.load(std::memory_order_acquire) == 0 || pending_.load(std::memory_order_acquire) != 0;
    });
  }
}

DSTREAM_DECL void thread_pool::work(std::size_t self) {
  current_pool() = this;
  current_index() = self;
  task t;
  for (;;) {
    if (find_task(self, t)) {
      execute(t);
      continue;
    }
    std::unique_lock lock(sleep_m_);
    sleep_cv_.wait(lock, [&] { return stopping_ || pending_.load(std::memory_order_acquire) != 0; });
    if (stopping_ && pending_.load(std::memory_order_acquire) == 0) return;
  }
}

}  // namespace dstream
