#pragma once
// Hash maps keyed by element keys: the map-side combiners of the shuffle and the state of
// stateful streams. Keys are stored owned (`std::string`) and looked up by view
// (`std::string_view`) without allocating: an existing key costs a hash and a compare.

#include <cstddef>
#include <cstdint>
#include <cstring>
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

/// Hashing and comparing short strings inline. Keys in keyed stages are mostly a few bytes
/// (words, ids): `std::hash<std::string_view>` is an out-of-line call to a general-purpose
/// byte hash, and `==` on strings an out-of-line `memcmp`; each cost more than the work
/// itself on such keys (about a fifth of a word count's loop). Here a key of up to 16
/// bytes is read as two possibly overlapping words, never past its end, and hashed with
/// one widening multiply; longer keys take one multiply per 16 bytes.
namespace bytes {

__extension__ typedef unsigned __int128 u128;

inline std::uint64_t load8(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline std::uint64_t load4(const char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
/// The high and low halves of a 128-bit product, xor-ed: every input bit reaches the
/// middle bits of the result.
inline std::uint64_t fold_mul(std::uint64_t a, std::uint64_t b) noexcept {
  const u128 r = static_cast<u128>(a) * b;
  return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

inline constexpr std::uint64_t k0 = 0x9e3779b97f4a7c15ull;  // 2^64 / golden ratio
inline constexpr std::uint64_t k1 = 0xc2b2ae3d27d4eb4full;
inline constexpr std::uint64_t k2 = 0x165667b19e3779f9ull;

/// A 64-bit hash of `n` bytes at `p`.
[[gnu::always_inline]] inline std::uint64_t hash(const char* p, std::size_t n) noexcept {
  std::uint64_t a = 0, b = 0, h = n * k0;
  if (n <= 16) {
    if (n >= 8) {
      a = load8(p);
      b = load8(p + n - 8);
    } else if (n >= 4) {
      a = load4(p);
      b = load4(p + n - 4);
    } else if (n > 0) {
      a = std::uint64_t{static_cast<unsigned char>(p[0])} << 16 |
          std::uint64_t{static_cast<unsigned char>(p[n >> 1])} << 8 | static_cast<unsigned char>(p[n - 1]);
    }
  } else {
    const char* const end = p + n;
    for (; end - p > 16; p += 16) h = fold_mul(load8(p) ^ k1, load8(p + 8) ^ h);
    a = load8(end - 16);
    b = load8(end - 8);
  }
  return fold_mul(a ^ k1, b ^ k2 ^ h);
}

/// Whether the `n` bytes at `a` and at `b` are equal.
[[gnu::always_inline]] inline bool equal(const char* a, const char* b, std::size_t n) noexcept {
  if (n >= 8 && n <= 16) {
    return ((load8(a) ^ load8(b)) | (load8(a + n - 8) ^ load8(b + n - 8))) == 0;
  }
  if (n >= 4 && n < 8) {
    return ((load4(a) ^ load4(b)) | (load4(a + n - 4) ^ load4(b + n - 4))) == 0;
  }
  if (n < 4) {
    for (std::size_t i = 0; i < n; ++i)
      if (a[i] != b[i]) return false;
    return true;
  }
  return std::memcmp(a, b, n) == 0;
}

}  // namespace bytes

/// The hash of keys: strings of every kind hash alike (so a view finds its owned key),
/// with `bytes::hash`; types with a `std::hash` use it, anything else `boost::hash`
/// (pairs, tuples, vectors). User key types need a `std::hash` specialisation or a
/// `hash_value` overload.
struct key_hash {
  using is_transparent = void;
  template <class T>
  std::size_t operator()(const T& x) const {
    if constexpr (string_like<T>) {
      const std::string_view s(x);
      return bytes::hash(s.data(), s.size());
    } else if constexpr (std_hashable<T>) {
      return std::hash<T>{}(x);
    } else {
      return boost::hash<T>{}(x);
    }
  }
};

/// Key equality, transparent so that `std::string_view` compares with `std::string`;
/// strings compare with `bytes::equal`.
struct key_equal {
  using is_transparent = void;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    if constexpr (string_like<A> && string_like<B>) {
      const std::string_view x(a), y(b);
      return x.size() == y.size() && bytes::equal(x.data(), y.data(), x.size());
    } else {
      return std::equal_to<>{}(a, b);
    }
  }
};

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
