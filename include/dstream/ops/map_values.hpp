#pragma once

#include <functional>
#include <type_traits>
#include <utility>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream {

/// Applies `f` to the value of every key-value pair, keeping the key.
///
/// Signature: `map_values(f)`, `f(const V&) -> W`: `rdd<pair<K, V>>` → `rdd<pair<K, W>>`.
///
/// Example: `counts | ds::map_values([](int n) { return n * 10; })`
template <class F>
class map_values_t : public detail::op_base {
 public:
  using kind = detail::narrow_kind;
  using restartable = void;  // its sink keeps nothing between elements (detail/fusion.hpp)

  explicit map_values_t(F f) : f_(std::move(f)) {}

  template <class X, bool = detail::pair_like<X>>
  struct out_ {
    static_assert(detail::is_pair_v<X>,
                  "ds::map_values(f): the elements must be std::pair<K, V>; the element type is named below");
    using type = detail::bad_element;
  };
  template <class X>
  struct out_<X, true> {
    using value_ref = decltype(detail::forward_like<X>(std::declval<X&>().second));
    static constexpr bool callable = std::is_invocable_v<const F&, value_ref>;
    static_assert(callable,
                  "ds::map_values(f): f cannot be called with the value type V of the pairs named below");
    using result = typename detail::lazy_invoke<callable, F, value_ref>::type;
    static_assert(!std::is_void_v<result>, "ds::map_values(f): f returns void; it must return the new value");
    using type = std::pair<detail::key_t<X>, std::decay_t<result>>;
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
        down.push(out<X>(detail::forward_like<X>(x.first), std::invoke(*f, detail::forward_like<X>(x.second))));
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
struct map_values_fn : op_of<map_values_t> {};
}  // namespace detail

/// See `map_values_t`.
inline constexpr detail::map_values_fn map_values{};

}  // namespace dstream
