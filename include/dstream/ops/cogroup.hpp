#pragma once

#include <dstream/detail/cogroup.hpp>

namespace dstream {

/// The closure of `cogroup`.
template <class Other>
using cogroup_t = detail::cogroup_op<Other, detail::cogroup_shape>;

/// Groups both inputs by key: one `(k, (vs, ws))` per key present in either input.
///
/// Signature: `cogroup(other [, num_partitions])`: `rdd<pair<K, V>>`, `rdd<pair<K, W>>` →
/// `rdd<pair<K, pair<std::vector<V>, std::vector<W>>>>`.
///
/// Example: `orders | ds::cogroup(payments)`
inline constexpr detail::cogroup_fn cogroup{};

}  // namespace dstream
