#pragma once

#include <type_traits>
#include <utility>

#include <dstream/batch/rdd.hpp>
#include <dstream/detail/access.hpp>
#include <dstream/detail/closure.hpp>
#include <dstream/stream/dstream.hpp>

namespace dstream {

namespace detail {

template <class F, class T>
decltype(auto) call_with_time(const F& f, rdd<T> r, batch_time t) {
  if constexpr (std::is_invocable_v<const F&, rdd<T>, batch_time>) {
    return f(std::move(r), t);
  } else {
    static_assert(std::is_invocable_v<const F&, rdd<T>>,
                  "ds::transform(f): f must be callable as f(ds::rdd<T>) or f(ds::rdd<T>, ds::batch_time) with the "
                  "T named below, returning an rdd or an rdd expression");
    return f(std::move(r));
  }
}

template <class F, class A, class B>
decltype(auto) call2_with_time(const F& f, rdd<A> a, rdd<B> b, batch_time t) {
  if constexpr (std::is_invocable_v<const F&, rdd<A>, rdd<B>, batch_time>) {
    return f(std::move(a), std::move(b), t);
  } else {
    static_assert(std::is_invocable_v<const F&, rdd<A>, rdd<B>>,
                  "ds::transform_with(other, f): f must be callable as f(ds::rdd<A>, ds::rdd<B>) (optionally with a "
                  "ds::batch_time last), returning an rdd or an rdd expression");
    return f(std::move(a), std::move(b));
  }
}

}  // namespace detail

/// Any rdd-to-rdd function applied to every batch (Spark's `transform`).
///
/// Signature: `transform(f)`, `f(rdd<T>)` or `f(rdd<T>, batch_time)` → `rdd<U>` or an rdd
/// expression: `dstream<T>` → `dstream<U>`.
///
/// Example: `s | ds::transform([&](ds::rdd<Word> r) { return r | ds::join(blocklist); })`
template <class F>
class transform_t : public detail::op_base {
 public:
  using kind = detail::stream_kind;
  explicit transform_t(F f) : f_(std::move(f)) {}

  template <class T>
  auto apply(const dstream<T>& s) const {
    detail::owner_of(s).check_building("ds::transform");
    auto fn = [f = f_](rdd<T> r, batch_time t) { return detail::as_rdd(detail::call_with_time(f, std::move(r), t)); };
    using U = typename decltype(fn(rdd<T>(), batch_time()))::value_type;
    return detail::make_fn_stream<U>(s, std::move(fn));
  }

 private:
  F f_;
};

namespace detail {
struct transform_fn : op_of<transform_t> {};
}  // namespace detail

/// See `transform_t`.
inline constexpr detail::transform_fn transform{};

/// A function of the rdds of two streams at the same batch (Spark's `transformWith`).
///
/// Signature: `transform_with(other, f)`, `f(rdd<T>, rdd<U>)` (optionally with a
/// `batch_time` last) → an rdd: `dstream<T>`, `dstream<U>` → `dstream<V>`.
///
/// Example: `a | ds::transform_with(b, [](ds::rdd<A> x, ds::rdd<B> y) { return x | ds::join(y); })`
template <class Other, class F>
class transform_with_t : public detail::op_base {
 public:
  using kind = detail::stream_kind;
  transform_with_t(Other other, F f) : other_(std::move(other)), f_(std::move(f)) {}

  template <class T>
  auto apply(const dstream<T>& s) const {
    detail::owner_of(s).check_building("ds::transform_with");
    auto other = detail::as_dstream(other_);
    using B = typename decltype(other)::value_type;
    auto fn = [f = f_](rdd<T> a, rdd<B> b, batch_time t) {
      return detail::as_rdd(detail::call2_with_time(f, std::move(a), std::move(b), t));
    };
    using U = typename decltype(fn(rdd<T>(), rdd<B>(), batch_time()))::value_type;
    return detail::make_fn2_stream<U>(s, other, std::move(fn));
  }

 private:
  Other other_;
  F f_;
};

namespace detail {
struct transform_with_fn {
  template <class Other, class F>
  auto operator()(Other&& other, F&& f) const {
    return transform_with_t<std::remove_cvref_t<Other>, std::decay_t<F>>(std::forward<Other>(other),
                                                                          std::forward<F>(f));
  }
};
}  // namespace detail
/// See `transform_with_t`.
inline constexpr detail::transform_with_fn transform_with{};

}  // namespace dstream
