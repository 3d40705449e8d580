#pragma once
// rdd<T>: an immutable, partitioned collection, and the lazy expressions built on it.
//
// A partition is a shared, immutable vector: rdds derived by `union_with` share their
// parents' partitions, and an rdd keeps its storage alive as long as any copy of it lives.
// `rdd | narrow_op` builds an `rdd_expr` (nothing runs); an action, a wide operator or a
// conversion to `rdd<U>` runs the stage: one task per partition on the context's pool, the
// narrow operators fused into one loop feeding the stage's terminal.

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/hana/append.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/tuple.hpp>

#include <dstream/batch/conf.hpp>
#include <dstream/detail/closure.hpp>
#include <dstream/detail/combine.hpp>
#include <dstream/detail/fusion.hpp>
#include <dstream/detail/keyed.hpp>
#include <dstream/detail/traits.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/runtime/pool.hpp>

namespace dstream {

template <class T>
class rdd;

namespace detail {

/// What a `context` shares with its rdds: the configuration and the pool. Actions on an
/// rdd of a stopped context throw `std::logic_error`.
class context_state {
 public:
  explicit context_state(::dstream::conf c) : conf_(std::move(c)), threads_(conf_.threads()) {
    pool_ = std::make_unique<thread_pool>(threads_);
  }

  const ::dstream::conf& conf() const noexcept { return conf_; }
  std::size_t parallelism() const noexcept { return threads_; }

  bool stopped() const {
    std::lock_guard lock(m_);
    return stopped_;
  }

  /// Runs `f(i)` for i in [0, n) on the pool; the first exception thrown reaches the caller.
  template <class F>
  void parallel_for(std::size_t n, F&& f) {
    if (n == 0) return;
    thread_pool* pool = enter();
    struct leave_guard {
      context_state* s;
      ~leave_guard() { s->leave(); }
    } guard{this};
    pool->parallel_for(n, std::forward<F>(f));
  }

  /// Waits for running actions, then joins the pool's threads. Idempotent.
  void stop() {
    std::unique_lock lock(m_);
    stopped_ = true;
    idle_.wait(lock, [&] { return active_ == 0; });
    pool_.reset();
  }

 private:
  thread_pool* enter() {
    std::lock_guard lock(m_);
    if (stopped_)
      throw std::logic_error("dstream: the context '" + conf_.app_name() +
                             "' was stopped; create a new ds::context to run more actions");
    ++active_;
    return pool_.get();
  }
  void leave() {
    std::lock_guard lock(m_);
    if (--active_ == 0) idle_.notify_all();
  }

  ::dstream::conf conf_;
  std::size_t threads_;
  std::unique_ptr<thread_pool> pool_;
  mutable std::mutex m_;
  std::condition_variable idle_;
  std::size_t active_ = 0;
  bool stopped_ = false;
};

/// Runs a stage over the partitions `[begin, end)` of `base`: `terms[i]` receives
/// partition i through the fused operators `ops`.
template <class T, class Ops, class Term>
void run_stage_range(const rdd<T>& base, const Ops& ops, std::vector<Term>& terms, std::size_t begin,
                     std::size_t end) {
  auto task = [&](std::size_t k) { run_partition<T>(base.partition(begin + k), ops, terms[begin + k]); };
  if (end - begin == 0) return;
  if (const auto& s = base.state()) {
    s->parallel_for(end - begin, task);
  } else {
    for (std::size_t k = 0; k < end - begin; ++k) task(k);
  }
}

template <class Op, class Y>
concept incremental_action = requires(const Op& op, const std::vector<typename Op::template terminal<Y>>& done) {
  { op.template enough<Y>(done) } -> std::convertible_to<bool>;
};

/// Runs an action: one terminal per partition, then the action's result from them. An
/// action that can stop early (`take`) runs one partition, then four times as many each
/// round, as Spark does.
template <class T, class Ops, class Action>
decltype(auto) run_action(const rdd<T>& base, const Ops& ops, const Action& action) {
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
      run_stage_range(base, ops, terms, done, end);
      done = end;
      if (action.template enough<Y>(terms)) break;
      step *= 4;
    }
    terms.erase(terms.begin() + static_cast<std::ptrdiff_t>(done), terms.end());
  } else {
    run_stage_range(base, ops, terms, 0, n);
  }
  return action.template result<Y>(std::move(terms));
}

/// Partitions of owned elements, ready to become an rdd.
template <class U>
using partitions_of = std::vector<std::vector<U>>;

/// Runs the stage and keeps every element: the partitions of the materialised rdd.
template <class T, class Ops>
auto materialize_parts(const rdd<T>& base, const Ops& ops) {
  using Y = flow_t<T, Ops>;
  using Term = collect_t::terminal<Y>;
  const std::size_t n = base.num_partitions();
  std::vector<Term> terms(n);
  run_stage_range(base, ops, terms, 0, n);
  partitions_of<owned_t<Y>> parts(n);
  for (std::size_t i = 0; i < n; ++i) parts[i] = std::move(terms[i].out);
  return parts;
}

// ---------------------------------------------------------------------------------------
// The shuffle with map-side combine.

/// Map side of a combine: one hash map per input partition, filled by the stage's loop.
/// A key already present costs a lookup by view and a merge: no allocation.
template <class Op, class Y>
struct combine_terminal {
  using X = std::remove_cvref_t<Y>;
  using types = typename Op::template types<X>;
  using key_type = typename types::key;
  using combiner_type = typename types::combiner;

  const Op* op = nullptr;
  key_map<key_type, combiner_type> map;

  template <class Z>
  void push(Z&& z) {
    auto it = find_key(map, op->key(z));
    if (it != map.end()) {
      op->merge_value(it->second, std::forward<Z>(z));
    } else {
      // owned_key takes the key part only and create the value part only, so forwarding
      // the element to both is safe.
      auto key = op->owned_key(z);
      map.emplace(std::move(key), op->create(std::forward<Z>(z)));
    }
  }
  void finish() {}
};

/// Runs a keyed combine (`reduce_by_key`, `group_by_key`, ...) over the stage `base | ops`
/// into `n` output partitions (keys placed by `partition_of`).
template <class T, class Ops, class Op>
auto combine_parts(const rdd<T>& base, const Ops& ops, const Op& op, std::size_t n) {
  using Y = flow_t<T, Ops>;
  using Term = combine_terminal<Op, Y>;
  using K = typename Term::key_type;
  using C = typename Term::combiner_type;
  using Out = typename Term::types::output;
  static_assert(!std::is_same_v<Out, bad_element>, "dstream: see the error above about the element type");

  const std::size_t m = base.num_partitions();
  partitions_of<Out> out(n);
  if (n == 0) return out;
  std::vector<Term> maps(m);
  for (auto& t : maps) t.op = &op;
  run_stage_range(base, ops, maps, 0, m);

  auto emit = [&op](key_map<K, C>& map, std::vector<Out>& dest) {
    dest.reserve(dest.size() + map.size());
    for (auto& kv : map) {
      dest.push_back(op.output(K(std::move(const_cast<K&>(kv.first))), std::move(kv.second)));
    }
  };
  if (m == 1 && n == 1) {
    emit(maps[0].map, out[0]);
    return out;
  }

  // Split each map by destination partition, then merge per destination.
  std::vector<std::vector<std::vector<std::pair<K, C>>>> buckets(m);
  auto split = [&](std::size_t i) {
    auto& b = buckets[i];
    b.resize(n);
    auto& map = maps[i].map;
    if (n > 1) {
      for (auto& bucket : b) bucket.reserve(map.size() / n + 1);
    }
    for (auto& kv : map) {
      std::size_t j = partition_of(kv.first, n);
      b[j].emplace_back(std::move(const_cast<K&>(kv.first)), std::move(kv.second));
    }
    key_map<K, C>().swap(map);
  };
  auto merge = [&](std::size_t j) {
    key_map<K, C> merged;
    std::size_t total = 0;
    for (std::size_t i = 0; i < m; ++i) total += buckets[i][j].size();
    merged.reserve(total);
    for (std::size_t i = 0; i < m; ++i) {
      for (auto& [k, c] : buckets[i][j]) {
        auto it = merged.find(k);
        if (it != merged.end()) {
          op.merge_combiners(it->second, std::move(c));
        } else {
          merged.emplace(std::move(k), std::move(c));
        }
      }
      std::vector<std::pair<K, C>>().swap(buckets[i][j]);
    }
    emit(merged, out[j]);
  };
  if (const auto& s = base.state()) {
    s->parallel_for(m, split);
    s->parallel_for(n, merge);
  } else {
    for (std::size_t i = 0; i < m; ++i) split(i);
    for (std::size_t j = 0; j < n; ++j) merge(j);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Two-input operators.

/// An rdd from a source that may be an rdd or an rdd expression.
template <class S>
auto as_rdd(const S& s) {
  if constexpr (requires { s.materialize(); }) {
    return s.materialize();
  } else {
    return s;
  }
}

/// The grouping both sides of a cogroup go through.
struct group_op : pair_keyed {
  template <class X>
  struct types {
    using key = owned_t<key_t<X>>;
    using combiner = std::vector<owned_t<value_t<X>>>;
    using output = std::pair<key, combiner>;
  };
  template <class X>
  auto create(X&& x) const {
    typename types<std::remove_cvref_t<X>>::combiner c;
    c.emplace_back(to_owned(value(std::forward<X>(x))));
    return c;
  }
  template <class C, class X>
  void merge_value(C& c, X&& x) const {
    c.emplace_back(to_owned(value(std::forward<X>(x))));
  }
  template <class C>
  void merge_combiners(C& c, C&& other) const {
    c.insert(c.end(), std::make_move_iterator(other.begin()), std::make_move_iterator(other.end()));
  }
  template <class K, class C>
  static std::pair<K, C> output(K&& k, C&& c) {
    return {std::move(k), std::move(c)};
  }
};

template <class Kind, class L, class R, class Op>
auto cogroup_rdds(const L& left, const R& right, const Op& op) {
  using LE = typename L::value_type;
  using RE = typename R::value_type;
  static_assert(pair_like<LE>, "ds::join / ds::cogroup: the left input's elements must be std::pair<K, V>");
  static_assert(pair_like<RE>, "ds::join / ds::cogroup: the right input's elements must be std::pair<K, W>");
  using K = owned_t<key_t<LE>>;
  using V = owned_t<value_t<LE>>;
  using W = owned_t<value_t<RE>>;
  static_assert(std::is_same_v<K, owned_t<key_t<RE>>>,
                "ds::join / ds::cogroup: both inputs must have the same key type (named below)");
  using Out = typename Kind::template output<K, V, W>;

  const std::size_t n = op.partitions_or(std::max(left.num_partitions(), right.num_partitions()));
  group_op g;
  auto lg = combine_parts(left, boost::hana::tuple<>{}, g, n);
  auto rg = combine_parts(right, boost::hana::tuple<>{}, g, n);
  partitions_of<Out> out(n);
  auto join_part = [&](std::size_t j) {
    auto& ls = lg[j];
    auto& rs = rg[j];
    key_map<K, std::size_t> right_index;
    right_index.reserve(rs.size());
    for (std::size_t k = 0; k < rs.size(); ++k) right_index.emplace(rs[k].first, k);
    std::vector<bool> used(rs.size(), false);
    std::vector<V> no_v;
    std::vector<W> no_w;
    auto sink = [&](Out&& o) { out[j].push_back(std::move(o)); };
    for (auto& [k, vs] : ls) {
      auto it = right_index.find(k);
      if (it != right_index.end()) {
        used[it->second] = true;
        Kind::emit(k, vs, rs[it->second].second, sink);
      } else {
        no_w.clear();
        Kind::emit(k, vs, no_w, sink);
      }
    }
    for (std::size_t k = 0; k < rs.size(); ++k) {
      if (used[k]) continue;
      no_v.clear();
      Kind::emit(rs[k].first, no_v, rs[k].second, sink);
    }
  };
  if (const auto& s = left.state()) {
    s->parallel_for(n, join_part);
  } else {
    for (std::size_t j = 0; j < n; ++j) join_part(j);
  }
  return out;
}

/// Round-robin redistribution into `n` partitions: input partition i starts at output
/// partition i mod n; each output keeps the input order.
template <class T>
partitions_of<T> repartition_parts(const rdd<T>& in, std::size_t n) {
  partitions_of<T> out(n);
  const std::size_t m = in.num_partitions();
  auto fill = [&](std::size_t j) {
    std::size_t total = 0;
    for (std::size_t i = 0; i < m; ++i) {
      std::size_t size = in.partition(i).size();
      std::size_t first = (j + n - i % n) % n;
      if (first < size) total += (size - first + n - 1) / n;
    }
    out[j].reserve(total);
    for (std::size_t i = 0; i < m; ++i) {
      auto part = in.partition(i);
      for (std::size_t k = (j + n - i % n) % n; k < part.size(); k += n) out[j].push_back(part[k]);
    }
  };
  if (const auto& s = in.state()) {
    s->parallel_for(n, fill);
  } else {
    for (std::size_t j = 0; j < n; ++j) fill(j);
  }
  return out;
}

/// Hash-partitions the pairs of `in` by key into `n` partitions (as the shuffle places
/// keys), keeping the input order within each: no combine, one move per element.
template <class K, class V>
partitions_of<std::pair<K, V>> partition_by_key(const rdd<std::pair<K, V>>& in, std::size_t n) {
  const std::size_t m = in.num_partitions();
  std::vector<partitions_of<std::pair<K, V>>> buckets(m, partitions_of<std::pair<K, V>>(n));
  auto split = [&](std::size_t i) {
    for (const auto& kv : in.partition(i)) buckets[i][partition_of(kv.first, n)].push_back(kv);
  };
  partitions_of<std::pair<K, V>> out(n);
  auto merge = [&](std::size_t j) {
    std::size_t total = 0;
    for (std::size_t i = 0; i < m; ++i) total += buckets[i][j].size();
    out[j].reserve(total);
    for (std::size_t i = 0; i < m; ++i)
      for (auto& kv : buckets[i][j]) out[j].push_back(std::move(kv));
  };
  if (const auto& s = in.state()) {
    s->parallel_for(m, split);
    s->parallel_for(n, merge);
  } else {
    for (std::size_t i = 0; i < m; ++i) split(i);
    for (std::size_t j = 0; j < n; ++j) merge(j);
  }
  return out;
}

template <class T>
struct is_rdd : std::false_type {};
template <class T>
struct is_rdd<rdd<T>> : std::true_type {};

}  // namespace detail

template <class T, class Ops>
class rdd_expr;

/// A partitioned, immutable collection of `T` (Spark's `RDD[T]`).
///
/// Operators apply with `|`; narrow ones give a lazy `rdd_expr` (which converts to an
/// `rdd`), wide ones and actions run at once.
template <class T>
class rdd {
 public:
  using source_tag = void;
  using value_type = T;
  using partition_type = std::shared_ptr<const std::vector<T>>;

  /// An rdd with no partitions.
  rdd() = default;

  /// An rdd over `parts` run on `state`'s pool (serially when `state` is null).
  rdd(std::shared_ptr<detail::context_state> state, std::vector<partition_type> parts)
      : state_(std::move(state)), parts_(std::move(parts)) {}

  /// An rdd owning `parts`.
  rdd(std::shared_ptr<detail::context_state> state, detail::partitions_of<T>&& parts) : state_(std::move(state)) {
    parts_.reserve(parts.size());
    for (auto& p : parts) parts_.push_back(std::make_shared<const std::vector<T>>(std::move(p)));
  }

  std::size_t num_partitions() const noexcept { return parts_.size(); }

  /// Partition `i`: a contiguous range of `const T&`.
  std::span<const T> partition(std::size_t i) const {
    if (i >= parts_.size())
      throw std::out_of_range("ds::rdd::partition(" + std::to_string(i) + "): the rdd has " +
                              std::to_string(parts_.size()) + " partitions");
    return {parts_[i]->data(), parts_[i]->size()};
  }

  /// The shared storage of the partitions (for rdds built from this one's partitions).
  const std::vector<partition_type>& partitions() const noexcept { return parts_; }

  /// The number of elements, without running anything.
  std::size_t size() const noexcept {
    std::size_t n = 0;
    for (const auto& p : parts_) n += p->size();
    return n;
  }

  const std::shared_ptr<detail::context_state>& state() const noexcept { return state_; }

  template <class Op>
  auto pipe(Op&& op) const {
    return rdd_expr<T, boost::hana::tuple<>>(*this, boost::hana::tuple<>{}).pipe(std::forward<Op>(op));
  }

  rdd materialize() const { return *this; }

 private:
  std::shared_ptr<detail::context_state> state_;
  std::vector<partition_type> parts_;
};

/// A lazy rdd: `base` seen through the narrow operators `Ops`, fused into one loop when
/// something runs it. Converts to `rdd<value_type>`.
template <class T, class Ops>
class rdd_expr {
 public:
  using source_tag = void;
  /// What the stage pushes (possibly a reference or a view).
  using element_type = detail::flow_t<T, Ops>;
  /// What an rdd of this expression holds.
  using value_type = detail::owned_t<element_type>;

  rdd_expr(rdd<T> base, Ops ops) : base_(std::move(base)), ops_(std::move(ops)) {}

  const rdd<T>& base() const noexcept { return base_; }
  const Ops& ops() const noexcept { return ops_; }
  std::size_t num_partitions() const noexcept { return base_.num_partitions(); }
  const std::shared_ptr<detail::context_state>& state() const noexcept { return base_.state(); }

  /// Runs the stage and keeps its elements.
  rdd<value_type> materialize() const {
    constexpr std::size_t n = decltype(boost::hana::length(ops_))::value;
    if constexpr (n == 0 && std::is_same_v<T, value_type>) {
      return base_;
    } else {
      return rdd<value_type>(base_.state(), detail::materialize_parts(base_, ops_));
    }
  }
  operator rdd<value_type>() const { return materialize(); }

  template <class Op>
  auto pipe(Op&& op) const {
    using O = std::remove_cvref_t<Op>;
    using category = typename O::category;
    if constexpr (std::is_same_v<category, detail::narrow_tag>) {
      auto ops = boost::hana::append(ops_, std::forward<Op>(op));
      return rdd_expr<T, decltype(ops)>(base_, std::move(ops));
    } else if constexpr (std::is_same_v<category, detail::action_tag>) {
      return detail::run_action(base_, ops_, op);
    } else if constexpr (std::is_same_v<category, detail::combine_tag>) {
      std::size_t n = op.partitions_or(base_.num_partitions());
      auto parts = detail::combine_parts(base_, ops_, op, n);
      using U = typename decltype(parts)::value_type::value_type;
      return rdd<U>(base_.state(), std::move(parts));
    } else if constexpr (std::is_same_v<category, detail::cogroup_tag>) {
      auto left = materialize();
      auto right = detail::as_rdd(op.other());
      auto parts = detail::cogroup_rdds<typename O::kind>(left, right, op);
      using U = typename decltype(parts)::value_type::value_type;
      return rdd<U>(base_.state(), std::move(parts));
    } else if constexpr (std::is_same_v<category, detail::union_tag>) {
      auto left = materialize();
      auto right = detail::as_rdd(op.other());
      using R = typename decltype(right)::value_type;
      static_assert(std::is_same_v<R, value_type>,
                    "ds::union_with(other): both inputs must have the same element type (named below)");
      auto parts = left.partitions();
      parts.insert(parts.end(), right.partitions().begin(), right.partitions().end());
      return rdd<value_type>(base_.state() ? base_.state() : right.state(), std::move(parts));
    } else if constexpr (std::is_same_v<category, detail::repartition_tag>) {
      auto in = materialize();
      return rdd<value_type>(base_.state(), detail::repartition_parts(in, op.partitions()));
    } else {
      static_assert(detail::always_false<O>,
                    "dstream: this operator applies to a ds::dstream only (windows, state and outputs), not to an rdd");
    }
  }

 private:
  rdd<T> base_;
  Ops ops_;
};

}  // namespace dstream
