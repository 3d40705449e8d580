#pragma once
// The two-input keyed operators (join, the outer joins, cogroup) share one closure: both
// inputs are grouped by key into the same partitions, then a "shape" turns each key's two
// groups of values into output elements.

#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/combine.hpp>
#include <dstream/detail/traits.hpp>

namespace dstream::detail {

template <class Other, class Shape>
class cogroup_op : public op_base, public partitioned {
 public:
  using kind = cogroup_kind;
  using shape = Shape;

  cogroup_op(Other other, std::size_t n) : partitioned{n}, other_(std::move(other)) {}

  const Other& other() const noexcept { return other_; }

  /// The same operator with another right-hand input (a dstream operator applies to the
  /// right-hand rdd of each batch this way).
  template <class O>
  cogroup_op<std::remove_cvref_t<O>, Shape> with_other(O&& o) const {
    return {std::forward<O>(o), partitions};
  }

 private:
  Other other_;
};

struct join_shape {
  static constexpr const char* name = "ds::join";
  template <class K, class V, class W>
  using output = std::pair<K, std::pair<V, W>>;
  template <class K, class V, class W, class Out>
  static void emit(const K& k, std::vector<V>& vs, std::vector<W>& ws, Out&& out) {
    for (const V& v : vs)
      for (const W& w : ws) out(output<K, V, W>(k, {v, w}));
  }
};

struct left_outer_join_shape {
  static constexpr const char* name = "ds::left_outer_join";
  template <class K, class V, class W>
  using output = std::pair<K, std::pair<V, std::optional<W>>>;
  template <class K, class V, class W, class Out>
  static void emit(const K& k, std::vector<V>& vs, std::vector<W>& ws, Out&& out) {
    for (const V& v : vs) {
      if (ws.empty()) out(output<K, V, W>(k, {v, std::nullopt}));
      for (const W& w : ws) out(output<K, V, W>(k, {v, w}));
    }
  }
};

struct right_outer_join_shape {
  static constexpr const char* name = "ds::right_outer_join";
  template <class K, class V, class W>
  using output = std::pair<K, std::pair<std::optional<V>, W>>;
  template <class K, class V, class W, class Out>
  static void emit(const K& k, std::vector<V>& vs, std::vector<W>& ws, Out&& out) {
    if (vs.empty()) {
      for (const W& w : ws) out(output<K, V, W>(k, {std::nullopt, w}));
    }
    for (const V& v : vs)
      for (const W& w : ws) out(output<K, V, W>(k, {v, w}));
  }
};

struct full_outer_join_shape {
  static constexpr const char* name = "ds::full_outer_join";
  template <class K, class V, class W>
  using output = std::pair<K, std::pair<std::optional<V>, std::optional<W>>>;
  template <class K, class V, class W, class Out>
  static void emit(const K& k, std::vector<V>& vs, std::vector<W>& ws, Out&& out) {
    if (vs.empty()) {
      for (const W& w : ws) out(output<K, V, W>(k, {std::nullopt, w}));
    } else if (ws.empty()) {
      for (const V& v : vs) out(output<K, V, W>(k, {v, std::nullopt}));
    } else {
      for (const V& v : vs)
        for (const W& w : ws) out(output<K, V, W>(k, {v, w}));
    }
  }
};

struct cogroup_shape {
  static constexpr const char* name = "ds::cogroup";
  template <class K, class V, class W>
  using output = std::pair<K, std::pair<std::vector<V>, std::vector<W>>>;
  template <class K, class V, class W, class Out>
  static void emit(const K& k, std::vector<V>& vs, std::vector<W>& ws, Out&& out) {
    out(output<K, V, W>(k, {std::move(vs), std::move(ws)}));
  }
};

/// The object behind `ds::join`, `ds::cogroup`, ...: `name(other [, n])`.
template <class Shape>
struct two_input_fn {
  template <class Other>
  auto operator()(Other&& other, std::size_t num_partitions = 0) const {
    return cogroup_op<std::remove_cvref_t<Other>, Shape>(std::forward<Other>(other), num_partitions);
  }
};

struct join_fn : two_input_fn<join_shape> {};
struct left_outer_join_fn : two_input_fn<left_outer_join_shape> {};
struct right_outer_join_fn : two_input_fn<right_outer_join_shape> {};
struct full_outer_join_fn : two_input_fn<full_outer_join_shape> {};
struct cogroup_fn : two_input_fn<cogroup_shape> {};

}  // namespace dstream::detail
