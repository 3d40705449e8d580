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

#include <concepts>
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

/// The bottom of a chain: forwards into a terminal that lives in the caller's frame
/// (`Seeded`: into `push_seeded`, see `run_seeded`).
template <class Term, bool Seeded = false>
struct ref_sink {
  Term* term;
  template <class X>
  void push(X&& x) {
    if constexpr (Seeded) {
      term->push_seeded(std::forward<X>(x));
    } else {
      term->push(std::forward<X>(x));
    }
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

/// A narrow operator whose sink keeps nothing from one element to the next and whose
/// `finish` only forwards (map, filter, flat_map, ...): a chain of such sinks can be built
/// again in the middle of a partition.
template <class Op>
concept restartable = requires { typename std::remove_cvref_t<Op>::restartable; };

template <class Tuple>
struct all_restartable : std::false_type {};
template <class... Ops>
struct all_restartable<boost::hana::tuple<Ops...>> : std::bool_constant<(restartable<Ops> && ...)> {};

/// A terminal that tests for its first element (a reduce without an identity): once
/// `seeded()`, `push_seeded(x)` does the same without the test.
template <class Term>
concept seedable = requires(Term& t) {
  { t.seeded() } -> std::convertible_to<bool>;
};

/// The fused loop into a `seedable` terminal through `restartable` operators. The
/// first-element test would stay in the loop's dependency chain (two conditional moves an
/// element where a hand-written loop, starting from a known identity, has one: 1.3x its
/// time). It runs only until the terminal holds a value; the rest of the partition goes
/// through the same operators, built again, into `push_seeded`.
template <class T, class Tuple, class Term>
void run_seeded(std::span<const T> part, const Tuple& ops, Term& term, const partition_info& info) {
  auto it = part.begin();
  const auto end = part.end();
  {
    auto first = fuse<const T&>(ops, ref_sink<Term>{&term}, info);
    while (it != end && !term.seeded()) first.push(*it++);
  }
  auto rest = fuse<const T&>(ops, ref_sink<Term, true>{&term}, info);
  for (; it != end; ++it) rest.push(*it);
  rest.finish();
}

/// Runs one partition through the fused operators into `term`, in place.
template <class T, class Tuple, class Term>
void run_partition_in_place(std::span<const T> part, const Tuple& ops, Term& term, const partition_info& info) {
  constexpr std::size_t n = decltype(boost::hana::length(ops))::value;
  if constexpr (n == 0) {
    if constexpr (whole_partition_terminal<Term, T>) {
      term.whole(part);
      term.finish();
    } else if constexpr (seedable<Term>) {
      run_seeded<T>(part, ops, term, info);
    } else {
      for (const T& x : part) term.push(x);
      term.finish();
    }
  } else if constexpr (partition_level<decltype(boost::hana::at_c<0>(ops))>) {
    // A partition-level operator first sees the partition itself: no copy.
    const auto& first = boost::hana::at_c<0>(ops);
    using Y = typename std::remove_cvref_t<decltype(first)>::template out<const T&>;
    auto down = fuse_from<Y, 1>(ops, ref_sink<Term>{&term}, info);
    first.run_whole(part, down);
    down.finish();
  } else if constexpr (seedable<Term> && all_restartable<Tuple>::value) {
    run_seeded<T>(part, ops, term, info);
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
