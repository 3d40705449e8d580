#pragma once
// The work-stealing pool that runs a stage's tasks (one per partition).
//
// Each worker owns a deque: it pushes and pops at the back, thieves take from the front.
// Threads outside the pool submit through a shared injection queue and block until their
// tasks are done. A worker that waits for tasks it spawned (nested parallelism) runs
// queued tasks meanwhile instead of blocking, so nesting cannot deadlock. The first
// exception thrown by a task is rethrown, unchanged, to the caller of `parallel_for`;
// the remaining tasks of that call are skipped.
//
// The pool depends on nothing else in the library; `ds::context` owns one.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace dstream {

class thread_pool {
 public:
  /// Starts `threads` workers (at least one).
  explicit thread_pool(std::size_t threads) {
    if (threads == 0) threads = 1;
    queues_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) queues_.push_back(std::make_unique<queue>());
    workers_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this, i] { work(i); });
  }

  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;

  /// Finishes the tasks already queued, then joins every worker.
  ~thread_pool() {
    {
      std::lock_guard lock(sleep_m_);
      stopping_ = true;
    }
    sleep_cv_.notify_all();
    for (auto& w : workers_) w.join();
  }

  std::size_t size() const noexcept { return workers_.size(); }

  /// True on one of this pool's worker threads.
  bool on_worker() const noexcept { return current_pool() == this; }
  /// True on a worker thread of any pool.
  static bool on_any_worker() noexcept { return current_pool() != nullptr; }

  /// Runs `f(i)` for every `i` in `[0, n)` on the pool and returns when all are done.
  /// Rethrows the first exception a call threw; calls not yet started are then skipped.
  template <class F>
  void parallel_for(std::size_t n, F&& f) {
    if (n == 0) return;
    group g;
    g.remaining.store(n, std::memory_order_relaxed);
    auto trampoline = [](void* ctx, std::size_t i) { (*static_cast<std::remove_reference_t<F>*>(ctx))(i); };
    void* ctx = const_cast<void*>(static_cast<const void*>(std::addressof(f)));
    if (n == 1 && !on_worker()) {
      // One task and an idle caller: run it here and spare the hand-off to a worker.
      f(std::size_t{0});
      return;
    }
    queue& q = on_worker() ? *queues_[current_index()] : inject_;
    // Counted before they are queued, so the count never goes below the queued tasks.
    pending_.fetch_add(n, std::memory_order_seq_cst);
    {
      std::lock_guard lock(q.m);
      for (std::size_t i = 0; i < n; ++i) q.tasks.push_back(task{trampoline, ctx, i, &g});
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

 private:
  struct group {
    std::atomic<std::size_t> remaining{0};
    std::atomic<bool> failed{false};
    std::mutex error_m;
    std::exception_ptr error;
  };
  struct task {
    void (*fn)(void*, std::size_t);
    void* ctx;
    std::size_t index;
    group* g;
  };
  struct queue {
    std::mutex m;
    std::deque<task> tasks;
  };

  static const thread_pool*& current_pool() noexcept {
    thread_local const thread_pool* p = nullptr;
    return p;
  }
  static std::size_t& current_index() noexcept {
    thread_local std::size_t i = 0;
    return i;
  }

  // Workers and external waiters share one condition variable, so a single notify could
  // land on a waiter whose predicate is still false: every wake reaches everyone.
  void wake() {
    std::lock_guard lock(sleep_m_);
    sleep_cv_.notify_all();
  }

  bool pop_back(queue& q, task& t) {
    std::lock_guard lock(q.m);
    if (q.tasks.empty()) return false;
    t = q.tasks.back();
    q.tasks.pop_back();
    return true;
  }
  bool pop_front(queue& q, task& t) {
    std::lock_guard lock(q.m);
    if (q.tasks.empty()) return false;
    t = q.tasks.front();
    q.tasks.pop_front();
    return true;
  }

  // Own deque first (newest first: nested work stays hot), then the injection queue,
  // then the other workers' oldest tasks.
  bool find_task(std::size_t self, task& t) {
    if (pending_.load(std::memory_order_acquire) == 0) return false;
    bool found = pop_back(*queues_[self], t) || pop_front(inject_, t);
    for (std::size_t k = 1; !found && k < queues_.size(); ++k) {
      found = pop_front(*queues_[(self + k) % queues_.size()], t);
    }
    if (found) pending_.fetch_sub(1, std::memory_order_acq_rel);
    return found;
  }

  void execute(const task& t) {
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
      std::lock_guard lock(sleep_m_);
      sleep_cv_.notify_all();
    }
  }

  void help_until_done(group& g, std::size_t self) {
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

  void work(std::size_t self) {
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

  std::vector<std::unique_ptr<queue>> queues_;
  queue inject_;
  std::atomic<std::size_t> pending_{0};
  std::mutex sleep_m_;
  std::condition_variable sleep_cv_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace dstream
