#pragma once
// rdd<T>: an immutable, partitioned collection, and the lazy expressions built on it.
//
// A partition is a shared, immutable vector: rdds derived by `union_with` share their
// parents' partitions, and an rdd keeps its storage alive as long as any copy of it lives.
// `rdd | narrow_op` builds an `rdd_expr` (nothing runs); an action, a wide operator or a
// conversion to `rdd<U>` runs the stage (batch/stage.hpp): one task per partition on the
// context's pool, the narrow operators fused into one loop feeding the stage's terminal;
// wide operators go through the shuffle (batch/shuffle.hpp).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/hana/append.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/tuple.hpp>

#include <dstream/batch/shuffle.hpp>
#include <dstream/batch/stage.hpp>
#include <dstream/detail/access.hpp>
#include <dstream/detail/closure.hpp>
#include <dstream/detail/fusion.hpp>
#include <dstream/detail/protocol.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream {

template <class T, class Ops>
class rdd_expr;

namespace detail {
/// What an operator of kind `Kind` does to an rdd expression: `to_rdd(expr, op)`, one
/// specialisation per kind (below).
template <class Kind>
struct rdd_apply;
}  // namespace detail

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

  template <class Op>
  auto pipe(Op&& op) const {
    return rdd_expr<T, boost::hana::tuple<>>(*this, boost::hana::tuple<>{}).pipe(std::forward<Op>(op));
  }

  rdd materialize() const { return *this; }

 private:
  friend struct detail::access;

  // An rdd over `parts` run on `core`'s pool (serially when `core` is null); a context
  // and the library make them (`ds::context::make_rdd` is the public way).
  rdd(std::shared_ptr<detail::context_core> core, std::vector<partition_type> parts)
      : core_(std::move(core)), parts_(std::move(parts)) {}
  rdd(std::shared_ptr<detail::context_core> core, detail::partitions_of<T>&& parts) : core_(std::move(core)) {
    parts_.reserve(parts.size());
    for (auto& p : parts) parts_.push_back(std::make_shared<const std::vector<T>>(std::move(p)));
  }
  const std::shared_ptr<detail::context_core>& core() const noexcept { return core_; }

  std::shared_ptr<detail::context_core> core_;
  std::vector<partition_type> parts_;
};

namespace detail {
/// An rdd of `parts` (owned partitions, or shared ones) run on `core`'s pool.
template <class U>
rdd<U> rdd_of_parts(const std::shared_ptr<context_core>& core, partitions_of<U>&& parts) {
  return access::make<rdd<U>>(core, std::move(parts));
}
template <class U>
rdd<U> rdd_of_parts(const std::shared_ptr<context_core>& core, std::vector<std::shared_ptr<const std::vector<U>>> parts) {
  return access::make<rdd<U>>(core, std::move(parts));
}
}  // namespace detail

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

  /// `time_ms`: the batch time operators asking for their `partition_info` see (a stream
  /// sets it; 0 for a plain rdd).
  rdd_expr(rdd<T> base, Ops ops, std::int64_t time_ms = 0)
      : base_(std::move(base)), ops_(std::move(ops)), time_ms_(time_ms) {}

  const rdd<T>& base() const noexcept { return base_; }
  const Ops& ops() const noexcept { return ops_; }
  std::int64_t time_ms() const noexcept { return time_ms_; }
  std::size_t num_partitions() const noexcept { return base_.num_partitions(); }

  /// Runs the stage and keeps its elements.
  rdd<value_type> materialize() const {
    constexpr std::size_t n = decltype(boost::hana::length(ops_))::value;
    if constexpr (n == 0 && std::is_same_v<T, value_type>) {
      return base_;
    } else {
      return detail::rdd_of_parts<value_type>(detail::core_of(base_), detail::materialize_parts(base_, ops_, time_ms_));
    }
  }
  operator rdd<value_type>() const { return materialize(); }

  /// Applies one operator: what it means is chosen by its kind (detail/protocol.hpp).
  template <class Op>
  auto pipe(Op&& op) const {
    return detail::rdd_apply<detail::kind_of<Op>>::to_rdd(*this, std::forward<Op>(op));
  }

 private:
  friend struct detail::access;
  const std::shared_ptr<detail::context_core>& core() const noexcept { return detail::core_of(base_); }

  rdd<T> base_;
  Ops ops_;
  std::int64_t time_ms_ = 0;
};

namespace detail {

/// An rdd from a source that may be an rdd or an rdd expression.
template <class S>
auto as_rdd(const S& s) {
  if constexpr (requires { s.materialize(); }) {
    return s.materialize();
  } else {
    return s;
  }
}

/// A narrow operator joins the expression's fused operators: nothing runs.
template <>
struct rdd_apply<narrow_kind> {
  template <class T, class Ops, class Op>
  static auto to_rdd(const rdd_expr<T, Ops>& e, Op&& op) {
    auto ops = boost::hana::append(e.ops(), std::forward<Op>(op));
    return rdd_expr<T, decltype(ops)>(e.base(), std::move(ops), e.time_ms());
  }
};

/// A counted operator materialises the stage, then numbers its partitions' counts into a
/// narrow operator over the result.
template <>
struct rdd_apply<counted_kind> {
  template <class T, class Ops, class Op>
  static auto to_rdd(const rdd_expr<T, Ops>& e, Op&& op) {
    auto in = e.materialize();
    std::vector<std::size_t> counts(in.num_partitions());
    for (std::size_t i = 0; i < counts.size(); ++i) counts[i] = in.partition(i).size();
    using U = typename decltype(in)::value_type;
    auto ops = boost::hana::make_tuple(op.bind(std::move(counts)));
    return rdd_expr<U, decltype(ops)>(std::move(in), std::move(ops), e.time_ms());
  }
};

/// An action runs the stage now and returns its value.
template <>
struct rdd_apply<action_kind> {
  template <class T, class Ops, class Op>
  static decltype(auto) to_rdd(const rdd_expr<T, Ops>& e, const Op& op) {
    return run_action(e.base(), e.ops(), op, e.time_ms());
  }
};

/// A keyed combine runs the stage into the shuffle's map side.
template <>
struct rdd_apply<combine_kind> {
  /// `hint`: a stream's sizes of the previous batch's maps (see `combine_size_hint`).
  template <class T, class Ops, class Op>
  static auto to_rdd(const rdd_expr<T, Ops>& e, const Op& op, combine_size_hint* hint = nullptr) {
    std::size_t n = op.partitions_or(e.num_partitions());
    return rdd_of_parts(core_of(e), combine_parts(e.base(), e.ops(), op, n, e.time_ms(), hint));
  }
};

/// A two-input keyed operator groups both inputs by key, then applies its shape.
template <>
struct rdd_apply<cogroup_kind> {
  template <class T, class Ops, class Op>
  static auto to_rdd(const rdd_expr<T, Ops>& e, const Op& op) {
    using O = std::remove_cvref_t<Op>;
    return rdd_of_parts(core_of(e), cogroup_rdds<typename O::shape>(e.materialize(), as_rdd(op.other()), op));
  }
};

/// A union shares both inputs' partitions: nothing is copied.
template <>
struct rdd_apply<union_kind> {
  template <class T, class Ops, class Op>
  static auto to_rdd(const rdd_expr<T, Ops>& e, const Op& op) {
    using V = typename rdd_expr<T, Ops>::value_type;
    auto left = e.materialize();
    auto right = as_rdd(op.other());
    using R = typename decltype(right)::value_type;
    static_assert(std::is_same_v<R, V>,
                  "ds::union_with(other): both inputs must have the same element type (named below)");
    auto parts = left.partitions();
    parts.insert(parts.end(), right.partitions().begin(), right.partitions().end());
    return access::make<rdd<V>>(core_of(e) ? core_of(e) : core_of(right), std::move(parts));
  }
};

/// A repartition materialises the stage, then deals its elements round robin.
template <>
struct rdd_apply<repartition_kind> {
  template <class T, class Ops, class Op>
  static auto to_rdd(const rdd_expr<T, Ops>& e, const Op& op) {
    return rdd_of_parts(core_of(e), repartition_parts(e.materialize(), op.partitions()));
  }
};

/// A stream operator has no meaning on an rdd.
template <>
struct rdd_apply<stream_kind> {
  template <class T, class Ops, class Op>
  static auto to_rdd(const rdd_expr<T, Ops>& e, const Op&) {
    static_assert(always_false<Op>,
                  "dstream: this operator applies to a ds::dstream only (windows, state and outputs), not to an rdd");
    return e;  // only the message above is reported
  }
};

}  // namespace detail
}  // namespace dstream
