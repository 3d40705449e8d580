#pragma once

#include <cstddef>
#include <functional>
#include <type_traits>
#include <utility>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/combine.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream {

/// The general keyed aggregation: `create(v)` starts a combiner from a key's first value in
/// a partition, `merge_value(c, v)` folds in the next ones, `merge_combiners(c1, c2)` merges
/// the combiners of different partitions.
///
/// Signature: `combine_by_key(create, merge_value, merge_combiners [, num_partitions])` with
/// `create(V) -> C`, `merge_value(C, V) -> C`, `merge_combiners(C, C) -> C`:
/// `rdd<pair<K, V>>` → `rdd<pair<K, C>>`.
///
/// Example (per-key average): `pairs | ds::combine_by_key(
///     [](int v) { return std::pair{v, 1}; },
///     [](std::pair<int, int> c, int v) { return std::pair{c.first + v, c.second + 1}; },
///     [](std::pair<int, int> a, std::pair<int, int> b) { return std::pair{a.first + b.first, a.second + b.second}; })`
template <class Create, class MergeValue, class MergeCombiners>
class combine_by_key_t : public detail::op_base, public detail::pair_keyed, public detail::partitioned {
 public:
  using kind = detail::combine_kind;

  combine_by_key_t(Create c, MergeValue mv, MergeCombiners mc, std::size_t n)
      : partitioned{n}, create_(std::move(c)), merge_value_(std::move(mv)), merge_combiners_(std::move(mc)) {}

  template <class X, bool = detail::pair_like<X>>
  struct types {
    static_assert(detail::is_pair_v<X>,
                  "ds::combine_by_key(...): the elements must be std::pair<K, V>; the element type is named below");
    using key = detail::bad_element;
    using combiner = detail::bad_element;
    using output = detail::bad_element;
  };
  template <class X>
  struct types<X, true> {
    using key = detail::owned_t<detail::key_t<X>>;
    using value = detail::owned_t<detail::value_t<X>>;
    static constexpr bool creatable = std::is_invocable_v<const Create&, value&&>;
    static_assert(creatable,
                  "ds::combine_by_key(create, ...): create must be callable as C(V) with the value type V of the pairs named below");
    using combiner = std::decay_t<typename detail::lazy_invoke<creatable, Create, value&&>::type>;
    static_assert(!creatable || std::is_invocable_v<const MergeValue&, combiner&&, value&&>,
                  "ds::combine_by_key(create, merge_value, ...): merge_value must be callable as C(C, V)");
    static_assert(!creatable || std::is_invocable_v<const MergeCombiners&, combiner&&, combiner&&>,
                  "ds::combine_by_key(create, merge_value, merge_combiners): merge_combiners must be callable as C(C, C)");
    static constexpr bool ok = creatable && std::is_invocable_v<const MergeValue&, combiner&&, value&&> &&
                               std::is_invocable_v<const MergeCombiners&, combiner&&, combiner&&>;
    using output = std::conditional_t<ok, std::pair<key, combiner>, detail::bad_element>;
  };

  template <class X>
  auto create(X&& x) const {
    using V = typename types<std::remove_cvref_t<X>>::value;
    return typename types<std::remove_cvref_t<X>>::combiner(
        std::invoke(create_, V(detail::to_owned(value(std::forward<X>(x))))));
  }
  template <class C, class X>
  void merge_value(C& c, X&& x) const {
    using V = typename types<std::remove_cvref_t<X>>::value;
    c = std::invoke(merge_value_, std::move(c), V(detail::to_owned(value(std::forward<X>(x)))));
  }
  template <class C>
  void merge_combiners(C& c, C&& other) const {
    c = std::invoke(merge_combiners_, std::move(c), std::move(other));
  }
  template <class K, class C>
  static std::pair<K, C> output(K&& k, C&& c) {
    return {std::move(k), std::move(c)};
  }

 private:
  Create create_;
  MergeValue merge_value_;
  MergeCombiners merge_combiners_;
};

namespace detail {
struct combine_by_key_fn {
  template <class C, class MV, class MC>
  auto operator()(C&& create, MV&& merge_value, MC&& merge_combiners, std::size_t num_partitions = 0) const {
    return combine_by_key_t<std::decay_t<C>, std::decay_t<MV>, std::decay_t<MC>>(
        std::forward<C>(create), std::forward<MV>(merge_value), std::forward<MC>(merge_combiners), num_partitions);
  }
};
}  // namespace detail
/// See `combine_by_key_t`.
inline constexpr detail::combine_by_key_fn combine_by_key{};

}  // namespace dstream
