#pragma once
// Running a stage: the context state an rdd runs on (configuration and pool), the
// parallel-or-serial loop over partitions, and the stage runners: a stage is one task per
// partition that pushes the partition's elements through the fused narrow operators into
// a terminal (an action's, a shuffle's map side, or the collector that materialises it).

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <dstream/batch/conf.hpp>
#include <dstream/detail/config.hpp>
#include <dstream/detail/access.hpp>
#include <dstream/detail/fusion.hpp>
#include <dstream/detail/protocol.hpp>
#include <dstream/detail/traits.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/runtime/pool.hpp>

namespace dstream {

template <class T>
class rdd;

namespace detail {

/// What a `context` shares with its rdds: the configuration and the pool. Actions on an
/// rdd of a stopped context throw `std::logic_error`.
class context_core {
 public:
  explicit context_core(::dstream::conf c);

  const ::dstream::conf& conf() const noexcept { return conf_; }
  std::size_t parallelism() const noexcept { return threads_; }

  bool stopped() const;

  /// Runs `f(i)` for i in [0, n) on the pool; the first exception thrown reaches the caller.
  template <class F>
  void parallel_for(std::size_t n, F&& f) {
    if (n == 0) return;
    thread_pool* pool = enter();
    struct leave_guard {
      context_core* s;
      ~leave_guard() { s->leave(); }
    } guard{this};
    pool->parallel_for(n, std::forward<F>(f));
  }

  /// Waits for running actions, then joins the pool's threads. Idempotent.
  void stop();

 private:
  thread_pool* enter();
  void leave();

  ::dstream::conf conf_;
  std::size_t threads_;
  std::unique_ptr<thread_pool> pool_;
  mutable std::mutex m_;
  std::condition_variable idle_;
  std::size_t active_ = 0;
  bool stopped_ = false;
};

/// Runs `f(i)` for i in [0, n): on the pool of `s`, or serially on this thread when `s`
/// is null (an rdd built without a context). The first exception reaches the caller.
template <class F>
void for_each_index(const std::shared_ptr<context_core>& s, std::size_t n, F&& f) {
  if (s) {
    s->parallel_for(n, std::forward<F>(f));
  } else {
    for (std::size_t i = 0; i < n; ++i) f(i);
  }
}

/// Runs a stage over the partitions `[begin, end)` of `base`: `terms[i]` receives
/// partition i through the fused operators `ops`. `time_ms` is the batch time operators
/// asking for their `partition_info` see (0 outside a stream).
template <class T, class Ops, class Term>
void run_stage_range(const rdd<T>& base, const Ops& ops, std::vector<Term>& terms, std::size_t begin,
                     std::size_t end, std::int64_t time_ms = 0) {
  for_each_index(core_of(base), end - begin, [&](std::size_t k) {
    const partition_info info{begin + k, time_ms};
    run_partition<T>(base.partition(begin + k), ops, terms[begin + k], info);
  });
}

template <class Op, class Y>
concept incremental_action = requires(const Op& op, const std::vector<typename Op::template terminal<Y>>& done) {
  { op.template enough<Y>(done) } -> std::convertible_to<bool>;
};

template <class Op, class Y>
concept settled_action = requires(const Op& op, typename Op::template terminal<Y>& t) {
  { op.template unsettled<Y>(std::as_const(t)) } -> std::convertible_to<bool>;
  op.template settle<Y>(t, true);
};

/// Counts what reaches the end of a stage.
struct element_counter {
  std::size_t n = 0;
  template <class X>
  void push(X&&) noexcept {
    ++n;
  }
  void finish() noexcept {}
};

/// Runs the stage of an action: one terminal per partition run. An action that can stop
/// early (`take`) runs one partition, then four times as many each round, as Spark does.
template <class T, class Ops, class Action>
auto run_terminals(const rdd<T>& base, const Ops& ops, const Action& action, std::int64_t time_ms = 0) {
  using Y = flow_t<T, Ops>;
  using Term = typename Action::template terminal<Y>;
  const std::size_t n = base.num_partitions();
  std::vector<Term> terms;
  terms.reserve(n);
  for (std::size_t i = 0; i < n; ++i) terms.push_back(action.template make_terminal<Y>());
  if constexpr (incremental_action<Action, Y>) {
    std::size_t done = 0;
    std::size_t step = 1;
    while (done < n) {
      std::size_t end = std::min(n, done + step);
      run_stage_range(base, ops, terms, done, end, time_ms);
      done = end;
      if (action.template enough<Y>(terms)) break;
      step *= 4;
    }
    terms.erase(terms.begin() + static_cast<std::ptrdiff_t>(done), terms.end());
  } else {
    run_stage_range(base, ops, terms, 0, n, time_ms);
  }
  if constexpr (settled_action<Action, Y>) {
    // A terminal that keeps its loop free of an element counter (reduce with an identity)
    // and ended on the identity: count its partition's elements in a second pass.
    for (std::size_t i = 0; i < terms.size(); ++i) {
      if (!action.template unsettled<Y>(terms[i])) continue;
      element_counter c;
      run_partition<T>(base.partition(i), ops, c, partition_info{i, time_ms});
      action.template settle<Y>(terms[i], c.n != 0);
    }
  }
  return terms;
}

/// Runs an action: its terminals, then its result from them.
template <class T, class Ops, class Action>
decltype(auto) run_action(const rdd<T>& base, const Ops& ops, const Action& action, std::int64_t time_ms = 0) {
  using Y = flow_t<T, Ops>;
  return action.template result<Y>(run_terminals(base, ops, action, time_ms));
}

/// Partitions of owned elements, ready to become an rdd.
template <class U>
using partitions_of = std::vector<std::vector<U>>;

/// Runs the stage and keeps every element: the partitions of the materialised rdd.
template <class T, class Ops>
auto materialize_parts(const rdd<T>& base, const Ops& ops, std::int64_t time_ms = 0) {
  using Y = flow_t<T, Ops>;
  using Term = collect_t::terminal<Y>;
  const std::size_t n = base.num_partitions();
  std::vector<Term> terms(n);
  run_stage_range(base, ops, terms, 0, n, time_ms);
  partitions_of<owned_t<Y>> parts(n);
  for (std::size_t i = 0; i < n; ++i) parts[i] = std::move(terms[i].out);
  return parts;
}

}  // namespace detail
}  // namespace dstream

#ifdef DSTREAM_HEADER_ONLY
#include <dstream/batch/impl/stage.ipp>
#endif
