#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <dstream/detail/closure.hpp>

namespace dstream {

/// The number of elements: an action on an rdd (`std::int64_t`); on a dstream, a stream
/// with one element per batch, the batch's count.
///
/// Signature: `count()`: `rdd<T>` → `std::int64_t`; `dstream<T>` → `dstream<std::int64_t>`.
///
/// Example: `std::int64_t n = words | ds::count();`
class count_t : public detail::op_base {
 public:
  using kind = detail::action_kind;

  struct terminal_t {
    std::int64_t n = 0;
    template <class X>
    void push(X&&) noexcept {
      ++n;
    }
    template <class T>
    void whole(std::span<const T> part) noexcept {
      n = static_cast<std::int64_t>(part.size());
    }
    void finish() noexcept {}
  };
  template <class Y>
  using terminal = terminal_t;
  template <class Y>
  terminal_t make_terminal() const noexcept {
    return {};
  }
  template <class Y>
  std::int64_t result(std::vector<terminal_t>&& parts) const noexcept {
    std::int64_t n = 0;
    for (const auto& p : parts) n += p.n;
    return n;
  }
  /// On a dstream: the batch's count, also for an empty batch (as Spark's `DStream.count`).
  template <class Y>
  std::optional<std::int64_t> per_batch(std::vector<terminal_t>&& parts) const noexcept {
    return result<Y>(std::move(parts));
  }
};

namespace detail {
struct count_fn {
  constexpr count_t operator()() const noexcept { return count_t(); }
};
}  // namespace detail

/// See `count_t`.
inline constexpr detail::count_fn count{};

}  // namespace dstream
