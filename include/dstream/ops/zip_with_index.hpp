#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/protocol.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream {

namespace detail {

/// The narrow half of `zip_with_index`: numbers the elements of partition i from
/// `first[i]` on, once the counts of all partitions are known.
class number_from_t : public op_base {
 public:
  using kind = narrow_kind;

  explicit number_from_t(std::vector<std::int64_t> first) : first_(std::move(first)) {}

  template <class X>
  using out = std::pair<owned_t<X>, std::int64_t>;

  template <class Down>
  struct sink_t {
    Down down;
    std::int64_t next;
    template <class X>
    void push(X&& x) {
      down.push(out<X>(to_owned(std::forward<X>(x)), next++));
    }
    void finish() { down.finish(); }
  };
  template <class X, class Down>
  auto sink(Down down, const partition_info& info) const {
    return sink_t<Down>{std::move(down), first_[info.index]};
  }

 private:
  std::vector<std::int64_t> first_;
};

}  // namespace detail

/// Pairs every element with its index: partition by partition, in order, so the first
/// element of partition k has the number of elements of the partitions before it (Spark's
/// `zipWithIndex`). Like Spark, which runs a job to count the partitions first, it runs the
/// stage before it once and keeps its result; on a dstream it numbers each batch from 0.
///
/// Signature: `zip_with_index()`: `rdd<T>` → `rdd<pair<T, std::int64_t>>`, `dstream<T>` →
/// `dstream<pair<T, std::int64_t>>`.
///
/// Example: `lines | ds::zip_with_index()` gives `("first line", 0)`, `("second line", 1)`, ...
class zip_with_index_t : public detail::op_base {
 public:
  using kind = detail::counted_kind;

  /// The numbering of partitions of `counts[i]` elements.
  detail::number_from_t bind(const std::vector<std::size_t>& counts) const {
    std::vector<std::int64_t> first(counts.size());
    std::int64_t n = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      first[i] = n;
      n += static_cast<std::int64_t>(counts[i]);
    }
    return detail::number_from_t(std::move(first));
  }
};

namespace detail {
struct zip_with_index_fn {
  constexpr zip_with_index_t operator()() const noexcept { return {}; }
};
}  // namespace detail

/// See `zip_with_index_t`.
inline constexpr detail::zip_with_index_fn zip_with_index{};

}  // namespace dstream
