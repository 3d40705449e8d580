#pragma once

#include <functional>
#include <type_traits>
#include <utility>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream {

/// Pairs every element with a key computed from it.
///
/// Signature: `key_by(f)`, `f(const T&) -> K`: `rdd<T>` → `rdd<pair<K, T>>`.
///
/// Example: `words | ds::key_by([](const std::string& w) { return w.size(); })`
template <class F>
class key_by_t : public detail::op_base {
 public:
  using kind = detail::narrow_kind;
  using restartable = void;  // its sink keeps nothing between elements (detail/fusion.hpp)

  explicit key_by_t(F f) : f_(std::move(f)) {}

  template <class X>
  struct out_ {
    using arg = const std::remove_reference_t<X>&;
    static constexpr bool callable = std::is_invocable_v<const F&, arg>;
    static_assert(callable,
                  "ds::key_by(f): f cannot be called with the element type; it must be callable as "
                  "K(const T&) with the T named in the instantiation below");
    using result = typename detail::lazy_invoke<callable, F, arg>::type;
    static_assert(!std::is_void_v<result>, "ds::key_by(f): f returns void; it must return the key");
    using type = std::conditional_t<callable && !std::is_void_v<result>, std::pair<std::decay_t<result>, std::remove_cvref_t<X>>,
                                    detail::bad_element>;
  };
  template <class X>
  using out = typename out_<X>::type;

  template <class Down>
  struct sink_t {
    const F* f;
    Down down;
    template <class X>
    void push(X&& x) {
      if constexpr (std::is_invocable_v<const F&, const std::remove_reference_t<X>&>) {
        // The key is computed before the element is moved into the pair.
        auto key = std::invoke(*f, std::as_const(x));
        down.push(out<X>(std::move(key), std::forward<X>(x)));
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
struct key_by_fn : op_of<key_by_t> {};
}  // namespace detail

/// See `key_by_t`.
inline constexpr detail::key_by_fn key_by{};

}  // namespace dstream
