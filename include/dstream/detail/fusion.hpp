#pragma once
// Fusion: the narrow operators of a stage fold right-to-left into one nested sink, so a
// stage over a partition is literally `for (auto&& x : partition) sink.push(x);`.
//
// A sink has `push(x)` (called once per element, calls its downstream zero or more times)
// and `finish()` (called once at the end of the partition). Narrow operators provide
// `out<X>` (the type they push when given an `X`) and `sink(down)`, or `sink(down, info)`
// when they need the partition's `partition_info` (it is passed to those only, by
// reference, once per partition); partition-level ones (glom, map_partitions) also provide
// `run_whole(span, down)`, used when they come first. See detail/protocol.hpp.

#include <cstddef>
#include <span>
#include <type_traits>
#include <utility>

#include <boost/hana/at.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/tuple.hpp>

#include <dstream/detail/protocol.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream::detail {

/// The type pushed out of a chain of narrow operators when `X` is pushed in.
template <class X, class... Ops>
struct flow {
  using type = X;
};
template <class X, class Op, class... Rest>
struct flow<X, Op, Rest...> : flow<typename Op::template out<X>, Rest...> {};

template <class X, class Tuple>
struct flow_tuple;
template <class X, class... Ops>
struct flow_tuple<X, boost::hana::tuple<Ops...>> : flow<X, Ops...> {};

/// Element type pushed by a stage reading `const T&` through the operators `Tuple`.
template <class T, class Tuple>
using flow_t = typename flow_tuple<const T&, Tuple>::type;

/// The bottom of a chain: forwards into a terminal that lives in the caller's frame.
template <class Term>
struct ref_sink {
  Term* term;
  template <class X>
  void push(X&& x) {
    term->push(std::forward<X>(x));
  }
  void finish() { term->finish(); }
};

/// Builds the sink of operators `I..` of `ops` around `down`, for `X` pushed into operator
/// `I`: types flow left to right, sinks nest right to left.
template <class X, std::size_t I, class Tuple, class Down>
auto fuse_from(const Tuple& ops, Down down, const partition_info& info) {
  constexpr std::size_t n = decltype(boost::hana::length(ops))::value;
  if constexpr (I == n) {
    return down;
  } else {
    const auto& op = boost::hana::at_c<I>(ops);
    using Op = std::remove_cvref_t<decltype(op)>;
    using Y = typename Op::template out<X>;
    auto next = fuse_from<Y, I + 1>(ops, std::move(down), info);
    if constexpr (context_aware<Op, X, decltype(next)>) {
      return op.template sink<X>(std::move(next), info);
    } else {
      return op.template sink<X>(std::move(next));
    }
  }
}

/// The fused sink of all operators of `ops` for `X` pushed in.
template <class X, class Tuple, class Down>
auto fuse(const Tuple& ops, Down down, const partition_info& info) {
  return fuse_from<X, 0>(ops, std::move(down), info);
}

template <class Op>
concept partition_level = requires { typename std::remove_cvref_t<Op>::partition_level; };

template <class Term, class T>
concept whole_partition_terminal = requires(Term& t, std::span<const T> s) { t.whole(s); };

/// Runs one partition through the fused operators into `term`, in place.
template <class T, class Tuple, class Term>
void run_partition_in_place(std::span<const T> part, const Tuple& ops, Term& term, const partition_info& info) {
  constexpr std::size_t n = decltype(boost::hana::length(ops))::value;
  if constexpr (n == 0) {
    if constexpr (whole_partition_terminal<Term, T>) {
      term.whole(part);
    } else {
      for (const T& x : part) term.push(x);
    }
    term.finish();
  } else if constexpr (partition_level<decltype(boost::hana::at_c<0>(ops))>) {
    // A partition-level operator first sees the partition itself: no copy.
    const auto& first = boost::hana::at_c<0>(ops);
    using Y = typename std::remove_cvref_t<decltype(first)>::template out<const T&>;
    auto down = fuse_from<Y, 1>(ops, ref_sink<Term>{&term}, info);
    first.run_whole(part, down);
    down.finish();
  } else {
    auto sink = fuse<const T&>(ops, ref_sink<Term>{&term}, info);
    for (const T& x : part) sink.push(x);
    sink.finish();
  }
}

/// Runs one partition through the fused operators into `term`.
///
/// The stage fills a copy of the terminal on the running thread's stack, moved back at
/// the end: the terminals of neighbouring partitions sit side by side in one vector, and
/// updating them in place from several threads would bounce their shared cache lines
/// between cores (a count on two threads then ran slower than half the one-thread time).
///
/// Out of line and hot: inlined into `main()`, which g++ optimises as run once (for size:
/// a `%` by a constant became an `idiv`), the same pipeline ran at half the speed it has
/// in an ordinary function. Its own function, the kernel is optimised alike wherever the
/// pipeline is written. (Standing alone, it shows g++ 12 a moved-from `std::optional` in
/// the terminal that it then reports as maybe uninitialised: a false positive, silenced
/// here only.)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
template <class T, class Tuple, class Term>
[[gnu::hot, gnu::noinline]] void run_partition(std::span<const T> part, const Tuple& ops, Term& term,
                                               const partition_info& info = {}) {
  if constexpr (std::is_move_constructible_v<Term> && std::is_move_assignable_v<Term>) {
    Term local = std::move(term);
    run_partition_in_place<T>(part, ops, local, info);
    term = std::move(local);
  } else {
    run_partition_in_place<T>(part, ops, term, info);
  }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace dstream::detail
