#pragma once

#include <functional>
#include <type_traits>
#include <utility>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream {

/// Applies `f` to every element.
///
/// Signature: `map(f)`, `f(const T&) -> U`: `rdd<T>` → `rdd<U>`, `dstream<T>` → `dstream<U>`.
///
/// Example: `nums | ds::map([](int x) { return x * 2; })`
template <class F>
class map_t : public detail::op_base {
 public:
  using kind = detail::narrow_kind;
  using restartable = void;  // its sink keeps nothing between elements (detail/fusion.hpp)

  explicit map_t(F f) : f_(std::move(f)) {}

  template <class X>
  struct out_ {
    static constexpr bool callable = std::is_invocable_v<const F&, X>;
    static_assert(callable,
                  "ds::map(f): f cannot be called with the element type; it must accept the element "
                  "(const T& or T) named in the instantiation below");
    using result = typename detail::lazy_invoke<callable, F, X>::type;
    static_assert(!std::is_void_v<result>,
                  "ds::map(f): f returns void, but map needs a value for every element; use ds::foreach for side effects");
    using type = std::conditional_t<std::is_void_v<result>, detail::bad_element, result>;
  };
  template <class X>
  using out = typename out_<X>::type;

  template <class Down>
  struct sink_t {
    const F* f;
    Down down;
    template <class X>
    void push(X&& x) {
      if constexpr (std::is_invocable_v<const F&, X>) down.push(std::invoke(*f, std::forward<X>(x)));
    }
    void finish() { down.finish(); }
  };
  template <class X, class Down>
  auto sink(Down down) const {
    return sink_t<Down>{&f_, std::move(down)};
  }

  const F& function() const noexcept { return f_; }

 private:
  F f_;
};

namespace detail {
struct map_fn : op_of<map_t> {};
}  // namespace detail

/// See `map_t`.
inline constexpr detail::map_fn map{};

}  // namespace dstream
