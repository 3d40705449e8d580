#pragma once
// The work-stealing pool that runs a stage's tasks (one per partition).
//
// Each worker owns a deque: it pushes and pops at the back, thieves take from the front.
// Threads outside the pool submit through a shared injection queue and block until their
// tasks are done (one task, or the tasks of a one-worker pool, they run themselves). A
// worker that waits for tasks it spawned (nested parallelism) runs queued tasks meanwhile
// instead of blocking, so nesting cannot deadlock. The first exception thrown by a task
// is rethrown, unchanged, to the caller of `parallel_for`; the remaining tasks of that
// call are skipped.
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
#include <type_traits>
#include <vector>

#include <dstream/detail/config.hpp>

namespace dstream {

class thread_pool {
 public:
  /// Starts `threads` workers (at least one).
  explicit thread_pool(std::size_t threads);

  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;

  /// Finishes the tasks already queued, then joins every worker.
  ~thread_pool();

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
    if (!on_worker() && (n == 1 || workers_.size() == 1)) {
      // One task, or a pool of one worker, and a caller that would only wait: it runs the
      // tasks itself, in order, as the one worker would. That spares the two hand-offs
      // (wake the worker, wake the caller), which cost more than a small stage (a
      // streaming batch on local[1] paid them every batch). The first exception stops the
      // loop and reaches the caller, as below.
      for (std::size_t i = 0; i < n; ++i) f(i);
      return;
    }
    auto trampoline = [](void* ctx, std::size_t i) { (*static_cast<std::remove_reference_t<F>*>(ctx))(i); };
    run(n, trampoline, const_cast<void*>(static_cast<const void*>(std::addressof(f))));
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

  static const thread_pool*& current_pool() noexcept;
  static std::size_t& current_index() noexcept;

  // parallel_for without its type: `fn(ctx, i)` for every i in [0, n), n >= 1.
  void run(std::size_t n, void (*fn)(void*, std::size_t), void* ctx);

  // Workers and external waiters share one condition variable, so a single notify could
  // land on a waiter whose predicate is still false: every wake reaches everyone.
  void wake();

  bool pop_back(queue& q, task& t);
  bool pop_front(queue& q, task& t);

  // Own deque first (newest first: nested work stays hot), then the injection queue,
  // then the other workers' oldest tasks.
  bool find_task(std::size_t self, task& t);

  void execute(const task& t);

  void help_until_done(group& g, std::size_t self);

  void work(std::size_t self);

  std::vector<std::unique_ptr<queue>> queues_;
  queue inject_;
  std::atomic<std::size_t> pending_{0};
  std::mutex sleep_m_;
  std::condition_variable sleep_cv_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace dstream

#ifdef DSTREAM_HEADER_ONLY
#include <dstream/runtime/impl/pool.ipp>
#endif
