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
  using category = detail::repartition_tag;

  explicit repartition_t(std::size_t n) : n_(n) {
    if (n == 0) throw std::invalid_argument("ds::repartition(n): n must be at least 1");
  }
  std::size_t partitions() const noexcept { return n_; }

 private:
  std::size_t n_;
};

/// See `repartition_t`.
inline repartition_t repartition(std::size_t n) { return repartition_t(n); }

}  // namespace dstream
