#pragma once

#include <type_traits>
#include <utility>

#include <dstream/detail/closure.hpp>

namespace dstream {

/// The elements of both inputs: the partitions of the left one, then those of the right.
///
/// Signature: `union_with(other)`: `rdd<T>`, `rdd<T>` → `rdd<T>` (dstreams likewise).
///
/// Example: `a | ds::union_with(b)`
template <class Other>
class union_with_t : public detail::op_base {
 public:
  using kind = detail::union_kind;

  explicit union_with_t(Other other) : other_(std::move(other)) {}

  const Other& other() const noexcept { return other_; }

  /// The same operator with another right-hand input (a dstream applies it to the
  /// right-hand rdd of each batch this way).
  template <class O>
  union_with_t<std::remove_cvref_t<O>> with_other(O&& o) const {
    return union_with_t<std::remove_cvref_t<O>>(std::forward<O>(o));
  }

 private:
  Other other_;
};

namespace detail {
struct union_with_fn {
  template <class Other>
  auto operator()(Other&& other) const {
    return union_with_t<std::remove_cvref_t<Other>>(std::forward<Other>(other));
  }
};
}  // namespace detail
/// See `union_with_t`.
inline constexpr detail::union_with_fn union_with{};

}  // namespace dstream
