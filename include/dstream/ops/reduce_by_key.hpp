#pragma once

#include <cstddef>
#include <functional>
#include <type_traits>
#include <utility>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/combine.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream {

/// Merges the values of each key with an associative, commutative function, combining
/// on the map side first (as Spark does).
///
/// Signature: `reduce_by_key(f [, num_partitions])`, `f(V, V) -> V`:
/// `rdd<pair<K, V>>` → `rdd<pair<K, V>>` (a view key such as `std::string_view` becomes
/// its owner, `std::string`). Partitions: `num_partitions`, else for an rdd the largest
/// parent's count and for a dstream the default parallelism.
///
/// Example: `words | ds::map([](auto w) { return std::pair{w, 1}; }) | ds::reduce_by_key(std::plus<>{})`
template <class F>
class reduce_by_key_t : public detail::op_base, public detail::pair_keyed, public detail::partitioned {
 public:
  using kind = detail::combine_kind;

  reduce_by_key_t(F f, std::size_t n) : partitioned{n}, f_(std::move(f)) {}

  template <class X, bool = detail::pair_like<X>>
  struct types {
    static_assert(detail::is_pair_v<X>,
                  "ds::reduce_by_key(f): the elements must be std::pair<K, V>; the element type is named below "
                  "(map them to pairs first, e.g. with ds::map or ds::key_by)");
    using key = detail::bad_element;
    using combiner = detail::bad_element;
    using output = detail::bad_element;
  };
  template <class X>
  struct types<X, true> {
    using key = detail::owned_t<detail::key_t<X>>;
    using combiner = detail::owned_t<detail::value_t<X>>;
    // Checked with rvalues: merge_value hands f a fresh V when the element's value cannot be
    // passed as is (a view value, a move-only V taken by value).
    static constexpr bool callable = std::is_invocable_v<const F&, combiner&&, combiner&&>;
    static_assert(callable,
                  "ds::reduce_by_key(f): f must be callable as V(V, V) with the value type V of the pairs named below");
    static constexpr bool returns_v =
        std::is_convertible_v<typename detail::lazy_invoke<callable, F, combiner&&, combiner&&>::type, combiner>;
    static_assert(!callable || returns_v, "ds::reduce_by_key(f): f must return the value type V of the pairs named below");
    using output = std::conditional_t<callable && returns_v, std::pair<key, combiner>, detail::bad_element>;
  };

  template <class X>
  auto create(X&& x) const {
    return typename types<std::remove_cvref_t<X>>::combiner(detail::to_owned(value(std::forward<X>(x))));
  }
  template <class C, class X>
  void merge_value(C& c, X&& x) const {
    if constexpr (std::is_invocable_v<const F&, C&&, decltype(value(std::forward<X>(x)))>) {
      c = std::invoke(f_, std::move(c), value(std::forward<X>(x)));
    } else {
      c = std::invoke(f_, std::move(c), C(detail::to_owned(value(std::forward<X>(x)))));
    }
  }
  template <class C>
  void merge_combiners(C& c, C&& other) const {
    c = std::invoke(f_, std::move(c), std::move(other));
  }
  template <class K, class C>
  static std::pair<K, C> output(K&& k, C&& c) {
    return {std::move(k), std::move(c)};
  }

  const F& function() const noexcept { return f_; }

 private:
  F f_;
};

namespace detail {
struct reduce_by_key_fn {
  template <class F>
  auto operator()(F&& f, std::size_t num_partitions = 0) const {
    return reduce_by_key_t<std::decay_t<F>>(std::forward<F>(f), num_partitions);
  }
};
}  // namespace detail
/// See `reduce_by_key_t`.
inline constexpr detail::reduce_by_key_fn reduce_by_key{};

}  // namespace dstream
