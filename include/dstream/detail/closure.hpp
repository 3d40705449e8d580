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
#include <dstream/detail/traits.hpp>

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

/// What `source | op` gives once an operator's `static_assert` has failed: every further
/// operator is absorbed, so the compiler reports that one message and not pages after it.
struct failed_pipeline {
  using source_tag = void;
  using value_type = bad_element;
  using element_type = bad_element;
  template <class Op>
  failed_pipeline pipe(Op&&) const {
    return {};
  }
  template <class U>
  operator U() const {
    return U();
  }
};

/// The element a source pushes into its first operator.
template <class S>
struct pushed {
  using type = const typename S::value_type&;
};
template <class S>
  requires requires { typename S::element_type; }
struct pushed<S> {
  using type = typename S::element_type;
};

/// The checks of a two-input operator (a union, a join or cogroup) on its inputs' element
/// types, made before anything is instantiated for them.
template <class L, class R, bool Union>
constexpr bool two_inputs_rejected() {
  if constexpr (Union) {
    static_assert(std::is_same_v<L, R>, "ds::union_with(other): both inputs must have the same element type (named below)");
    return !std::is_same_v<L, R>;
  } else {
    static_assert(is_pair_v<L>, "ds::join / ds::cogroup: the left input's elements must be std::pair<K, V>");
    static_assert(!is_pair_v<L> || is_pair_v<R>,
                  "ds::join / ds::cogroup: the right input's elements must be std::pair<K, W>");
    if constexpr (is_pair_v<L> && is_pair_v<R>) {
      constexpr bool same = std::is_same_v<owned_t<key_t<L>>, owned_t<key_t<R>>>;
      static_assert(same, "ds::join / ds::cogroup: both inputs must have the same key type (named below)");
      return !same;
    } else {
      return true;
    }
  }
}

/// Whether applying `Op` to a source pushing `X` failed one of `Op`'s checks (whose
/// `static_assert` this instantiates, once). Only the operators' own checks are asked.
template <class Op, class X>
constexpr bool rejected() {
  if constexpr (std::is_same_v<std::remove_cvref_t<X>, bad_element>) {
    return true;
  } else if constexpr (of_kind<Op, narrow_kind>) {
    // clang drops the members after a failed static_assert: no `out` is a failure too.
    if constexpr (requires { typename Op::template out<X>; }) {
      return std::is_same_v<typename Op::template out<X>, bad_element>;
    } else {
      return true;
    }
  } else if constexpr (of_kind<Op, combine_kind>) {
    if constexpr (requires { typename Op::template types<std::remove_cvref_t<X>>::output; }) {
      return std::is_same_v<typename Op::template types<std::remove_cvref_t<X>>::output, bad_element>;
    } else {
      return true;
    }
  } else if constexpr (of_kind<Op, union_kind> || of_kind<Op, cogroup_kind>) {
    return two_inputs_rejected<owned_t<X>, typename std::remove_cvref_t<decltype(std::declval<const Op&>().other())>::value_type,
                               of_kind<Op, union_kind>>();
  } else if constexpr (of_kind<Op, action_kind> && requires { typename Op::checked_action; }) {
    if constexpr (requires { Op::template check<X>::ok; }) {
      return !Op::template check<X>::ok;
    } else {
      return true;
    }
  } else {
    return false;
  }
}


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
    } else if constexpr (rejected<std::remove_cvref_t<Op>, typename pushed<std::remove_cvref_t<S>>::type>()) {
      return failed_pipeline{};  // the operator's own message has been reported
    } else {
      return std::forward<S>(s).pipe(std::forward<Op>(op));
    }
  }

  /// `x | op` where `x` is neither an rdd nor a dstream: most often the result of an
  /// action (collect, count) or an output (pprint, foreach_rdd), which end a pipeline.
  template <class S, class Op>
    requires(!source<S>) && (!operator_object<S>) && operator_object<Op>
  friend failed_pipeline operator|(S&&, Op&&) {
    static_assert(always_false<S>,
                  "dstream: the left side of | is not an rdd or a dstream (its type is named below): an action "
                  "(collect, count, reduce, take, ...) or an output (pprint, foreach_rdd, save_as_text_files) ends a "
                  "pipeline; apply the next operator to the rdd or dstream itself");
    return {};
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
