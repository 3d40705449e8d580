#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/combine.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream {

/// Counts the occurrences of each distinct element.
///
/// Signature: `count_by_value([num_partitions])`: `rdd<T>` → `rdd<pair<T, std::int64_t>>`.
///
/// Example: `words | ds::count_by_value()`
class count_by_value_t : public detail::op_base, public detail::element_keyed, public detail::partitioned {
 public:
  using kind = detail::combine_kind;

  explicit count_by_value_t(std::size_t n) : partitioned{n} {}

  template <class X>
  struct types {
    using key = detail::owned_t<X>;
    using combiner = std::int64_t;
    using output = std::pair<key, std::int64_t>;
  };

  template <class X>
  static std::int64_t create(X&&) noexcept {
    return 1;
  }
  template <class X>
  static void merge_value(std::int64_t& c, X&&) noexcept {
    ++c;
  }
  static void merge_combiners(std::int64_t& c, std::int64_t&& other) noexcept { c += other; }
  template <class K>
  static std::pair<K, std::int64_t> output(K&& k, std::int64_t&& c) {
    return {std::move(k), c};
  }
};

namespace detail {
struct count_by_value_fn {
  count_by_value_t operator()(std::size_t num_partitions = 0) const { return count_by_value_t(num_partitions); }
};
}  // namespace detail

/// See `count_by_value_t`.
inline constexpr detail::count_by_value_fn count_by_value{};

}  // namespace dstream
