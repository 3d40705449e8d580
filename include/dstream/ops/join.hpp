#pragma once

#include <dstream/detail/cogroup.hpp>

namespace dstream {

/// Inner join on the key: one `(k, (v, w))` for every pair of values of a key present in
/// both inputs.
///
/// Signature: `join(other [, num_partitions])`: `rdd<pair<K, V>>`, `rdd<pair<K, W>>` →
/// `rdd<pair<K, pair<V, W>>>` (dstreams likewise, batch by batch).
///
/// Example: `clicks | ds::join(users)`
inline constexpr detail::cogroup_fn<detail::join_kind> join{};

/// Left outer join: every `(k, v)` of the left input, with `std::optional<W>` values from
/// the right (`std::nullopt` when the key is absent there).
///
/// Signature: `left_outer_join(other [, num_partitions])` → `rdd<pair<K, pair<V, std::optional<W>>>>`.
inline constexpr detail::cogroup_fn<detail::left_outer_join_kind> left_outer_join{};

/// Right outer join: every `(k, w)` of the right input, with `std::optional<V>` values from the left.
///
/// Signature: `right_outer_join(other [, num_partitions])` → `rdd<pair<K, pair<std::optional<V>, W>>>`.
inline constexpr detail::cogroup_fn<detail::right_outer_join_kind> right_outer_join{};

/// Full outer join: every key of either input, each side optional.
///
/// Signature: `full_outer_join(other [, num_partitions])` →
/// `rdd<pair<K, pair<std::optional<V>, std::optional<W>>>>`.
inline constexpr detail::cogroup_fn<detail::full_outer_join_kind> full_outer_join{};

}  // namespace dstream
