#pragma once

#include <cstddef>
#include <iterator>
#include <type_traits>
#include <utility>
#include <vector>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/combine.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream {

/// Groups the values of each key into a vector (in the order they were met within each
/// map-side partition, partitions in order).
///
/// Signature: `group_by_key([num_partitions])`: `rdd<pair<K, V>>` → `rdd<pair<K, std::vector<V>>>`.
///
/// Example: `pairs | ds::group_by_key()`
class group_by_key_t : public detail::op_base, public detail::pair_keyed, public detail::partitioned {
 public:
  using kind = detail::combine_kind;

  explicit group_by_key_t(std::size_t n) : partitioned{n} {}

  template <class X, bool = detail::pair_like<X>>
  struct types {
    static_assert(detail::is_pair_v<X>,
                  "ds::group_by_key(): the elements must be std::pair<K, V>; the element type is named below");
    using key = detail::bad_element;
    using combiner = detail::bad_element;
    using output = detail::bad_element;
  };
  template <class X>
  struct types<X, true> {
    using key = detail::owned_t<detail::key_t<X>>;
    using combiner = std::vector<detail::owned_t<detail::value_t<X>>>;
    using output = std::pair<key, combiner>;
  };

  template <class X>
  auto create(X&& x) const {
    typename types<std::remove_cvref_t<X>>::combiner c;
    c.emplace_back(detail::to_owned(value(std::forward<X>(x))));
    return c;
  }
  template <class C, class X>
  void merge_value(C& c, X&& x) const {
    c.emplace_back(detail::to_owned(value(std::forward<X>(x))));
  }
  template <class C>
  void merge_combiners(C& c, C&& other) const {
    c.insert(c.end(), std::make_move_iterator(other.begin()), std::make_move_iterator(other.end()));
  }
  template <class K, class C>
  static std::pair<K, C> output(K&& k, C&& c) {
    return {std::move(k), std::move(c)};
  }
};

namespace detail {
struct group_by_key_fn {
  group_by_key_t operator()(std::size_t num_partitions = 0) const { return group_by_key_t(num_partitions); }
};
}  // namespace detail

/// See `group_by_key_t`.
inline constexpr detail::group_by_key_fn group_by_key{};

}  // namespace dstream
