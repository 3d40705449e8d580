#pragma once

#include <functional>
#include <type_traits>
#include <utility>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream {

/// Keeps the elements for which `pred` returns true.
///
/// Signature: `filter(pred)`, `pred(const T&) -> bool`: `rdd<T>` → `rdd<T>`, `dstream<T>` → `dstream<T>`.
///
/// Example: `words | ds::filter([](std::string_view w) { return !w.empty(); })`
template <class P>
class filter_t : public detail::op_base {
 public:
  using kind = detail::narrow_kind;
  using restartable = void;  // its sink keeps nothing between elements (detail/fusion.hpp)

  explicit filter_t(P p) : p_(std::move(p)) {}

  template <class X>
  struct out_ {
    using arg = const std::remove_reference_t<X>&;
    static_assert(std::is_invocable_v<const P&, arg>,
                  "ds::filter(pred): pred cannot be called with the element type; it must be callable "
                  "as bool(const T&) with the T named in the instantiation below");
    static_assert(!std::is_invocable_v<const P&, arg> || std::is_invocable_r_v<bool, const P&, arg>,
                  "ds::filter(pred): pred must return something convertible to bool");
    using type = std::conditional_t<std::is_invocable_r_v<bool, const P&, arg>, X, detail::bad_element>;
  };
  template <class X>
  using out = typename out_<X>::type;

  template <class Down>
  struct sink_t {
    const P* p;
    Down down;
    template <class X>
    void push(X&& x) {
      if constexpr (std::is_invocable_r_v<bool, const P&, const std::remove_reference_t<X>&>) {
        if (std::invoke(*p, std::as_const(x))) down.push(std::forward<X>(x));
      }
    }
    void finish() { down.finish(); }
  };
  template <class X, class Down>
  auto sink(Down down) const {
    return sink_t<Down>{&p_, std::move(down)};
  }

  const P& predicate() const noexcept { return p_; }

 private:
  P p_;
};

namespace detail {
struct filter_fn : op_of<filter_t> {};
}  // namespace detail

/// See `filter_t`.
inline constexpr detail::filter_fn filter{};

}  // namespace dstream
