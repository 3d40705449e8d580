#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream {

namespace detail {

// A reduce whose function has a known identity (a sum, a product of arithmetic values)
// needs no "first element?" test per element, so the loop stays as simple as a hand-written
// accumulation and vectorises the same way.
template <class F, class T>
struct identity_of {};
template <class T>
  requires std::is_arithmetic_v<T>
struct identity_of<std::plus<>, T> {
  static constexpr T value = T(0);
};
template <class T>
  requires std::is_arithmetic_v<T>
struct identity_of<std::plus<T>, T> {
  static constexpr T value = T(0);
};
template <class T>
  requires std::is_arithmetic_v<T>
struct identity_of<std::multiplies<>, T> {
  static constexpr T value = T(1);
};
template <class T>
  requires std::is_arithmetic_v<T>
struct identity_of<std::multiplies<T>, T> {
  static constexpr T value = T(1);
};
template <class F, class T>
concept has_identity = requires { identity_of<F, T>::value; };

/// A function that returns one of its arguments by reference (`a.price >= b.price ? a :
/// b` declared `-> const T&`): the accumulator then changes only when the other wins.
template <class F, class A, class B>
concept selects_argument = std::is_invocable_v<const F&, A&, B&> &&
                           std::is_lvalue_reference_v<std::invoke_result_t<const F&, A&, B&>>;

/// `acc = f(acc, x)`; when `f` selects an argument, no copy while `acc` stays the result.
template <class F, class T, class X>
void fold_into(const F& f, T& acc, X&& x) {
  if constexpr (selects_argument<F, T, std::remove_reference_t<X>>) {
    auto&& r = std::invoke(f, acc, x);
    if (std::addressof(r) == std::addressof(acc)) return;
    if constexpr (!std::is_lvalue_reference_v<X>) {
      if (std::addressof(r) == std::addressof(x)) {
        acc = std::move(x);
        return;
      }
    }
    acc = r;
  } else {
    acc = std::invoke(f, std::move(acc), std::forward<X>(x));
  }
}

}  // namespace detail

/// Action: combines all elements with an associative, commutative function (partitions
/// are reduced in parallel, then their results in partition order). Throws
/// `std::out_of_range` when there is no element. On a dstream: a stream with one element per
/// non-empty batch.
///
/// Signature: `reduce(f)`, `f(T, T) -> T`: `rdd<T>` → `T`; `dstream<T>` → `dstream<T>`.
///
/// A function that returns one of its arguments by reference, such as
/// `[](const bid& a, const bid& b) -> const bid& { return a.price >= b.price ? a : b; }`,
/// copies an element into the result only when it wins, not at every element.
///
/// Example: `int sum = nums | ds::reduce(std::plus<>{});`
template <class F>
class reduce_t : public detail::op_base {
 public:
  using kind = detail::action_kind;

  explicit reduce_t(F f) : f_(std::move(f)) {}

  template <class Y>
  struct check {
    using T = detail::owned_t<Y>;
    static constexpr bool callable = std::is_invocable_v<const F&, T&&, Y>;
    static_assert(callable,
                  "ds::reduce(f): f must be callable as T(T, T) with the element type T named below");
    static constexpr bool returns_t = std::is_convertible_v<typename detail::lazy_invoke<callable, F, T&&, Y>::type, T>;
    static_assert(!callable || returns_t, "ds::reduce(f): f must return the element type T named below");
    static constexpr bool ok = callable && returns_t;
  };
  using checked_action = void;

  template <class Y>
  struct general_terminal {
    using T = detail::owned_t<Y>;
    const F* f;
    std::optional<T> acc{};
    template <class X>
    void push(X&& x) {
      if (acc) {
        push_seeded(std::forward<X>(x));
      } else {
        acc.emplace(detail::to_owned(std::forward<X>(x)));
      }
    }
    // The kernel's way around the test above (detail/fusion.hpp, `seedable`).
    bool seeded() const noexcept { return acc.has_value(); }
    template <class X>
    void push_seeded(X&& x) {
      detail::fold_into(*f, *acc, std::forward<X>(x));
    }
    void finish() {}
    std::optional<T> take() && { return std::move(acc); }
  };
  // The loop body stays one conditional update (`acc`), as in a hand-written accumulation:
  // a second one (an element counter, a "seen" flag) behind a filter makes g++ branch
  // instead of using cmov and clang compute a full remainder. Whether an element arrived is
  // therefore not tracked here: a partition whose `acc` ends different from the identity
  // had one; one that ends equal to it is "unsettled", and the stage counts its elements in
  // a second pass (see `run_terminals`), which then `settle`s it.
  template <class Y>
  struct identity_terminal {
    using T = detail::owned_t<Y>;
    const F* f;
    T acc = detail::identity_of<F, T>::value;
    bool none = false;  // set by `settle` when the second pass found no element
    template <class X>
    void push(X&& x) {
      acc = std::invoke(*f, acc, std::forward<X>(x));
    }
    void finish() {}
    std::optional<T> take() && { return none ? std::nullopt : std::optional<T>(acc); }
  };
  template <class Y>
  using terminal = std::conditional_t<detail::has_identity<F, detail::owned_t<Y>>, identity_terminal<Y>,
                                      general_terminal<Y>>;

  /// True when a partition's terminal cannot tell whether it received an element; the stage
  /// then counts them and calls `settle`.
  template <class Y>
  bool unsettled(const terminal<Y>& t) const noexcept {
    if constexpr (detail::has_identity<F, detail::owned_t<Y>>) {
      return t.acc == detail::identity_of<F, detail::owned_t<Y>>::value;
    } else {
      return false;
    }
  }
  template <class Y>
  void settle(terminal<Y>& t, bool any) const noexcept {
    if constexpr (detail::has_identity<F, detail::owned_t<Y>>) t.none = !any;
  }

  template <class Y>
  terminal<Y> make_terminal() const {
    (void)check<Y>{};
    return terminal<Y>{&f_};
  }
  /// The reduction of the partitions' results, nullopt when there was no element; on a
  /// dstream, the batch's one element (none for an empty batch).
  template <class Y>
  std::optional<detail::owned_t<Y>> per_batch(std::vector<terminal<Y>>&& parts) const {
    std::optional<detail::owned_t<Y>> acc;
    for (auto& p : parts) {
      auto r = std::move(p).take();
      if (!r) continue;
      if (acc) {
        detail::fold_into(f_, *acc, std::move(*r));
      } else {
        acc = std::move(r);
      }
    }
    return acc;
  }
  template <class Y>
  detail::owned_t<Y> result(std::vector<terminal<Y>>&& parts) const {
    auto acc = per_batch<Y>(std::move(parts));
    if (!acc) throw std::out_of_range("ds::reduce(f): the rdd has no elements to reduce");
    return std::move(*acc);
  }

  const F& function() const noexcept { return f_; }

 private:
  F f_;
};

namespace detail {
struct reduce_fn : op_of<reduce_t> {};
}  // namespace detail

/// See `reduce_t`.
inline constexpr detail::reduce_fn reduce{};

}  // namespace dstream
