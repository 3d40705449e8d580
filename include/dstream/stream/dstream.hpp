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
  explicit dstream(std::shared_ptr<detail::node<T>> n)
      : node_(std::move(n)) {}

  /// The context this stream belongs to (a non-owning view of its handle).
  template <class S = ::dstream::streaming_context>
  S streaming_context() const {
    return S::view_of(owner());
  }

  detail::streaming_state& owner() const { return node_->owner(); }
  const std::shared_ptr<detail::node<T>>& node() const noexcept { return node_; }
  duration slide_duration() const { return node_->slide(); }

  /// The rdd of batch `t`, if this stream has one then.
  std::optional<rdd<T>> compute(batch_time t) const { return node_->get(t); }

  dstream materialize() const { return *this; }

  template <class Op>
  auto pipe(Op&& op) const;

 private:
  std::shared_ptr<detail::node<T>> node_;
};

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
    return rdd_expr<T, Ops>(std::move(*r), ops_).materialize();
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
    if (!ra) ra = rdd<A>(rb->state(), std::vector<typename rdd<A>::partition_type>{});
    if (!rb) rb = rdd<B>(ra->state(), std::vector<typename rdd<B>::partition_type>{});
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
  return dstream<U>(std::make_shared<rdd_fn_node<U, T, F>>(parent.node(), std::move(f)));
}
template <class U, class A, class B, class F>
dstream<U> make_fn2_stream(const dstream<A>& a, const dstream<B>& b, F f) {
  if (a.slide_duration() != b.slide_duration())
    throw std::invalid_argument("dstream: the two streams have different slide durations (" +
                                format_duration(a.slide_duration()) + " and " + format_duration(b.slide_duration()) +
                                "); window them to the same slide first");
  return dstream<U>(std::make_shared<rdd_fn2_node<U, A, B, F>>(a.node(), b.node(), std::move(f)));
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

/// A reduce over an rdd expression: nullopt when it has no element.
template <class T, class Ops, class F>
auto run_partial_reduce(const rdd_expr<T, Ops>& e, const reduce_t<F>& op) {
  using Y = flow_t<T, Ops>;
  const std::size_t n = e.base().num_partitions();
  std::vector<typename reduce_t<F>::template terminal<Y>> terms;
  terms.reserve(n);
  for (std::size_t i = 0; i < n; ++i) terms.push_back(op.template make_terminal<Y>());
  run_stage_range(e.base(), e.ops(), terms, 0, n);
  return op.template partial_result<Y>(std::move(terms));
}

template <class T>
struct is_count : std::false_type {};
template <>
struct is_count<count_t> : std::true_type {};
template <class T>
struct is_reduce : std::false_type {};
template <class F>
struct is_reduce<reduce_t<F>> : std::true_type {};

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
      base_.owner().check_building("adding a stream operator");
      return dstream<value_type>(std::make_shared<detail::stage_node<T, Ops>>(base_.node(), ops_));
    }
  }
  operator dstream<value_type>() const { return materialize(); }

  template <class Op>
  auto pipe(Op&& op) const {
    using O = std::remove_cvref_t<Op>;
    using category = typename O::category;
    if constexpr (std::is_same_v<category, detail::narrow_tag>) {
      auto ops = boost::hana::append(ops_, std::forward<Op>(op));
      return dstream_expr<T, decltype(ops)>(base_, std::move(ops));
    } else if constexpr (std::is_same_v<category, detail::stream_tag>) {
      return op.apply(materialize());
    } else {
      base_.owner().check_building("adding a stream operator");
      const std::size_t parallelism = base_.owner().context().default_parallelism();
      auto ops = ops_;
      if constexpr (std::is_same_v<category, detail::combine_tag> ||
                    std::is_same_v<category, detail::repartition_tag>) {
        auto o = detail::with_default_partitions(O(op), parallelism);
        return make_stream(base_, [ops, o](rdd<T> r, batch_time) { return rdd_expr<T, Ops>(std::move(r), ops) | o; });
      } else if constexpr (std::is_same_v<category, detail::cogroup_tag>) {
        auto other = detail::as_dstream(op.other());
        using B = typename decltype(other)::value_type;
        auto o = detail::with_default_partitions(op.with_other(rdd<B>()), parallelism);
        using U = typename decltype(rdd_expr<T, Ops>(rdd<T>(), ops) | o)::value_type;
        return detail::make_fn2_stream<U>(materialize(), other, [o](rdd<value_type> a, rdd<B> b, batch_time) {
          return a | o.with_other(std::move(b));
        });
      } else if constexpr (std::is_same_v<category, detail::union_tag>) {
        auto other = detail::as_dstream(op.other());
        using B = typename decltype(other)::value_type;
        static_assert(std::is_same_v<B, value_type>,
                      "ds::union_with(other): both streams must have the same element type (named below)");
        return detail::make_fn2_stream<value_type>(materialize(), other, [](rdd<value_type> a, rdd<B> b, batch_time) {
          return rdd<value_type>(a | union_with_rdd(std::move(b)));
        });
      } else if constexpr (detail::is_count<O>::value) {
        return detail::make_fn_stream<std::int64_t>(base_, [ops](rdd<T> r, batch_time) {
          auto st = r.state();
          std::int64_t n = rdd_expr<T, Ops>(std::move(r), ops) | count_t{};
          return rdd<std::int64_t>(st, detail::partitions_of<std::int64_t>{{n}});
        });
      } else if constexpr (detail::is_reduce<O>::value) {
        return detail::make_fn_stream<value_type>(base_, [ops, o = O(op)](rdd<T> r, batch_time) {
          auto st = r.state();
          auto v = detail::run_partial_reduce(rdd_expr<T, Ops>(std::move(r), ops), o);
          detail::partitions_of<value_type> parts(1);
          if (v) parts[0].push_back(std::move(*v));
          return rdd<value_type>(st, std::move(parts));
        });
      } else {
        static_assert(detail::always_false<O>,
                      "dstream: ds::collect, ds::take, ds::first, ds::foreach and ds::foreach_partition are rdd "
                      "actions; on a dstream use ds::foreach_rdd([](auto& rdd) { ... }) and apply them there");
      }
    }
  }

 private:
  template <class F>
  static auto make_stream(const dstream<T>& parent, F f) {
    using R = decltype(f(rdd<T>(), batch_time()));
    using U = typename R::value_type;
    return detail::make_fn_stream<U>(parent, std::move(f));
  }

  template <class B>
  static auto union_with_rdd(rdd<B> b) {
    return union_with_t<rdd<B>>(std::move(b));
  }

  dstream<T> base_;
  Ops ops_;
};

template <class T>
template <class Op>
auto dstream<T>::pipe(Op&& op) const {
  return dstream_expr<T, boost::hana::tuple<>>(*this, boost::hana::tuple<>{}).pipe(std::forward<Op>(op));
}

}  // namespace dstream
