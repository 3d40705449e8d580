#pragma once

#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream {

/// Turns every partition into one element: the vector of its elements (an empty partition
/// gives an empty vector).
///
/// Signature: `glom()`: `rdd<T>` → `rdd<std::vector<T>>`.
///
/// Example: `ctx.parallelize(v, 4) | ds::glom()` has 4 elements.
class glom_t : public detail::op_base {
 public:
  using kind = detail::narrow_kind;
  using partition_level = void;

  template <class X>
  using out = std::vector<detail::owned_t<X>>&&;

  template <class Down, class E>
  struct sink_t {
    Down down;
    std::vector<E> buffer;
    template <class X>
    void push(X&& x) {
      buffer.emplace_back(detail::to_owned(std::forward<X>(x)));
    }
    void finish() {
      down.push(std::move(buffer));
      down.finish();
    }
  };
  template <class X, class Down>
  auto sink(Down down) const {
    return sink_t<Down, detail::owned_t<X>>{std::move(down), {}};
  }

  /// First operator of a stage: sees the partition itself.
  template <class T, class Down>
  void run_whole(std::span<const T> part, Down& down) const {
    std::vector<detail::owned_t<const T&>> v;
    v.reserve(part.size());
    for (const T& x : part) v.emplace_back(detail::to_owned(x));
    down.push(std::move(v));
  }
};

namespace detail {
struct glom_fn {
  constexpr glom_t operator()() const noexcept { return glom_t(); }
};
}  // namespace detail

/// See `glom_t`.
inline constexpr detail::glom_fn glom{};

}  // namespace dstream
