#pragma once
// Window operators (dstream only). Every duration must be a multiple of the parent
// stream's slide; otherwise `std::invalid_argument` names both, when the graph is built.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

#include <boost/hana/length.hpp>

#include <dstream/detail/access.hpp>
#include <dstream/detail/closure.hpp>
#include <dstream/detail/traits.hpp>
#include <dstream/ops/count.hpp>
#include <dstream/ops/group_by_key.hpp>
#include <dstream/ops/map.hpp>
#include <dstream/ops/reduce.hpp>
#include <dstream/ops/reduce_by_key.hpp>
#include <dstream/stream/dstream.hpp>
#include <dstream/runtime/time.hpp>
#include <dstream/stream/window_nodes.hpp>

namespace dstream {

/// The union of the last `window_len` of a stream's batches, every `slide` (default: the
/// parent's slide).
///
/// Signature: `window(window_len [, slide])`: `dstream<T>` → `dstream<T>`.
///
/// Example: `clicks | ds::window(30s, 10s)`
class window_t : public detail::op_base {
 public:
  using kind = detail::stream_kind;
  window_t(duration len, duration slide) : len_(len), slide_(slide) {}

  template <class T>
  dstream<T> apply(const dstream<T>& s) const {
    detail::owner_of(s).check_building("ds::window");
    const duration parent = s.slide_duration();
    const duration slide = slide_.count() ? slide_ : parent;
    detail::check_multiple("ds::window", "window", len_, parent);
    detail::check_multiple("ds::window", "slide", slide, parent);
    return detail::stream_of<T>(std::make_shared<detail::window_node<T>>(detail::node_of(s), len_, slide));
  }

 private:
  duration len_;
  duration slide_;
};

namespace detail {
struct window_fn {
  window_t operator()(duration window_len, duration slide = duration(0)) const { return window_t(window_len, slide); }
};
}  // namespace detail

/// See `window_t`.
inline constexpr detail::window_fn window{};

namespace detail {

template <class F, class Inv, class Filter>
class reduce_by_key_and_window_inv_t : public op_base {
 public:
  using kind = stream_kind;
  reduce_by_key_and_window_inv_t(F f, Inv inv, duration len, duration slide, std::size_t n, Filter filter)
      : f_(std::move(f)), inv_(std::move(inv)), filter_(std::move(filter)), len_(len), slide_(slide), n_(n) {}

  template <class E>
  auto apply(const dstream<E>& s) const {
    static_assert(pair_like<E>,
                  "ds::reduce_by_key_and_window(f, inv_f, ...): the elements must be std::pair<K, V>; the element "
                  "type is named below");
    using K = typename E::first_type;
    using V = typename E::second_type;
    static_assert(std::is_invocable_r_v<V, const F&, V, const V&>,
                  "ds::reduce_by_key_and_window(f, inv_f, ...): f must be callable as V(V, V)");
    static_assert(std::is_invocable_r_v<V, const Inv&, V, const V&>,
                  "ds::reduce_by_key_and_window(f, inv_f, ...): inv_f must be callable as V(V, V)");
    detail::owner_of(s).check_building("ds::reduce_by_key_and_window");
    const duration parent = s.slide_duration();
    const duration slide = slide_.count() ? slide_ : parent;
    check_multiple("ds::reduce_by_key_and_window", "window", len_, parent);
    check_multiple("ds::reduce_by_key_and_window", "slide", slide, parent);
    std::size_t n = n_ ? n_ : detail::owner_of(s).context().default_parallelism();
    return detail::stream_of<E>(std::make_shared<reduced_window_node<K, V, F, Inv, Filter>>(detail::node_of(s), f_, inv_, len_, slide, n,
                                                                                   filter_));
  }
  /// After narrow operators: each batch reduced by key inside the fused stage first, so the
  /// window keeps (and later takes out) a batch's distinct keys, not its elements.
  template <class T, class Ops>
  auto apply_fused(const dstream_expr<T, Ops>& e) const {
    if constexpr (decltype(boost::hana::length(e.ops()))::value == 0 ||
                  !pair_like<typename dstream_expr<T, Ops>::value_type>) {
      return apply(e.materialize());
    } else {
      auto partial = e | ::dstream::reduce_by_key(f_, n_);
      return apply(dstream<typename decltype(partial)::value_type>(partial));
    }
  }

 private:
  F f_;
  Inv inv_;
  Filter filter_;
  duration len_;
  duration slide_;
  std::size_t n_;
};

template <class F>
class reduce_by_key_and_window_t : public op_base {
 public:
  using kind = stream_kind;
  reduce_by_key_and_window_t(F f, duration len, duration slide, std::size_t n)
      : f_(std::move(f)), len_(len), slide_(slide), n_(n) {}

  template <class E>
  auto apply(const dstream<E>& s) const {
    return apply_fused(dstream_expr<E, boost::hana::tuple<>>(s, {}));
  }
  /// Each batch reduced by key inside the fused stage, then the window of those partial
  /// results reduced again (`f` is associative): a window keeps a batch's distinct keys,
  /// not its elements.
  template <class T, class Ops>
  auto apply_fused(const dstream_expr<T, Ops>& e) const {
    auto partial = e | ::dstream::reduce_by_key(f_, n_);
    using P = typename decltype(partial)::value_type;
    dstream<P> w = window_t(len_, slide_).apply(partial);
    return dstream<P>(w | ::dstream::reduce_by_key(f_, n_));
  }

 private:
  F f_;
  duration len_;
  duration slide_;
  std::size_t n_;
};

template <class T>
concept duration_like = std::is_convertible_v<T, duration>;

}  // namespace detail

/// Reduces the values of each key over a sliding window.
///
/// Signatures:
/// - `reduce_by_key_and_window(f, window_len [, slide [, n]])`: recomputes each window;
/// - `reduce_by_key_and_window(f, inv_f, window_len, slide [, n [, filter]])`: incremental:
///   `inv_f` takes out the values leaving the window, so the cost per slide depends on the
///   data entering and leaving it; keys whose value falls to the neutral value stay unless
///   `filter(const pair<K, V>&)` drops them. Needs `checkpoint(dir)`.
/// `dstream<pair<K, V>>` → `dstream<pair<K, V>>`.
///
/// Example: `pairs | ds::reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 30s, 10s)`
namespace detail {
struct reduce_by_key_and_window_fn {
  template <class F>
  auto operator()(F f, duration window_len, duration slide = duration(0), std::size_t n = 0) const {
    return detail::reduce_by_key_and_window_t<F>(std::move(f), window_len, slide, n);
  }
  template <class F, class Inv>
    requires(!detail::duration_like<Inv>)
  auto operator()(F f, Inv inv, duration window_len, duration slide, std::size_t n = 0) const {
    return detail::reduce_by_key_and_window_inv_t<F, Inv, detail::keep_all>(std::move(f), std::move(inv), window_len,
                                                                            slide, n, {});
  }
  template <class F, class Inv, class Filter>
    requires(!detail::duration_like<Inv>)
  auto operator()(F f, Inv inv, duration window_len, duration slide, std::size_t n, Filter filter) const {
    return detail::reduce_by_key_and_window_inv_t<F, Inv, Filter>(std::move(f), std::move(inv), window_len, slide, n,
                                                                  std::move(filter));
  }
};
}  // namespace detail
/// See `reduce_by_key_and_window_fn`.
inline constexpr detail::reduce_by_key_and_window_fn reduce_by_key_and_window{};

namespace detail {

template <class F>
class reduce_by_window_t : public op_base {
 public:
  using kind = stream_kind;
  reduce_by_window_t(F f, duration len, duration slide) : f_(std::move(f)), len_(len), slide_(slide) {}
  template <class T>
  dstream<T> apply(const dstream<T>& s) const {
    return apply_fused(dstream_expr<T, boost::hana::tuple<>>(s, {}));
  }
  /// Each batch reduced inside the fused stage (one element a batch), then the window's.
  template <class T, class Ops>
  auto apply_fused(const dstream_expr<T, Ops>& e) const {
    auto partial = e | ::dstream::reduce(f_);
    using V = typename decltype(partial)::value_type;
    dstream<V> w = window_t(len_, slide_).apply(partial);
    return dstream<V>(w | ::dstream::reduce(f_));
  }

 private:
  F f_;
  duration len_;
  duration slide_;
};

template <class F, class Inv>
class reduce_by_window_inv_t : public op_base {
 public:
  using kind = stream_kind;
  reduce_by_window_inv_t(F f, Inv inv, duration len, duration slide)
      : f_(std::move(f)), inv_(std::move(inv)), len_(len), slide_(slide) {}
  template <class T>
  dstream<T> apply(const dstream<T>& s) const {
    dstream<std::pair<int, T>> keyed = s | ::dstream::map([](const T& x) { return std::pair<int, T>(1, x); });
    dstream<std::pair<int, T>> w = ::dstream::reduce_by_key_and_window(f_, inv_, len_, slide_, 1).apply(keyed);
    return w | ::dstream::map([](const std::pair<int, T>& p) { return p.second; });
  }

 private:
  F f_;
  Inv inv_;
  duration len_;
  duration slide_;
};

}  // namespace detail

/// Reduces all elements of a sliding window to one (an element per slide).
///
/// Signatures: `reduce_by_window(f, window_len, slide)`; `reduce_by_window(f, inv_f,
/// window_len, slide)` (incremental, needs `checkpoint(dir)`): `dstream<T>` → `dstream<T>`.
///
/// Example: `amounts | ds::reduce_by_window(std::plus<>{}, std::minus<>{}, 60s, 10s)`
namespace detail {
struct reduce_by_window_fn {
  template <class F>
  auto operator()(F f, duration window_len, duration slide) const {
    return detail::reduce_by_window_t<F>(std::move(f), window_len, slide);
  }
  template <class F, class Inv>
    requires(!detail::duration_like<Inv>)
  auto operator()(F f, Inv inv, duration window_len, duration slide) const {
    return detail::reduce_by_window_inv_t<F, Inv>(std::move(f), std::move(inv), window_len, slide);
  }
};
}  // namespace detail
/// See `reduce_by_window_fn`.
inline constexpr detail::reduce_by_window_fn reduce_by_window{};

namespace detail {
class count_by_window_t : public op_base {
 public:
  using kind = stream_kind;
  count_by_window_t(duration len, duration slide) : len_(len), slide_(slide) {}
  template <class T>
  dstream<std::int64_t> apply(const dstream<T>& s) const {
    dstream<std::int64_t> ones = s | ::dstream::map([](const T&) { return std::int64_t(1); });
    return ::dstream::reduce_by_window(std::plus<>{}, std::minus<>{}, len_, slide_).apply(ones);
  }

 private:
  duration len_;
  duration slide_;
};

class count_by_value_and_window_t : public op_base {
 public:
  using kind = stream_kind;
  count_by_value_and_window_t(duration len, duration slide, std::size_t n) : len_(len), slide_(slide), n_(n) {}
  template <class T>
  auto apply(const dstream<T>& s) const {
    using E = std::pair<T, std::int64_t>;
    dstream<E> ones = s | ::dstream::map([](const T& x) { return E(x, 1); });
    return ::dstream::reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, len_, slide_, n_,
                                               [](const E& kv) { return kv.second != 0; })
        .apply(ones);
  }

 private:
  duration len_;
  duration slide_;
  std::size_t n_;
};

class group_by_key_and_window_t : public op_base {
 public:
  using kind = stream_kind;
  group_by_key_and_window_t(duration len, duration slide, std::size_t n) : len_(len), slide_(slide), n_(n) {}
  template <class E>
  auto apply(const dstream<E>& s) const {
    dstream<E> w = window_t(len_, slide_).apply(s);
    using G = typename decltype(w | ::dstream::group_by_key(n_))::value_type;
    return dstream<G>(w | ::dstream::group_by_key(n_));
  }

 private:
  duration len_;
  duration slide_;
  std::size_t n_;
};

struct count_by_window_fn {
  count_by_window_t operator()(duration window_len, duration slide) const { return {window_len, slide}; }
};
struct count_by_value_and_window_fn {
  count_by_value_and_window_t operator()(duration window_len, duration slide, std::size_t n = 0) const {
    return {window_len, slide, n};
  }
};
struct group_by_key_and_window_fn {
  group_by_key_and_window_t operator()(duration window_len, duration slide = duration(0), std::size_t n = 0) const {
    return {window_len, slide, n};
  }
};
}  // namespace detail

/// The number of elements in a sliding window, one per slide (incremental; needs `checkpoint(dir)`).
///
/// Signature: `count_by_window(window_len, slide)`: `dstream<T>` → `dstream<std::int64_t>`.
inline constexpr detail::count_by_window_fn count_by_window{};

/// How often each value occurs in a sliding window (incremental; values whose count falls
/// to 0 are dropped; needs `checkpoint(dir)`).
///
/// Signature: `count_by_value_and_window(window_len, slide [, n])`: `dstream<T>` → `dstream<pair<T, std::int64_t>>`.
inline constexpr detail::count_by_value_and_window_fn count_by_value_and_window{};

/// The values of each key over a sliding window.
///
/// Signature: `group_by_key_and_window(window_len [, slide [, n]])`: `dstream<pair<K, V>>` →
/// `dstream<pair<K, std::vector<V>>>`.
inline constexpr detail::group_by_key_and_window_fn group_by_key_and_window{};

}  // namespace dstream
