#pragma once
// The operator protocol: what an operator object provides, by kind.
//
// Every operator is a closure type `xxx_t` deriving from `detail::op_base`, made by a public
// object `inline constexpr detail::xxx_fn xxx{};` whose call operator takes the operator's
// arguments (`ds::map(f)`, `ds::count()`, `ds::join(other, n)`). `source | closure` applies
// it; `closure | closure` composes; nothing runs at `|`.
//
// A closure names its kind with `using kind = detail::<kind>_kind;`. What a kind means to a
// source is chosen by ONE trait specialised per kind (as stdexec's per-algorithm
// `__sexpr_impl`): `detail::rdd_apply<Kind>::to_rdd(expr, op)` in batch/rdd.hpp and
// `detail::dstream_apply<Kind>::to_dstream(expr, op)` in stream/dstream.hpp; each source's
// `pipe` is one line. The kinds and what each closure provides:
//
// - narrow (`ds::narrow_operator`), fused into the stage's loop: `template <class X> using
//   out` (the type pushed when `X` is pushed in) and `template <class X, class Down> sink(Down
//   down)` returning a sink with `push(x)` and `finish()`. An operator that needs its
//   partition's context provides `sink<X>(down, const partition_info&)` instead and gets the
//   partition's index and batch time; operators that do not ask never see it. Partition-level
//   operators (glom, map_partitions) also declare `using partition_level = void;` and
//   provide `run_whole(span, down)`, used when they come first.
// - keyed combine (`ds::keyed_combine`), a shuffle with map-side combine: `types<X>` (key,
//   combiner, output), `key(x)`, `owned_key(x)`, `create(x)`, `merge_value(c, x)`,
//   `merge_combiners(c, c2)`, `output(k, c)`, and `partitions_or(n)` (from
//   `detail::partitioned`).
// - cogroup (two keyed inputs: joins, cogroup): `other()`, `with_other(o)`, `shape` (how a
//   key's two groups become output elements), `partitions_or(n)`.
// - union: `other()`, `with_other(o)`. repartition: `partitions()`.
// - counted (`ds::counted_operator`), a narrow operator that first needs every partition's
//   element count, as Spark runs a job to count: `bind(counts)` returning a narrow operator.
//   The stage before it is materialised once.
// - action (`ds::action`): `terminal<Y>` (a sink per partition), `make_terminal<Y>()`,
//   `result<Y>(terminals)`, optionally `enough<Y>(done)` (stop early, as take does). An action
//   that has a meaning on a dstream says so itself with `per_batch<Y>(terminals)`, returning
//   the batch's one element as a `std::optional` (count, reduce); the others are refused on a
//   dstream with a message pointing to `ds::foreach_rdd`.
// - stream (`ds::stream_operator`), meaningful on a dstream only (windows, state, outputs):
//   `apply(dstream<T>)`.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace dstream {

/// What an operator that asks for it learns of the partition it runs on: the partition's
/// index in its rdd and, in a stream, the batch time in milliseconds (0 for a plain rdd).
struct partition_info {
  std::size_t index = 0;
  std::int64_t time_ms = 0;
};

namespace detail {

// Operator kinds: they choose the specialisation of `rdd_apply` / `dstream_apply`.
struct narrow_kind {};       // element-wise, fused into the stage's loop
struct combine_kind {};      // keyed shuffle with map-side combine (reduce_by_key, ...)
struct cogroup_kind {};      // two keyed inputs grouped by key (join, cogroup, ...)
struct union_kind {};        // concatenation of two inputs' partitions
struct repartition_kind {};  // redistribution into n partitions
struct counted_kind {};      // narrow once the partitions' counts are known (zip_with_index)
struct action_kind {};       // runs the stage and returns a value (collect, count, ...)
struct stream_kind {};       // meaningful on a dstream only (window, state, outputs)

template <class Op>
using kind_of = typename std::remove_cvref_t<Op>::kind;

template <class Op, class Kind>
concept of_kind = requires { typename kind_of<Op>; } && std::same_as<kind_of<Op>, Kind>;

}  // namespace detail

/// An element-wise operator fused into the stage's loop (map, filter, flat_map, ...).
template <class Op>
concept narrow_operator = detail::of_kind<Op, detail::narrow_kind>;

/// A keyed aggregation through a shuffle with map-side combine (reduce_by_key, ...).
template <class Op>
concept keyed_combine = detail::of_kind<Op, detail::combine_kind>;

/// A narrow operator that first needs every partition's element count (zip_with_index).
template <class Op>
concept counted_operator = detail::of_kind<Op, detail::counted_kind>;

/// An operator that ends a stage: a keyed combine, a two-input operator, a repartition or
/// a counted operator.
template <class Op>
concept wide_operator = keyed_combine<Op> || counted_operator<Op> || detail::of_kind<Op, detail::cogroup_kind> ||
                        detail::of_kind<Op, detail::union_kind> || detail::of_kind<Op, detail::repartition_kind>;

/// An operator that runs the stage and returns a value (collect, count, reduce, take, ...).
template <class Op>
concept action = detail::of_kind<Op, detail::action_kind>;

/// An operator meaningful on a dstream only (windows, state, outputs, transform).
template <class Op>
concept stream_operator = detail::of_kind<Op, detail::stream_kind>;

namespace detail {

/// A narrow operator asking for its partition's context (see `partition_info`).
template <class Op, class X, class Down>
concept context_aware = requires(const Op& op, Down down, const partition_info& info) {
  op.template sink<X>(static_cast<Down&&>(down), info);
};

/// An action that has a meaning on a dstream: one element per batch.
template <class Op, class Y>
concept per_batch_action =
    requires(const Op& op, std::vector<typename Op::template terminal<Y>>&& terms) {
      op.template per_batch<Y>(static_cast<decltype(terms)&&>(terms));
    };

}  // namespace detail
}  // namespace dstream
