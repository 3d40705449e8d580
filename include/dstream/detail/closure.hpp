#pragma once
// Operators as closures: `source | op` applies an operator to a source (an rdd, a lazy rdd
// expression, a dstream); `op | op` composes operators into a pipeline, a Boost.Hana
// tuple that is applied element by element. Nothing runs at `|`.

#include <type_traits>
#include <utility>

#include <boost/hana/basic_tuple.hpp>
#include <boost/hana/concat.hpp>
#include <boost/hana/fold_left.hpp>
#include <boost/hana/tuple.hpp>

namespace dstream {

namespace detail {

// Operator categories: they tell a source how to apply the operator.
struct narrow_tag {};       // element-wise, fused into the stage's loop
struct combine_tag {};      // keyed shuffle with map-side combine (reduce_by_key, ...)
struct cogroup_tag {};      // two keyed inputs grouped by key (join, cogroup, ...)
struct union_tag {};        // concatenation of two inputs' partitions
struct repartition_tag {};  // redistribution into n partitions
struct action_tag {};       // runs the stage and returns a value (collect, count, ...)
struct stream_tag {};       // meaningful on a dstream only (window, state, outputs)

/// Every operator object derives from `op_base`; its `category` says how it applies.
struct op_base {};

template <class T>
concept operator_object = std::is_base_of_v<op_base, std::remove_cvref_t<T>>;

/// The object behind the name of an operator that takes one function: `name(f)` makes
/// `Op<F>` holding a copy of `f` (or `f` itself, moved).
template <template <class> class Op>
struct op_of {
  template <class F>
  auto operator()(F&& f) const {
    return Op<std::decay_t<F>>(std::forward<F>(f));
  }
};

/// Sources (rdd, rdd expressions, dstreams) declare `using source_tag = void;` and a
/// `pipe(op)` member that applies one operator.
template <class S>
concept source = requires { typename std::remove_cvref_t<S>::source_tag; };

}  // namespace detail

/// A composition of operators: `ds::map(f) | ds::filter(p)`, applied left to right.
template <class... Ops>
struct pipeline : detail::op_base {
  using category = void;
  boost::hana::tuple<Ops...> ops;

  pipeline() = default;
  explicit pipeline(boost::hana::tuple<Ops...> t) : ops(std::move(t)) {}
};

namespace detail {

template <class T>
struct is_pipeline : std::false_type {};
template <class... Ops>
struct is_pipeline<pipeline<Ops...>> : std::true_type {};

template <class Op>
auto as_tuple(Op&& op) {
  if constexpr (is_pipeline<std::remove_cvref_t<Op>>::value) {
    return std::forward<Op>(op).ops;
  } else {
    return boost::hana::make_tuple(std::forward<Op>(op));
  }
}

template <class... Ops>
pipeline<Ops...> make_pipeline(boost::hana::tuple<Ops...> t) {
  return pipeline<Ops...>(std::move(t));
}

}  // namespace detail

/// `op | op`: composes two operators (or pipelines) into one pipeline.
template <detail::operator_object A, detail::operator_object B>
  requires(!detail::source<A>)
auto operator|(A&& a, B&& b) {
  return detail::make_pipeline(
      boost::hana::concat(detail::as_tuple(std::forward<A>(a)), detail::as_tuple(std::forward<B>(b))));
}

/// `source | op`: applies an operator (or each operator of a pipeline, in order).
template <detail::source S, detail::operator_object Op>
decltype(auto) operator|(S&& s, Op&& op) {
  if constexpr (detail::is_pipeline<std::remove_cvref_t<Op>>::value) {
    return boost::hana::fold_left(std::forward<Op>(op).ops, std::forward<S>(s),
                                  [](auto&& acc, auto&& o) -> decltype(auto) {
                                    return std::forward<decltype(acc)>(acc) | std::forward<decltype(o)>(o);
                                  });
  } else {
    return std::forward<S>(s).pipe(std::forward<Op>(op));
  }
}

}  // namespace dstream
