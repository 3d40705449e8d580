#pragma once

#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include <dstream/batch/conf.hpp>
#include <dstream/detail/config.hpp>
#include <dstream/batch/rdd.hpp>
#include <dstream/detail/access.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream {

/// The entry point of batch work (Spark's `SparkContext`): owns the work-stealing pool
/// that runs every stage of its rdds.
///
/// Signature: `context ctx{conf}`; `ctx.parallelize(range [, num_slices])` → `rdd<T>`;
/// `ctx.default_parallelism()` (n of `local[n]`); `ctx.stop()`.
///
/// Example: `ds::context ctx{ds::conf().master("local[2]")}; auto r = ctx.parallelize(v, 4);`
///
/// Copies share the same pool; it stops with `stop()` or when the last copy (and every rdd
/// made from it) is gone. Actions on its rdds after `stop()` throw `std::logic_error`.
class context {
 public:
  explicit context(::dstream::conf c = ::dstream::conf());

  const ::dstream::conf& conf() const noexcept { return core_->conf(); }

  /// The default number of partitions: the thread count of the master.
  std::size_t default_parallelism() const noexcept { return core_->parallelism(); }

  /// An rdd of the elements of `range`, cut into `num_slices` contiguous slices as Spark
  /// does (slice j holds indices [j·n/p, (j+1)·n/p)). Views become owners (`string_view`
  /// elements are stored as `std::string`).
  template <detail::iterable R>
  auto parallelize(R&& range, std::size_t num_slices = 0) const {
    using E = detail::owned_t<detail::range_ref_t<R>>;
    std::vector<E> all;
    if constexpr (requires { std::size(range); }) all.reserve(std::size(range));
    if constexpr (!std::is_lvalue_reference_v<R> && detail::is_vector<std::remove_cv_t<R>>::value) {
      // A vector handed over with std::move: its elements may be moved (move-only types).
      for (auto& x : range) all.emplace_back(detail::to_owned(std::move(x)));
    } else {
      for (auto&& x : range) all.emplace_back(detail::to_owned(static_cast<decltype(x)>(x)));
    }
    return slice(std::move(all), num_slices);
  }
  template <class T>
  auto parallelize(std::initializer_list<T> values, std::size_t num_slices = 0) const {
    using E = detail::owned_t<T>;
    std::vector<E> all;
    all.reserve(values.size());
    for (const T& x : values) all.emplace_back(detail::to_owned(x));
    return slice(std::move(all), num_slices);
  }

  /// An rdd whose partitions are `parts`, as given.
  template <class T>
  rdd<T> make_rdd(std::vector<std::vector<T>> parts) const {
    check_running("make_rdd");
    return detail::rdd_of_parts<T>(core_, std::move(parts));
  }

  /// An rdd over shared, immutable partitions (the storage stays alive while any rdd
  /// holds it): how a source hands over blocks it keeps elsewhere too.
  template <class T>
  rdd<T> make_rdd(std::vector<std::shared_ptr<const std::vector<T>>> parts) const {
    check_running("make_rdd");
    return detail::rdd_of_parts<T>(core_, std::move(parts));
  }

  /// Waits for running actions and stops the pool. Idempotent.
  void stop();
  bool stopped() const;

 private:
  friend struct detail::access;
  const std::shared_ptr<detail::context_core>& core() const noexcept { return core_; }

  void check_running(const char* what) const;

  template <class E>
  rdd<E> slice(std::vector<E>&& all, std::size_t num_slices) const {
    check_running("parallelize");
    const std::size_t p = num_slices ? num_slices : default_parallelism();
    const std::size_t n = all.size();
    detail::partitions_of<E> parts(p);
    for (std::size_t j = 0; j < p; ++j) {
      std::size_t b = j * n / p;
      std::size_t e = (j + 1) * n / p;
      parts[j].reserve(e - b);
      for (std::size_t i = b; i < e; ++i) parts[j].push_back(std::move(all[i]));
    }
    return detail::rdd_of_parts<E>(core_, std::move(parts));
  }

  std::shared_ptr<detail::context_core> core_;
};

}  // namespace dstream

#ifdef DSTREAM_HEADER_ONLY
#include <dstream/batch/impl/context.ipp>
#endif
