#pragma once
// Hash maps keyed by element keys: the map-side combiners of the shuffle and the state of
// stateful streams. Keys are stored owned (`std::string`) and looked up by view
// (`std::string_view`) without allocating: an existing key costs a hash and a compare.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/container_hash/hash.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#include <dstream/detail/traits.hpp>

namespace dstream::detail {

template <class T>
concept string_like = std::is_convertible_v<const T&, std::string_view> &&
                      !std::is_same_v<std::remove_cvref_t<T>, std::nullptr_t>;

template <class T>
concept std_hashable = requires(const T& x) {
  { std::hash<T>{}(x) } -> std::convertible_to<std::size_t>;
};

/// The hash of keys: strings of every kind hash as `std::string_view` (so a view finds its
/// owned key), types with a `std::hash` use it, anything else `boost::hash` (pairs, tuples,
/// vectors). User key types need a `std::hash` specialisation or a `hash_value` overload.
struct key_hash {
  using is_transparent = void;
  template <class T>
  std::size_t operator()(const T& x) const {
    if constexpr (string_like<T>) {
      return std::hash<std::string_view>{}(std::string_view(x));
    } else if constexpr (std_hashable<T>) {
      return std::hash<T>{}(x);
    } else {
      return boost::hash<T>{}(x);
    }
  }
};

/// Key equality, transparent so that `std::string_view` compares with `std::string`.
using key_equal = std::equal_to<>;

/// A combiner map from owned keys to `V`.
template <class K, class V>
using key_map = boost::unordered_flat_map<K, V, key_hash, key_equal>;

/// True when a key pushed as `In` can be looked up in a map whose keys are `K` without
/// building a `K` first.
template <class K, class In>
inline constexpr bool lookup_as_is =
    std::is_same_v<K, std::remove_cvref_t<In>> || (string_like<K> && string_like<std::remove_cvref_t<In>>);

/// Finds `k` in `m`, converting it to the map's key type only when it must.
///
/// Always inlined: it runs once per element of a keyed stage, and g++ otherwise leaves it
/// out of a large fused loop (a call per element, about 8% more instructions in the
/// word count benchmark).
template <class Map, class In>
[[gnu::always_inline]] inline auto find_key(Map& m, const In& k) {
  using K = typename Map::key_type;
  if constexpr (lookup_as_is<K, In>) {
    return m.find(k);
  } else {
    return m.find(K(k));
  }
}

/// Index of the partition (of `n`) a key belongs to, the same for a view and its owner.
template <class In>
std::size_t partition_of(const In& k, std::size_t n) {
  return n <= 1 ? 0 : key_hash{}(k) % n;
}

}  // namespace dstream::detail
