#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/combine.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream {

/// Keeps one copy of each distinct element.
///
/// Signature: `distinct([num_partitions])`: `rdd<T>` → `rdd<T>` (`T` needs a hash and `==`).
///
/// Example: `words | ds::distinct()`
class distinct_t : public detail::op_base, public detail::element_keyed, public detail::partitioned {
 public:
  using kind = detail::combine_kind;

  explicit distinct_t(std::size_t n) : partitioned{n} {}

  struct nothing {};
  template <class X>
  struct types {
    using key = detail::owned_t<X>;
    using combiner = nothing;
    using output = key;
  };

  template <class X>
  static nothing create(X&&) noexcept {
    return {};
  }
  template <class X>
  static void merge_value(nothing&, X&&) noexcept {}
  static void merge_combiners(nothing&, nothing&&) noexcept {}
  template <class K>
  static K output(K&& k, nothing&&) {
    return std::move(k);
  }
};

namespace detail {
struct distinct_fn {
  distinct_t operator()(std::size_t num_partitions = 0) const { return distinct_t(num_partitions); }
};
}  // namespace detail

/// See `distinct_t`.
inline constexpr detail::distinct_fn distinct{};

}  // namespace dstream
