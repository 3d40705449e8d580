#pragma once

#include <functional>
#include <type_traits>
#include <utility>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/traits.hpp>
#include <dstream/detail/yield.hpp>

namespace dstream {

/// Applies `f` to every element and pushes each element of the range it returns.
///
/// Signature: `flat_map(f)`, `f(const T&) -> R` where `R` is any range (a container, a std
/// or range-v3 view, `ds::split(...)`) or an optional: `rdd<T>` → `rdd<range_value_t<R>>`.
///
/// Example: `lines | ds::flat_map([](const std::string& l) { return ds::split(l, ' '); })`
template <class F>
class flat_map_t : public detail::op_base {
 public:
  using kind = detail::narrow_kind;
  using restartable = void;  // its sink keeps nothing between elements (detail/fusion.hpp)

  explicit flat_map_t(F f) : f_(std::move(f)) {}

  template <class X>
  struct out_ {
    static constexpr bool callable = std::is_invocable_v<const F&, X>;
    static_assert(callable,
                  "ds::flat_map(f): f cannot be called with the element type; it must accept the element "
                  "(const T& or T) named in the instantiation below");
    using result = typename detail::lazy_invoke<callable, F, X>::type;
    static constexpr bool ranged = !callable || detail::yieldable<result>;
    static_assert(ranged, "ds::flat_map(f): f must return a range (a container, a view, ds::split(...)) or an optional");
    // `[](auto line) { return ds::split(line, ' '); }`: the pieces would point into the copy
    // `line`, destroyed when f returns.
    static constexpr bool dangles = callable && !std::is_reference_v<result> &&
                                    detail::views_into_argument<std::remove_cv_t<result>> &&
                                    !detail::views_into_argument<std::remove_cvref_t<X>> &&
                                    detail::takes_a_copy<F, std::remove_cvref_t<X>>();
    static_assert(!dangles,
                  "ds::flat_map(f): f takes the element by value and returns views into that copy (ds::split, a "
                  "string_view), which dies when f returns; take it as const T& (or const auto&), or use "
                  "ds::flat_map(ds::words) / ds::flat_map(ds::split_by(' '))");
    using type = typename detail::lazy_yield<callable && ranged && !dangles, result>::type;
  };
  template <class X>
  using out = typename out_<X>::type;

  template <class Down>
  struct sink_t {
    const F* f;
    Down down;
    template <class X>
    void push(X&& x) {
      if constexpr (std::is_invocable_v<const F&, X>) {
        detail::yield_each(std::invoke(*f, std::forward<X>(x)),
                           [this](auto&& y) { down.push(static_cast<decltype(y)>(y)); });
      }
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
struct flat_map_fn : op_of<flat_map_t> {};
}  // namespace detail

/// See `flat_map_t`.
inline constexpr detail::flat_map_fn flat_map{};

}  // namespace dstream
