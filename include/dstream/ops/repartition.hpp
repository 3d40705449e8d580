#pragma once

#include <cstddef>
#include <stdexcept>

#include <dstream/detail/closure.hpp>

namespace dstream {

/// Redistributes the elements into `n` partitions, round robin (partition i of the input
/// starts at output partition i mod n), keeping the input's order within each output.
///
/// Signature: `repartition(n)`: `rdd<T>` → `rdd<T>` with `n` partitions.
///
/// Example: `lines | ds::repartition(8)`
class repartition_t : public detail::op_base {
 public:
  using kind = detail::repartition_kind;

  explicit repartition_t(std::size_t n) : n_(n) {
    if (n == 0) throw std::invalid_argument("ds::repartition(n): n must be at least 1");
  }
  std::size_t partitions() const noexcept { return n_; }

 private:
  std::size_t n_;
};

namespace detail {
struct repartition_fn {
  repartition_t operator()(std::size_t n) const { return repartition_t(n); }
};
}  // namespace detail

/// See `repartition_t`.
inline constexpr detail::repartition_fn repartition{};

}  // namespace dstream
