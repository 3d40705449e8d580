#pragma once
// How the library reaches the internals of its public handles (rdd, context, dstream,
// streaming_context), which their public interfaces do not show: each handle befriends
// `access`, and the library calls `core_of`, `node_of`, `owner_of` and `access::make`.

#include <utility>

namespace dstream::detail {

struct access {
  /// The shared core (pool, configuration) of an rdd, an rdd expression or a context.
  template <class H>
  static decltype(auto) core(const H& h) noexcept {
    return h.core();
  }
  /// The graph node behind a dstream.
  template <class H>
  static decltype(auto) node(const H& h) noexcept {
    return h.node();
  }
  /// The scheduler a dstream belongs to.
  template <class H>
  static decltype(auto) owner(const H& h) noexcept {
    return h.owner();
  }
  /// A handle made with one of its private constructors.
  template <class H, class... A>
  static H make(A&&... a) {
    return H(std::forward<A>(a)...);
  }
};

template <class H>
decltype(auto) core_of(const H& h) noexcept {
  return access::core(h);
}
template <class H>
decltype(auto) node_of(const H& h) noexcept {
  return access::node(h);
}
template <class H>
decltype(auto) owner_of(const H& h) noexcept {
  return access::owner(h);
}

}  // namespace dstream::detail
