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
#include <dstream/detail/closure.hpp>
#include <dstream/detail/fusion.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream {

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
