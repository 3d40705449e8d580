#pragma once

#include <functional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream {

/// Action: calls `f` on every element, partitions in parallel on the pool (so `f` must be
/// safe to call from several threads at once).
///
/// Signature: `foreach(f)`, `f(const T&)`: `rdd<T>` → `void`.
///
/// Example: `nums | ds::foreach([&](int x) { total += x; });` (with an atomic `total`)
template <class F>
class foreach_t : public detail::op_base {
 public:
  using kind = detail::action_kind;

  explicit foreach_t(F f) : f_(std::move(f)) {}

  template <class Y>
  struct check {
    static_assert(std::is_invocable_v<const F&, Y>, "ds::foreach(f): f cannot be called with the element type named below");
    static constexpr bool ok = std::is_invocable_v<const F&, Y>;
  };
  using checked_action = void;

  template <class Y>
  struct terminal {
    const F* f;
    template <class X>
    void push(X&& x) {
      if constexpr (std::is_invocable_v<const F&, X>) std::invoke(*f, std::forward<X>(x));
    }
    void finish() {}
  };
  template <class Y>
  terminal<Y> make_terminal() const {
    return {&f_};
  }
  template <class Y>
  void result(std::vector<terminal<Y>>&&) const {}

 private:
  F f_;
};

namespace detail {
struct foreach_fn : op_of<foreach_t> {};
}  // namespace detail

/// See `foreach_t`.
inline constexpr detail::foreach_fn foreach{};

/// Action: calls `f` once per partition with a span of its elements, partitions in
/// parallel on the pool; `f` is called for empty partitions too.
///
/// Signature: `foreach_partition(f)`, `f(std::span<const T>)`: `rdd<T>` → `void`.
///
/// Example: `rows | ds::foreach_partition([](std::span<const row> p) { write_batch(p); });`
template <class F>
class foreach_partition_t : public detail::op_base {
 public:
  using kind = detail::action_kind;

  explicit foreach_partition_t(F f) : f_(std::move(f)) {}

  template <class Y>
  struct check {
    static constexpr bool ok = std::is_invocable_v<const F&, std::span<const detail::owned_t<Y>>>;
    static_assert(ok, "ds::foreach_partition(f): f cannot be called with std::span<const T> for the element type T named below");
  };
  using checked_action = void;

  template <class Y>
  struct terminal {
    using E = detail::owned_t<Y>;
    const F* f;
    std::vector<E> buffer;
    bool called = false;
    template <class X>
    void push(X&& x) {
      buffer.emplace_back(detail::to_owned(std::forward<X>(x)));
    }
    template <class T>
      requires std::is_same_v<T, E>
    void whole(std::span<const T> part) {
      // The partition is already a span of owned elements: no copy.
      if constexpr (std::is_invocable_v<const F&, std::span<const E>>) std::invoke(*f, part);
      called = true;
    }
    void finish() {
      if constexpr (std::is_invocable_v<const F&, std::span<const E>>) {
        if (!called) std::invoke(*f, std::span<const E>(buffer));
      }
    }
  };
  template <class Y>
  terminal<Y> make_terminal() const {
    return {&f_, {}, false};
  }
  template <class Y>
  void result(std::vector<terminal<Y>>&&) const {}

 private:
  F f_;
};

namespace detail {
struct foreach_partition_fn : op_of<foreach_partition_t> {};
}  // namespace detail

/// See `foreach_partition_t`.
inline constexpr detail::foreach_partition_fn foreach_partition{};

}  // namespace dstream
