#pragma once

#include <functional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/traits.hpp>
#include <dstream/detail/yield.hpp>

namespace dstream {

/// Calls `f` once per partition with a span of its elements and pushes every element of
/// the range `f` returns. `f` is called for empty partitions too.
///
/// Signature: `map_partitions(f)`, `f(std::span<const T>) -> R` (a range of `U`):
/// `rdd<T>` → `rdd<U>`.
///
/// Example: `nums | ds::map_partitions([](std::span<const int> p) {
///            return std::vector{std::accumulate(p.begin(), p.end(), 0)}; })`
template <class F>
class map_partitions_t : public detail::op_base {
 public:
  using kind = detail::narrow_kind;
  using partition_level = void;

  explicit map_partitions_t(F f) : f_(std::move(f)) {}

  template <class X>
  struct out_ {
    using arg = std::span<const detail::owned_t<X>>;
    static constexpr bool callable = std::is_invocable_v<const F&, arg>;
    static_assert(callable,
                  "ds::map_partitions(f): f cannot be called with std::span<const T> for the element type T "
                  "named in the instantiation below");
    using result = typename detail::lazy_invoke<callable, F, arg>::type;
    static constexpr bool ranged = !callable || detail::yieldable<result>;
    static_assert(ranged, "ds::map_partitions(f): f must return a range (a container or a view)");
    using type = typename detail::lazy_yield<callable && ranged, result>::type;
  };
  template <class X>
  using out = typename out_<X>::type;

  template <class Down, class E>
  struct sink_t {
    const F* f;
    Down down;
    std::vector<E> buffer;
    template <class X>
    void push(X&& x) {
      buffer.emplace_back(detail::to_owned(std::forward<X>(x)));
    }
    void finish() {
      if constexpr (std::is_invocable_v<const F&, std::span<const E>>) {
        detail::yield_each(std::invoke(*f, std::span<const E>(buffer)),
                           [this](auto&& y) { down.push(static_cast<decltype(y)>(y)); });
      }
      down.finish();
    }
  };
  template <class X, class Down>
  auto sink(Down down) const {
    return sink_t<Down, detail::owned_t<X>>{&f_, std::move(down), {}};
  }

  /// First operator of a stage: `f` sees the partition itself, without a copy.
  template <class T, class Down>
  void run_whole(std::span<const T> part, Down& down) const {
    if constexpr (std::is_same_v<T, detail::owned_t<const T&>>) {
      if constexpr (std::is_invocable_v<const F&, std::span<const T>>) {
        detail::yield_each(std::invoke(f_, part), [&](auto&& y) { down.push(static_cast<decltype(y)>(y)); });
      }
    } else {
      using E = detail::owned_t<const T&>;
      std::vector<E> buffer;
      buffer.reserve(part.size());
      for (const T& x : part) buffer.emplace_back(detail::to_owned(x));
      if constexpr (std::is_invocable_v<const F&, std::span<const E>>) {
        detail::yield_each(std::invoke(f_, std::span<const E>(buffer)),
                           [&](auto&& y) { down.push(static_cast<decltype(y)>(y)); });
      }
    }
  }

 private:
  F f_;
};

namespace detail {
struct map_partitions_fn : op_of<map_partitions_t> {};
}  // namespace detail

/// See `map_partitions_t`.
inline constexpr detail::map_partitions_fn map_partitions{};

}  // namespace dstream
