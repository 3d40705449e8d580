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
  using category = detail::union_tag;

  explicit union_with_t(Other other) : other_(std::move(other)) {}

  const Other& other() const noexcept { return other_; }

 private:
  Other other_;
};

struct union_with_fn {
  template <class Other>
  auto operator()(Other&& other) const {
    return union_with_t<std::remove_cvref_t<Other>>(std::forward<Other>(other));
  }
};
/// See `union_with_t`.
inline constexpr union_with_fn union_with{};

}  // namespace dstream
