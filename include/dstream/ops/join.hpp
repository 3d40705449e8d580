#pragma once

#include <dstream/detail/cogroup.hpp>

namespace dstream {

/// The closures of the joins (`other` is an rdd, an rdd expression, a dstream or a dstream
/// expression).
template <class Other>
using join_t = detail::cogroup_op<Other, detail::join_shape>;
template <class Other>
using left_outer_join_t = detail::cogroup_op<Other, detail::left_outer_join_shape>;
template <class Other>
using right_outer_join_t = detail::cogroup_op<Other, detail::right_outer_join_shape>;
template <class Other>
using full_outer_join_t = detail::cogroup_op<Other, detail::full_outer_join_shape>;

/// Inner join on the key: one `(k, (v, w))` for every pair of values of a key present in
/// both inputs.
///
/// Signature: `join(other [, num_partitions])`: `rdd<pair<K, V>>`, `rdd<pair<K, W>>` →
/// `rdd<pair<K, pair<V, W>>>` (dstreams likewise, batch by batch).
///
/// Example: `clicks | ds::join(users)`
inline constexpr detail::join_fn join{};

/// Left outer join: every `(k, v)` of the left input, with `std::optional<W>` values from
/// the right (`std::nullopt` when the key is absent there).
///
/// Signature: `left_outer_join(other [, num_partitions])` → `rdd<pair<K, pair<V, std::optional<W>>>>`.
inline constexpr detail::left_outer_join_fn left_outer_join{};

/// Right outer join: every `(k, w)` of the right input, with `std::optional<V>` values from the left.
///
/// Signature: `right_outer_join(other [, num_partitions])` → `rdd<pair<K, pair<std::optional<V>, W>>>`.
inline constexpr detail::right_outer_join_fn right_outer_join{};

/// Full outer join: every key of either input, each side optional.
///
/// Signature: `full_outer_join(other [, num_partitions])` →
/// `rdd<pair<K, pair<std::optional<V>, std::optional<W>>>>`.
inline constexpr detail::full_outer_join_fn full_outer_join{};

}  // namespace dstream
