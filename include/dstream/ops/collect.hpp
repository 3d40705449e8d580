#pragma once

#include <cstddef>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream {

/// Action: every element, in partition order.
///
/// Signature: `collect()`: `rdd<T>` → `std::vector<T>`.
///
/// Example: `std::vector<int> v = nums | ds::map(twice) | ds::collect();`
class collect_t : public detail::op_base {
 public:
  using kind = detail::action_kind;

  template <class Y>
  struct terminal {
    std::vector<detail::owned_t<Y>> out;
    template <class X>
    void push(X&& x) {
      out.emplace_back(detail::to_owned(std::forward<X>(x)));
    }
    template <class T>
    void whole(std::span<const T> part) {
      out.reserve(part.size());
      for (const T& x : part) out.emplace_back(detail::to_owned(x));
    }
    void finish() {}
  };
  template <class Y>
  terminal<Y> make_terminal() const {
    return {};
  }
  template <class Y>
  std::vector<detail::owned_t<Y>> result(std::vector<terminal<Y>>&& parts) const {
    if (parts.size() == 1) return std::move(parts.front().out);
    std::size_t n = 0;
    for (const auto& p : parts) n += p.out.size();
    std::vector<detail::owned_t<Y>> all;
    all.reserve(n);
    for (auto& p : parts)
      for (auto& x : p.out) all.push_back(std::move(x));
    return all;
  }
};

namespace detail {
struct collect_fn {
  constexpr collect_t operator()() const noexcept { return collect_t(); }
};
}  // namespace detail

/// See `collect_t`.
inline constexpr detail::collect_fn collect{};

}  // namespace dstream
