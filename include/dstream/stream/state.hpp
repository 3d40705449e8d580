#pragma once
// Stateful operators (dstream only): update_state_by_key, map_with_state, and `named`,
// which gives a stateful operator the name its state is kept under in checkpoints.

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include <dstream/batch/rdd.hpp>
#include <dstream/detail/access.hpp>
#include <dstream/detail/closure.hpp>
#include <dstream/detail/traits.hpp>
#include <dstream/stream/dstream.hpp>
#include <dstream/stream/state_nodes.hpp>
#include <dstream/runtime/time.hpp>

namespace dstream {

namespace detail {

/// The signature of a non-generic callable: its result and argument types.
template <class F, class = void>
struct fn_traits {
  static constexpr bool known = false;
};
template <class R, class... A>
struct fn_traits<R (*)(A...)> {
  static constexpr bool known = true;
  using result = R;
  using args = std::tuple<A...>;
};
template <class C, class R, class... A>
struct fn_traits<R (C::*)(A...) const> : fn_traits<R (*)(A...)> {};
template <class C, class R, class... A>
struct fn_traits<R (C::*)(A...)> : fn_traits<R (*)(A...)> {};
template <class C, class R, class... A>
struct fn_traits<R (C::*)(A...) const noexcept> : fn_traits<R (*)(A...)> {};
template <class F>
struct fn_traits<F, std::void_t<decltype(&F::operator())>> : fn_traits<decltype(&F::operator())> {};

template <class T>
struct optional_value {
  using type = void;
};
template <class T>
struct optional_value<std::optional<T>> {
  using type = T;
};

template <class T>
struct keyed_state_value {
  using type = void;
};
template <class S>
struct keyed_state_value<keyed_state<S>> {
  using type = S;
};

/// The state type of an update function: the `optional<S>` it returns (or takes last).
template <class F, class Fallback>
struct update_state_type {
  using type = Fallback;
};
template <class F, class Fallback>
  requires(fn_traits<F>::known)
struct update_state_type<F, Fallback> {
  using R = typename optional_value<std::remove_cvref_t<typename fn_traits<F>::result>>::type;
  using type = std::conditional_t<std::is_void_v<R>, Fallback, R>;
};

/// The state type of a map_with_state function: its `keyed_state<S>&` parameter.
template <class F>
struct mapping_state_type {
  using type = void;
};
template <class F>
  requires(fn_traits<F>::known)
struct mapping_state_type<F> {
  using args = typename fn_traits<F>::args;
  using type = typename keyed_state_value<std::remove_cvref_t<std::tuple_element_t<std::tuple_size_v<args> - 1, args>>>::type;
};

}  // namespace detail

/// Keeps a state per key across batches (Spark's `updateStateByKey`).
///
/// Signature: `update_state_by_key(f [, n] [, initial_state])` with
/// `f(std::span<const V> new_values, std::optional<S> state) -> std::optional<S>` or
/// `f(batch_time, const K&, std::span<const V>, std::optional<S>) -> std::optional<S>`
/// (the values may also be taken as `const std::vector<V>&`, `std::vector<V>` or `auto`):
/// `dstream<pair<K, V>>` → `dstream<pair<K, S>>`, the whole state after each batch.
/// Every key is called every batch (with no values when it had none); returning
/// `std::nullopt` removes the key. Needs `checkpoint(dir)`.
///
/// Example:
/// `pairs | ds::update_state_by_key([](std::span<const int> vs, std::optional<int> s) {
///    return std::optional<int>(s.value_or(0) + std::accumulate(vs.begin(), vs.end(), 0)); })`
template <class F, class Init>
class update_state_by_key_t : public detail::op_base {
 public:
  using kind = detail::stream_kind;
  update_state_by_key_t(F f, std::size_t n, Init initial) : f_(std::move(f)), n_(n), initial_(std::move(initial)) {}

  template <class E>
  auto apply(const dstream<E>& s) const {
    static_assert(detail::is_pair_v<E>,
                  "ds::update_state_by_key(f): the elements must be std::pair<K, V>; the element type is named below");
    if constexpr (!detail::pair_like<E>) {
      return detail::failed_pipeline{};  // only the message above is reported
    } else {
      using K = typename E::first_type;
      using V = typename E::second_type;
      using S = typename state_of<V>::type;
      // The values are passed as `const std::vector<V>&`: `f` may take them as that, as
      // `std::span<const V>`, `std::vector<V>` or any range.
      constexpr bool plain = std::is_invocable_v<const F&, const std::vector<V>&, std::optional<S>>;
      constexpr bool timed = std::is_invocable_v<const F&, batch_time, const K&, const std::vector<V>&, std::optional<S>>;
      static_assert(plain || timed,
                    "ds::update_state_by_key(f): f must be callable as optional<S>(values, optional<S>) or "
                    "optional<S>(ds::batch_time, const K&, values, optional<S>), the values taken as std::span<const V>, "
                    "const std::vector<V>& or any range, for the K and V named below");
      if constexpr (!(plain || timed)) {
        return detail::failed_pipeline{};
      } else {
        detail::owner_of(s).check_building("ds::update_state_by_key");
        std::size_t n = n_ ? n_ : detail::owner_of(s).context().default_parallelism();
        std::optional<rdd<std::pair<K, S>>> init;
        if constexpr (!std::is_same_v<Init, std::nullptr_t>) init = detail::as_rdd(initial_);
        return detail::stream_of<std::pair<K, S>>(
            std::make_shared<detail::update_state_node<K, V, S, F, !plain>>(detail::node_of(s), f_, n, std::move(init)));
      }
    }
  }

 private:
  template <class V>
  struct state_of {
    using type = typename detail::update_state_type<F, V>::type;
  };
  template <class V>
    requires(!std::is_same_v<Init, std::nullptr_t>)
  struct state_of<V> {
    using type = typename decltype(detail::as_rdd(std::declval<const Init&>()))::value_type::second_type;
  };

  F f_;
  std::size_t n_;
  Init initial_;
};

namespace detail {
struct update_state_by_key_fn {
  template <class F>
  auto operator()(F f, std::size_t n = 0) const {
    return update_state_by_key_t<F, std::nullptr_t>(std::move(f), n, nullptr);
  }
  template <class F, class Init>
    requires(!std::is_integral_v<Init>)
  auto operator()(F f, Init initial) const {
    return update_state_by_key_t<F, Init>(std::move(f), 0, std::move(initial));
  }
  template <class F, class Init>
  auto operator()(F f, std::size_t n, Init initial) const {
    return update_state_by_key_t<F, Init>(std::move(f), n, std::move(initial));
  }
};
}  // namespace detail
/// See `update_state_by_key_t`.
inline constexpr detail::update_state_by_key_fn update_state_by_key{};

/// What `map_with_state` does (Spark's `StateSpec`): the function, and optionally an
/// initial state, a partition count and an idle timeout.
///
/// Signature: `state_spec(f).initial_state(rdd).num_partitions(n).timeout(d)`, with
/// `f(batch_time, const K&, std::optional<V>, ds::keyed_state<S>&) -> std::optional<U>` or
/// `f(const K&, std::optional<V>, ds::keyed_state<S>&) -> U`.
template <class F, class Init = std::nullptr_t>
class state_spec {
 public:
  explicit state_spec(F f) : f_(std::move(f)) {}
  state_spec(F f, Init init, std::size_t n, std::optional<duration> timeout)
      : f_(std::move(f)), init_(std::move(init)), n_(n), timeout_(timeout) {}

  template <class R>
  state_spec<F, R> initial_state(R r) const {
    return state_spec<F, R>(f_, std::move(r), n_, timeout_);
  }
  state_spec num_partitions(std::size_t n) const {
    auto s = *this;
    s.n_ = n;
    return s;
  }
  state_spec timeout(duration d) const {
    if (d.count() <= 0) throw std::invalid_argument("ds::state_spec::timeout: the timeout must be positive");
    auto s = *this;
    s.timeout_ = d;
    return s;
  }

  const F& function() const noexcept { return f_; }
  const Init& initial() const noexcept { return init_; }
  std::size_t partitions() const noexcept { return n_; }
  std::optional<duration> idle_timeout() const noexcept { return timeout_; }

 private:
  F f_;
  Init init_{};
  std::size_t n_ = 0;
  std::optional<duration> timeout_;
};

/// The stream `map_with_state` returns: its mapped values, and the whole state after each
/// batch with `state_snapshots()`.
template <class U, class K, class S, class M>
class map_with_state_stream : public dstream<U> {
 public:
  explicit map_with_state_stream(std::shared_ptr<M> m) : dstream<U>(m), m_(std::move(m)) {}
  dstream<std::pair<K, S>> state_snapshots() const {
    if (!*slot_) {
      detail::owner_of(*this).check_building("map_with_state(...).state_snapshots()");
      *slot_ = std::make_shared<detail::snapshot_node<K, S, M>>(m_);
    }
    return detail::stream_of<std::pair<K, S>>(*slot_);
  }

 private:
  std::shared_ptr<M> m_;
  // Shared by copies, so every copy gives the same snapshot stream.
  std::shared_ptr<std::shared_ptr<detail::node<std::pair<K, S>>>> slot_ =
      std::make_shared<std::shared_ptr<detail::node<std::pair<K, S>>>>();
};

/// Applies a state spec per record, touching only keys with data (Spark's `mapWithState`).
///
/// Signature: `map_with_state(spec)`: `dstream<pair<K, V>>` → a `dstream<U>` with
/// `.state_snapshots()` (`dstream<pair<K, S>>`). Needs `checkpoint(dir)`.
///
/// Example: `pairs | ds::map_with_state(ds::state_spec(running_sum).timeout(60s))`
template <class F, class Init>
class map_with_state_t : public detail::op_base {
 public:
  using kind = detail::stream_kind;
  explicit map_with_state_t(state_spec<F, Init> spec) : spec_(std::move(spec)) {}

  template <class E>
  auto apply(const dstream<E>& s) const {
    static_assert(detail::is_pair_v<E>,
                  "ds::map_with_state(spec): the elements must be std::pair<K, V>; the element type is named below");
    if constexpr (!detail::pair_like<E>) {
      return detail::failed_pipeline{};  // only the message above is reported
    } else {
      using S = typename state_type<typename E::first_type, typename E::second_type>::type;
      static_assert(!std::is_void_v<S>,
                    "ds::map_with_state(spec): cannot tell the state type; declare the function's last parameter as "
                    "ds::keyed_state<S>& (not auto&), or give the spec an initial_state rdd");
      if constexpr (std::is_void_v<S>) {
        return detail::failed_pipeline{};
      } else {
        return build<typename E::first_type, typename E::second_type, S>(s);
      }
    }
  }

 private:
  template <class K, class V, class S, class E>
  auto build(const dstream<E>& s) const {
    constexpr bool timed = std::is_invocable_v<const F&, batch_time, const K&, std::optional<V>, keyed_state<S>&>;
    constexpr bool plain = std::is_invocable_v<const F&, const K&, std::optional<V>, keyed_state<S>&>;
    static_assert(timed || plain,
                  "ds::map_with_state(spec): the function must be callable as f(ds::batch_time, const K&, "
                  "std::optional<V>, ds::keyed_state<S>&) or f(const K&, std::optional<V>, ds::keyed_state<S>&), "
                  "for the K, V and S named below");
    if constexpr (!(timed || plain)) {
      return detail::failed_pipeline{};
    } else {
      using R = typename std::conditional_t<timed,
                                            std::invoke_result<const F&, batch_time, const K&, std::optional<V>, keyed_state<S>&>,
                                            std::invoke_result<const F&, const K&, std::optional<V>, keyed_state<S>&>>::type;
      using O = typename detail::optional_value<std::remove_cvref_t<R>>::type;
      constexpr bool optional = timed && !std::is_void_v<O>;
      using U = std::conditional_t<optional, O, std::remove_cvref_t<R>>;
      detail::owner_of(s).check_building("ds::map_with_state");
      std::size_t n = spec_.partitions() ? spec_.partitions() : detail::owner_of(s).context().default_parallelism();
      std::optional<rdd<std::pair<K, S>>> init;
      if constexpr (!std::is_same_v<Init, std::nullptr_t>) init = detail::as_rdd(spec_.initial());
      using M = detail::map_with_state_node<K, V, S, U, F, timed, optional>;
      auto m = std::make_shared<M>(detail::node_of(s), spec_.function(), n, std::move(init), spec_.idle_timeout());
      return map_with_state_stream<U, K, S, M>(std::move(m));
    }
  }

  template <class K, class V>
  struct state_type {
    using type = typename detail::mapping_state_type<F>::type;
  };
  template <class K, class V>
    requires(!std::is_same_v<Init, std::nullptr_t>)
  struct state_type<K, V> {
    using type = typename decltype(detail::as_rdd(std::declval<const Init&>()))::value_type::second_type;
  };

  state_spec<F, Init> spec_;
};

namespace detail {
struct map_with_state_fn {
  template <class F, class Init>
  map_with_state_t<F, Init> operator()(state_spec<F, Init> spec) const {
    return map_with_state_t<F, Init>(std::move(spec));
  }
};
}  // namespace detail

/// See `map_with_state_t`.
inline constexpr detail::map_with_state_fn map_with_state{};

/// Names the stateful operator before it: its state is kept under this name in
/// checkpoints, so recovery finds it even when other parts of the graph changed.
///
/// Signature: `named(name)`: `dstream<T>` → `dstream<T>` (the same stream).
///
/// Example: `pairs | ds::update_state_by_key(add) | ds::named("totals")`
class named_t : public detail::op_base {
 public:
  using kind = detail::stream_kind;
  explicit named_t(std::string name) : name_(std::move(name)) {
    if (name_.empty()) throw std::invalid_argument("ds::named: the name is empty");
  }
  template <class T>
  dstream<T> apply(const dstream<T>& s) const {
    // The name goes to the nearest stateful node up a single-parent chain (a `map` after
    // a window's reduce still names the reduce).
    detail::node_base* n = detail::node_of(s).get();
    while (n && !n->stateful() && n->parents().size() == 1) n = n->parents().front().get();
    if (n && n->stateful()) {
      n->name = name_;
    } else {
      detail::node_of(s)->name = name_;
    }
    return s;
  }

 private:
  std::string name_;
};

namespace detail {
struct named_fn {
  named_t operator()(std::string name) const { return named_t(std::move(name)); }
};
}  // namespace detail

/// See `named_t`.
inline constexpr detail::named_fn named{};

}  // namespace dstream
