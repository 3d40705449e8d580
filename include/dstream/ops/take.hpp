#pragma once

#include <cstddef>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream {

/// Action: the first `n` elements in partition order. Like Spark, it scans one partition
/// first and more (four times as many each round) only when that was not enough.
///
/// Signature: `take(n)`: `rdd<T>` → `std::vector<T>` (at most `n` elements).
///
/// Example: `auto top = sorted | ds::take(3);`
class take_t : public detail::op_base {
 public:
  using kind = detail::action_kind;

  explicit take_t(std::size_t n) : n_(n) {}

  template <class Y>
  struct terminal {
    std::size_t limit;
    std::vector<detail::owned_t<Y>> out;
    template <class X>
    void push(X&& x) {
      if (out.size() < limit) out.emplace_back(detail::to_owned(std::forward<X>(x)));
    }
    void finish() {}
  };
  template <class Y>
  terminal<Y> make_terminal() const {
    return {n_, {}};
  }
  /// True once the partitions run so far hold `n` elements: the rest need not run.
  template <class Y>
  bool enough(const std::vector<terminal<Y>>& done) const {
    std::size_t k = 0;
    for (const auto& t : done) k += t.out.size();
    return k >= n_;
  }
  template <class Y>
  std::vector<detail::owned_t<Y>> result(std::vector<terminal<Y>>&& parts) const {
    std::vector<detail::owned_t<Y>> all;
    for (auto& p : parts)
      for (auto& x : p.out) {
        if (all.size() == n_) return all;
        all.push_back(std::move(x));
      }
    return all;
  }
  std::size_t limit() const noexcept { return n_; }

 private:
  std::size_t n_;
};

namespace detail {
struct take_fn {
  take_t operator()(std::size_t n) const { return take_t(n); }
};
}  // namespace detail

/// See `take_t`.
inline constexpr detail::take_fn take{};

/// Action: the first element; throws `std::out_of_range` when there is none.
///
/// Signature: `first()`: `rdd<T>` → `T`.
///
/// Example: `auto head = lines | ds::first();`
class first_t : public take_t {
 public:
  first_t() : take_t(1) {}
  template <class Y>
  detail::owned_t<Y> result(std::vector<terminal<Y>>&& parts) const {
    auto v = take_t::result<Y>(std::move(parts));
    if (v.empty()) throw std::out_of_range("ds::first(): the rdd is empty");
    return std::move(v.front());
  }
};

namespace detail {
struct first_fn {
  first_t operator()() const { return first_t(); }
};
}  // namespace detail

/// See `first_t`.
inline constexpr detail::first_fn first{};

}  // namespace dstream
