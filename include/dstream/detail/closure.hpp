#pragma once
// Operators as closures: `source | op` applies an operator to a source (an rdd, a lazy rdd
// expression, a dstream); `op | op` composes operators into a pipeline, a Boost.Hana
// tuple that is applied element by element. Nothing runs at `|`. Both `|` are hidden
// friends of `op_base`, found only when an operator is involved. What each kind of
// operator provides is described in detail/protocol.hpp.

#include <type_traits>
#include <utility>

#include <boost/hana/basic_tuple.hpp>
#include <boost/hana/concat.hpp>
#include <boost/hana/fold_left.hpp>
#include <boost/hana/tuple.hpp>

#include <dstream/detail/protocol.hpp>

namespace dstream {

template <class... Ops>
struct pipeline;

namespace detail {

/// Sources (rdd, rdd expressions, dstreams) declare `using source_tag = void;` and a
/// `pipe(op)` member that applies one operator.
template <class S>
concept source = requires { typename std::remove_cvref_t<S>::source_tag; };

template <class T>
struct is_pipeline : std::false_type {};
template <class... Ops>
struct is_pipeline<pipeline<Ops...>> : std::true_type {};

template <class Op>
auto as_tuple(Op&& op);

template <class... Ops>
pipeline<Ops...> make_pipeline(boost::hana::tuple<Ops...> t);

struct op_base;

template <class T>
concept operator_object = std::is_base_of_v<op_base, std::remove_cvref_t<T>>;

/// Every operator object derives from `op_base`; its `kind` says how it applies.
struct op_base {
  /// `op | op`: composes two operators (or pipelines) into one pipeline.
  template <class A, class B>
    requires operator_object<A> && operator_object<B> && (!source<A>)
  friend auto operator|(A&& a, B&& b) {
    return make_pipeline(boost::hana::concat(as_tuple(std::forward<A>(a)), as_tuple(std::forward<B>(b))));
  }

  /// `source | op`: applies an operator (or each operator of a pipeline, in order).
  template <class S, class Op>
    requires source<S> && operator_object<Op>
  friend decltype(auto) operator|(S&& s, Op&& op) {
    if constexpr (is_pipeline<std::remove_cvref_t<Op>>::value) {
      return boost::hana::fold_left(std::forward<Op>(op).ops, std::forward<S>(s),
                                    [](auto&& acc, auto&& o) -> decltype(auto) {
                                      return std::forward<decltype(acc)>(acc) | std::forward<decltype(o)>(o);
                                    });
    } else {
      return std::forward<S>(s).pipe(std::forward<Op>(op));
    }
  }
};

/// The object behind the name of an operator that takes one function: `name(f)` makes
/// `Op<F>` holding a copy of `f` (or `f` itself, moved). Public names are spelled
/// `inline constexpr detail::name_fn name{};` with `struct name_fn : op_of<name_t> {};`.
template <template <class> class Op>
struct op_of {
  template <class F>
  auto operator()(F&& f) const {
    return Op<std::decay_t<F>>(std::forward<F>(f));
  }
};

}  // namespace detail

/// A composition of operators: `ds::map(f) | ds::filter(p)`, applied left to right.
template <class... Ops>
struct pipeline : detail::op_base {
  using kind = void;
  boost::hana::tuple<Ops...> ops;

  pipeline() = default;
  explicit pipeline(boost::hana::tuple<Ops...> t) : ops(std::move(t)) {}
};

namespace detail {

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
}  // namespace dstream
