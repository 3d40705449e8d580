#pragma once
// Pieces shared by the keyed wide operators (reduce_by_key, group_by_key, combine_by_key,
// count_by_value, distinct). Each of them describes a combine: how to take the key of an
// element, start a combiner from it, fold another element into a combiner, merge two
// combiners, and turn (key, combiner) into an output element. The shuffle in batch/ runs
// any such description with a map-side combine.

#include <cstddef>
#include <type_traits>
#include <utility>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream::detail {

/// Base of the combines over `std::pair<K, V>` elements: the key is `first`.
struct pair_keyed {
  template <class X>
  static const auto& key(const X& x) noexcept {
    return x.first;
  }
  template <class X>
  static auto owned_key(X&& x) {
    return owned_t<key_t<X>>(to_owned(forward_like<X>(x.first)));
  }
  template <class X>
  static decltype(auto) value(X&& x) {
    return forward_like<X>(x.second);
  }
};

/// Base of the combines whose key is the element itself (count_by_value, distinct).
struct element_keyed {
  template <class X>
  static const X& key(const X& x) noexcept {
    return x;
  }
  template <class X>
  static auto owned_key(X&& x) {
    return owned_t<X>(to_owned(std::forward<X>(x)));
  }
};

/// The number of output partitions of a wide operator: its own if given, else `fallback`.
struct partitioned {
  std::size_t partitions = 0;  // 0: the default (see the source's rules)
  std::size_t partitions_or(std::size_t fallback) const noexcept { return partitions ? partitions : fallback; }
};

}  // namespace dstream::detail
