#pragma once

#include <functional>
#include <type_traits>
#include <utility>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/traits.hpp>
#include <dstream/detail/yield.hpp>

namespace dstream {

/// Applies `f` to the value of every key-value pair and pushes one pair, with the same
/// key, for each element of the range `f` returns.
///
/// Signature: `flat_map_values(f)`, `f(const V&) -> R` (a range or optional of `W`):
/// `rdd<pair<K, V>>` → `rdd<pair<K, W>>`.
///
/// Example: `pairs | ds::flat_map_values([](int n) { return std::vector{n, n + 1}; })`
template <class F>
class flat_map_values_t : public detail::op_base {
 public:
  using kind = detail::narrow_kind;
  using restartable = void;  // its sink keeps nothing between elements (detail/fusion.hpp)

  explicit flat_map_values_t(F f) : f_(std::move(f)) {}

  template <class X, bool = detail::pair_like<X>>
  struct out_ {
    static_assert(detail::is_pair_v<X>,
                  "ds::flat_map_values(f): the elements must be std::pair<K, V>; the element type is named below");
    using type = detail::bad_element;
  };
  template <class X>
  struct out_<X, true> {
    using value_ref = const detail::value_t<X>&;
    static constexpr bool callable = std::is_invocable_v<const F&, value_ref>;
    static_assert(callable,
                  "ds::flat_map_values(f): f cannot be called with the value type V of the pairs named below");
    using result = typename detail::lazy_invoke<callable, F, value_ref>::type;
    static constexpr bool ranged = !callable || detail::yieldable<result>;
    static_assert(ranged, "ds::flat_map_values(f): f must return a range or an optional");
    using type = std::pair<detail::key_t<X>,
                           std::remove_cvref_t<typename detail::lazy_yield<callable && ranged, result>::type>>;
  };
  template <class X>
  using out = typename out_<X>::type;

  template <class Down>
  struct sink_t {
    const F* f;
    Down down;
    template <class X>
    void push(X&& x) {
      if constexpr (!std::is_same_v<out<X>, detail::bad_element>) {
        detail::yield_each(std::invoke(*f, std::as_const(x.second)), [&](auto&& y) {
          down.push(out<X>(x.first, static_cast<decltype(y)>(y)));
        });
      }
    }
    void finish() { down.finish(); }
  };
  template <class X, class Down>
  auto sink(Down down) const {
    return sink_t<Down>{&f_, std::move(down)};
  }

 private:
  F f_;
};

namespace detail {
struct flat_map_values_fn : op_of<flat_map_values_t> {};
}  // namespace detail

/// See `flat_map_values_t`.
inline constexpr detail::flat_map_values_fn flat_map_values{};

}  // namespace dstream
