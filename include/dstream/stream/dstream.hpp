#pragma once
// dstream<T>: a handle of a stream node; `dstream | op` builds the graph.
//
// Narrow operators stay fused in a `dstream_expr` until a wide operator, a window, state
// or an output needs a node: then one node runs the fused stage once per batch, exactly
// as an rdd expression does (the batch layer's stage runner and shuffle are reused).

#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include <boost/hana/append.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/tuple.hpp>

#include <dstream/batch/rdd.hpp>
#include <dstream/detail/access.hpp>
#include <dstream/detail/closure.hpp>
#include <dstream/detail/traits.hpp>
#include <dstream/ops/count.hpp>
#include <dstream/ops/reduce.hpp>
#include <dstream/ops/union_with.hpp>
#include <dstream/stream/scheduler.hpp>
#include <dstream/runtime/time.hpp>

namespace dstream {

class streaming_context;

template <class T, class Ops>
class dstream_expr;

namespace detail {
/// What an operator of kind `Kind` does to a dstream expression: `to_dstream(expr, op)`,
/// one specialisation per kind (below `dstream_expr`).
template <class Kind>
struct dstream_apply;
}  // namespace detail

/// A discretized stream of `T` (Spark's `DStream[T]`): one rdd per batch.
///
/// A handle: copies refer to the same node. Build with `s | op`; an expression of narrow
/// operators converts to `dstream<U>` implicitly.
template <class T>
class dstream {
 public:
  using source_tag = void;
  using value_type = T;

  dstream() = default;

  /// The context this stream belongs to (a handle that does not stop it when destroyed).
  template <class S = ::dstream::streaming_context>
  S streaming_context() const {
    return detail::access::make<S>(owner().shared_from_this(), false);
  }

  duration slide_duration() const { return node_->slide(); }

  /// The rdd of batch `t`, if this stream has one then.
  std::optional<rdd<T>> compute(batch_time t) const { return node_->get(t); }

  dstream materialize() const { return *this; }

  template <class Op>
  auto pipe(Op&& op) const;

 protected:
  explicit dstream(std::shared_ptr<detail::node<T>> n) : node_(std::move(n)) {}

 private:
  friend struct detail::access;
  detail::scheduler& owner() const { return node_->owner(); }
  const std::shared_ptr<detail::node<T>>& node() const noexcept { return node_; }

  std::shared_ptr<detail::node<T>> node_;
};

namespace detail {
/// The stream of node `n`.
template <class U, class N>
dstream<U> stream_of(std::shared_ptr<N> n) {
  return access::make<dstream<U>>(std::shared_ptr<node<U>>(std::move(n)));
}
}  // namespace detail

namespace detail {

/// A node running the fused stage `Ops` over its parent's rdds.
template <class T, class Ops>
class stage_node final : public node<owned_t<flow_t<T, Ops>>> {
 public:
  using U = owned_t<flow_t<T, Ops>>;
  stage_node(std::shared_ptr<node<T>> parent, Ops ops)
      : node<U>(parent->owner(), {parent}), parent_(std::move(parent)), ops_(std::move(ops)) {}

 protected:
  std::optional<rdd<U>> compute(batch_time t) override {
    auto r = parent_->get(t);
    if (!r) return std::nullopt;
    return rdd_expr<T, Ops>(std::move(*r), ops_, t.milliseconds()).materialize();
  }

 private:
  std::shared_ptr<node<T>> parent_;
  Ops ops_;
};

/// A node computing its rdd of batch t from its parent's with `f(rdd<T>, t)`.
template <class U, class T, class F>
class rdd_fn_node final : public node<U> {
 public:
  rdd_fn_node(std::shared_ptr<node<T>> parent, F f)
      : node<U>(parent->owner(), {parent}), parent_(std::move(parent)), f_(std::move(f)) {}

 protected:
  std::optional<rdd<U>> compute(batch_time t) override {
    auto r = parent_->get(t);
    if (!r) return std::nullopt;
    return f_(std::move(*r), t);
  }

 private:
  std::shared_ptr<node<T>> parent_;
  F f_;
};

/// A node computing its rdd of batch t from two parents' with `f(rdd<A>, rdd<B>, t)`.
template <class U, class A, class B, class F>
class rdd_fn2_node final : public node<U> {
 public:
  rdd_fn2_node(std::shared_ptr<node<A>> a, std::shared_ptr<node<B>> b, F f)
      : node<U>(a->owner(), {a, b}), a_(std::move(a)), b_(std::move(b)), f_(std::move(f)) {}

 protected:
  std::optional<rdd<U>> compute(batch_time t) override {
    auto ra = a_->get(t);
    auto rb = b_->get(t);
    if (!ra && !rb) return std::nullopt;
    if (!ra) ra = rdd_of_parts<A>(core_of(*rb), partitions_of<A>{});
    if (!rb) rb = rdd_of_parts<B>(core_of(*ra), partitions_of<B>{});
    return f_(std::move(*ra), std::move(*rb), t);
  }

 private:
  std::shared_ptr<node<A>> a_;
  std::shared_ptr<node<B>> b_;
  F f_;
};

/// Makes a node of `U` from a parent and a function of (rdd, time).
template <class U, class T, class F>
dstream<U> make_fn_stream(const dstream<T>& parent, F f) {
  return detail::stream_of<U>(std::make_shared<rdd_fn_node<U, T, F>>(detail::node_of(parent), std::move(f)));
}
template <class U, class A, class B, class F>
dstream<U> make_fn2_stream(const dstream<A>& a, const dstream<B>& b, F f) {
  if (a.slide_duration() != b.slide_duration())
    throw std::invalid_argument("dstream: the two streams have different slide durations (" +
                                format_duration(a.slide_duration()) + " and " + format_duration(b.slide_duration()) +
                                "); window them to the same slide first");
  return detail::stream_of<U>(std::make_shared<rdd_fn2_node<U, A, B, F>>(detail::node_of(a), detail::node_of(b), std::move(f)));
}

/// A dstream from a dstream or a dstream expression.
template <class S>
auto as_dstream(const S& s) {
  return s.materialize();
}

/// Gives a wide operator the default partition count of streams when it has none.
template <class Op>
Op with_default_partitions(Op op, std::size_t n) {
  if constexpr (std::is_base_of_v<partitioned, Op>) {
    if (op.partitions == 0) op.partitions = n;
  }
  return op;
}

}  // namespace detail

/// A stream seen through fused narrow operators; becomes a node when something needs one.
template <class T, class Ops>
class dstream_expr {
 public:
  using source_tag = void;
  using element_type = detail::flow_t<T, Ops>;
  using value_type = detail::owned_t<element_type>;

  dstream_expr(dstream<T> base, Ops ops) : base_(std::move(base)), ops_(std::move(ops)) {}

  const dstream<T>& base() const noexcept { return base_; }
  const Ops& ops() const noexcept { return ops_; }

  template <class S = ::dstream::streaming_context>
  S streaming_context() const {
    return base_.template streaming_context<S>();
  }

  /// The node running this expression's stage.
  dstream<value_type> materialize() const {
    constexpr std::size_t n = decltype(boost::hana::length(ops_))::value;
    if constexpr (n == 0 && std::is_same_v<T, value_type>) {
      return base_;
    } else {
      detail::owner_of(base_).check_building("adding a stream operator");
      return detail::stream_of<value_type>(std::make_shared<detail::stage_node<T, Ops>>(detail::node_of(base_), ops_));
    }
  }
  operator dstream<value_type>() const { return materialize(); }

  /// Applies one operator: what it means is chosen by its kind (detail/protocol.hpp).
  template <class Op>
  auto pipe(Op&& op) const {
    return detail::dstream_apply<detail::kind_of<Op>>::to_dstream(*this, std::forward<Op>(op));
  }

 private:
  dstream<T> base_;
  Ops ops_;
};

namespace detail {

/// Makes a stream whose rdd of batch t is `f(rdd of s at t, t)`, its element type read
/// from what `f` returns (an rdd or an rdd expression).
template <class T, class F>
auto make_batch_stream(const dstream<T>& s, F f) {
  using R = decltype(f(rdd<T>(), batch_time()));
  return make_fn_stream<typename R::value_type>(s, std::move(f));
}

/// Checks the graph can still grow and returns the streams' default partition count.
template <class T>
std::size_t start_operator(const dstream<T>& s) {
  detail::owner_of(s).check_building("adding a stream operator");
  return detail::owner_of(s).context().default_parallelism();
}

/// A narrow operator joins the expression's fused operators: no node yet.
template <>
struct dstream_apply<narrow_kind> {
  template <class T, class Ops, class Op>
  static auto to_dstream(const dstream_expr<T, Ops>& e, Op&& op) {
    auto ops = boost::hana::append(e.ops(), std::forward<Op>(op));
    return dstream_expr<T, decltype(ops)>(e.base(), std::move(ops));
  }
};

/// A stream operator (window, state, output) applies itself to the materialised stream,
/// unless it takes the expression itself (`apply_fused`: a windowed reduce first reduces
/// each batch inside the fused stage, as Spark's `reduceByKeyAndWindow` reduces each batch
/// before windowing, so the stage's elements are never stored).
template <>
struct dstream_apply<stream_kind> {
  template <class T, class Ops, class Op>
  static decltype(auto) to_dstream(const dstream_expr<T, Ops>& e, const Op& op) {
    if constexpr (requires { op.apply_fused(e); }) {
      return op.apply_fused(e);
    } else {
      return op.apply(e.materialize());
    }
  }
};

/// A one-input operator with a meaning on an rdd (combine, repartition, counted) applies
/// to the rdd of every batch, through the fused stage.
struct per_batch_apply {
  template <class T, class Ops, class Op>
  static auto to_dstream(const dstream_expr<T, Ops>& e, const Op& op) {
    auto o = with_default_partitions(Op(op), start_operator(e.base()));
    return make_batch_stream(e.base(), [ops = e.ops(), o](rdd<T> r, batch_time t) {
      return as_rdd(rdd_expr<T, Ops>(std::move(r), ops, t.milliseconds()) | o);
    });
  }
};
/// A keyed combine on a stream runs every batch as on an rdd, its map-side maps sized by
/// what the previous batch held (`combine_size_hint`, batch/shuffle.hpp).
template <>
struct dstream_apply<combine_kind> {
  template <class T, class Ops, class Op>
  static auto to_dstream(const dstream_expr<T, Ops>& e, const Op& op) {
    auto o = with_default_partitions(Op(op), start_operator(e.base()));
    auto hint = std::make_shared<combine_size_hint>();
    return make_batch_stream(e.base(), [ops = e.ops(), o, hint](rdd<T> r, batch_time t) {
      return rdd_apply<combine_kind>::to_rdd(rdd_expr<T, Ops>(std::move(r), ops, t.milliseconds()), o, hint.get());
    });
  }
};
template <>
struct dstream_apply<repartition_kind> : per_batch_apply {};
template <>
struct dstream_apply<counted_kind> : per_batch_apply {};

/// A two-input operator (join, cogroup, union) applies to the rdds of both streams at
/// every batch.
struct two_input_apply {
  template <class T, class Ops, class Op>
  static auto to_dstream(const dstream_expr<T, Ops>& e, const Op& op) {
    using V = typename dstream_expr<T, Ops>::value_type;
    const std::size_t parallelism = start_operator(e.base());
    auto other = as_dstream(op.other());
    using B = typename decltype(other)::value_type;
    auto o = with_default_partitions(op.with_other(rdd<B>()), parallelism);
    using U = typename decltype(rdd<V>() | o)::value_type;
    return make_fn2_stream<U>(e.materialize(), other,
                              [o](rdd<V> a, rdd<B> b, batch_time) { return rdd<U>(a | o.with_other(std::move(b))); });
  }
};
template <>
struct dstream_apply<cogroup_kind> : two_input_apply {};
template <>
struct dstream_apply<union_kind> : two_input_apply {};

/// An action gives one element per batch when it says how (`per_batch`: count, reduce);
/// the others are refused with a pointer to `ds::foreach_rdd`.
template <>
struct dstream_apply<action_kind> {
  template <class T, class Ops, class Op>
  static auto to_dstream(const dstream_expr<T, Ops>& e, const Op& op) {
    using Y = flow_t<T, Ops>;
    static_assert(per_batch_action<Op, Y>,
                  "dstream: ds::collect, ds::take, ds::first, ds::foreach and ds::foreach_partition are rdd "
                  "actions; on a dstream use ds::foreach_rdd([](auto& rdd) { ... }) and apply them there");
    if constexpr (per_batch_action<Op, Y>) {
      start_operator(e.base());
      using U = typename decltype(op.template per_batch<Y>({}))::value_type;
      return make_fn_stream<U>(e.base(), [ops = e.ops(), op](rdd<T> r, batch_time t) {
        auto v = op.template per_batch<Y>(run_terminals(r, ops, op, t.milliseconds()));
        partitions_of<U> parts(1);
        if (v) parts[0].push_back(std::move(*v));
        return rdd_of_parts<U>(core_of(r), std::move(parts));
      });
    } else {
      return e.base();  // only the message above is reported
    }
  }
};

}  // namespace detail

template <class T>
template <class Op>
auto dstream<T>::pipe(Op&& op) const {
  return dstream_expr<T, boost::hana::tuple<>>(*this, boost::hana::tuple<>{}).pipe(std::forward<Op>(op));
}

}  // namespace dstream
