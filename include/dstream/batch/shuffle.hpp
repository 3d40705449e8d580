#pragma once
// The shuffle: the keyed combine with a map-side combine (reduce_by_key, group_by_key,
// combine_by_key, count_by_value, distinct), the two-input grouping behind the joins and
// cogroup, round-robin repartitioning and hash partitioning by key. Each runs a stage into
// per-partition terminals, then moves the results to their output partitions.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <mutex>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/hana/tuple.hpp>

#include <dstream/batch/stage.hpp>
#include <dstream/detail/access.hpp>
#include <dstream/detail/combine.hpp>
#include <dstream/detail/fusion.hpp>
#include <dstream/detail/keyed.hpp>
#include <dstream/detail/traits.hpp>
#include <dstream/ops/group_by_key.hpp>

namespace dstream::detail {

/// Map side of a combine: one hash map per input partition, filled by the stage's loop.
/// A key already present costs a lookup by view and a merge: no allocation.
template <class Op, class Y>
struct combine_terminal {
  using X = std::remove_cvref_t<Y>;
  using types = typename Op::template types<X>;
  using key_type = typename types::key;
  using combiner_type = typename types::combiner;

  const Op* op = nullptr;
  key_map<key_type, combiner_type> map;

  template <class Z>
  void push(Z&& z) {
    auto it = find_key(map, op->key(z));
    if (it != map.end()) {
      op->merge_value(it->second, std::forward<Z>(z));
    } else {
      // owned_key takes the key part only and create the value part only, so forwarding
      // the element to both is safe.
      auto key = op->owned_key(z);
      map.emplace(std::move(key), op->create(std::forward<Z>(z)));
    }
  }
  void finish() {}
};

/// The sizes of the map-side maps a stream's keyed combine built at its previous batch,
/// by input partition: the next batch's maps are reserved that large, so they do not grow
/// through a rehash every doubling while the stage fills them (a stream's batches tend to
/// hold as many distinct keys as the batch before).
class combine_size_hint {
 public:
  std::vector<std::size_t> get() const {
    std::lock_guard lock(m_);
    return sizes_;
  }
  void set(std::vector<std::size_t> sizes) {
    std::lock_guard lock(m_);
    sizes_ = std::move(sizes);
  }

 private:
  mutable std::mutex m_;  // batches of one stream may run at once (concurrent jobs)
  std::vector<std::size_t> sizes_;
};

/// Runs a keyed combine (`reduce_by_key`, `group_by_key`, ...) over the stage `base | ops`
/// into `n` output partitions (keys placed by `partition_of`). With a `hint`, the maps
/// start at the sizes it holds and leave theirs in it.
template <class T, class Ops, class Op>
auto combine_parts(const rdd<T>& base, const Ops& ops, const Op& op, std::size_t n, std::int64_t time_ms = 0,
                   combine_size_hint* hint = nullptr) {
  using Y = flow_t<T, Ops>;
  using Term = combine_terminal<Op, Y>;
  using K = typename Term::key_type;
  using C = typename Term::combiner_type;
  using Out = typename Term::types::output;
  static_assert(!std::is_same_v<Out, bad_element>, "dstream: see the error above about the element type");

  const std::size_t m = base.num_partitions();
  partitions_of<Out> out(n);
  if (n == 0) return out;
  std::vector<Term> maps(m);
  for (auto& t : maps) t.op = &op;
  if (hint) {
    const std::vector<std::size_t> sizes = hint->get();
    for (std::size_t i = 0; i < m && i < sizes.size(); ++i) maps[i].map.reserve(sizes[i]);
  }
  run_stage_range(base, ops, maps, 0, m, time_ms);
  if (hint) {
    std::vector<std::size_t> sizes(m);
    for (std::size_t i = 0; i < m; ++i) sizes[i] = maps[i].map.size();
    hint->set(std::move(sizes));
  }

  auto emit = [&op](key_map<K, C>& map, std::vector<Out>& dest) {
    dest.reserve(dest.size() + map.size());
    for (auto& kv : map) {
      dest.push_back(op.output(K(std::move(const_cast<K&>(kv.first))), std::move(kv.second)));
    }
  };
  if (m == 1 && n == 1) {
    emit(maps[0].map, out[0]);
    return out;
  }

  // Split each map by destination partition, then merge per destination.
  std::vector<std::vector<std::vector<std::pair<K, C>>>> buckets(m);
  auto split = [&](std::size_t i) {
    auto& b = buckets[i];
    b.resize(n);
    auto& map = maps[i].map;
    if (n > 1) {
      for (auto& bucket : b) bucket.reserve(map.size() / n + 1);
    }
    for (auto& kv : map) {
      std::size_t j = partition_of(kv.first, n);
      b[j].emplace_back(std::move(const_cast<K&>(kv.first)), std::move(kv.second));
    }
    key_map<K, C>().swap(map);
  };
  auto merge = [&](std::size_t j) {
    key_map<K, C> merged;
    std::size_t total = 0;
    for (std::size_t i = 0; i < m; ++i) total += buckets[i][j].size();
    merged.reserve(total);
    for (std::size_t i = 0; i < m; ++i) {
      for (auto& [k, c] : buckets[i][j]) {
        auto it = merged.find(k);
        if (it != merged.end()) {
          op.merge_combiners(it->second, std::move(c));
        } else {
          merged.emplace(std::move(k), std::move(c));
        }
      }
      std::vector<std::pair<K, C>>().swap(buckets[i][j]);
    }
    emit(merged, out[j]);
  };
  for_each_index(core_of(base), m, split);
  for_each_index(core_of(base), n, merge);
  return out;
}

// Two-input operators.

template <class Shape, class L, class R, class Op>
auto cogroup_rdds(const L& left, const R& right, const Op& op) {
  using LE = typename L::value_type;
  using RE = typename R::value_type;
  static_assert(pair_like<LE>, "ds::join / ds::cogroup: the left input's elements must be std::pair<K, V>");
  static_assert(pair_like<RE>, "ds::join / ds::cogroup: the right input's elements must be std::pair<K, W>");
  using K = owned_t<key_t<LE>>;
  using V = owned_t<value_t<LE>>;
  using W = owned_t<value_t<RE>>;
  static_assert(std::is_same_v<K, owned_t<key_t<RE>>>,
                "ds::join / ds::cogroup: both inputs must have the same key type (named below)");
  using Out = typename Shape::template output<K, V, W>;

  const std::size_t n = op.partitions_or(std::max(left.num_partitions(), right.num_partitions()));
  group_by_key_t g(n);  // both sides grouped by key, as group_by_key does
  auto lg = combine_parts(left, boost::hana::tuple<>{}, g, n);
  auto rg = combine_parts(right, boost::hana::tuple<>{}, g, n);
  partitions_of<Out> out(n);
  auto join_part = [&](std::size_t j) {
    auto& ls = lg[j];
    auto& rs = rg[j];
    key_map<K, std::size_t> right_index;
    right_index.reserve(rs.size());
    for (std::size_t k = 0; k < rs.size(); ++k) right_index.emplace(rs[k].first, k);
    std::vector<bool> used(rs.size(), false);
    std::vector<V> no_v;
    std::vector<W> no_w;
    auto sink = [&](Out&& o) { out[j].push_back(std::move(o)); };
    for (auto& [k, vs] : ls) {
      auto it = right_index.find(k);
      if (it != right_index.end()) {
        used[it->second] = true;
        Shape::emit(k, vs, rs[it->second].second, sink);
      } else {
        no_w.clear();
        Shape::emit(k, vs, no_w, sink);
      }
    }
    for (std::size_t k = 0; k < rs.size(); ++k) {
      if (used[k]) continue;
      no_v.clear();
      Shape::emit(rs[k].first, no_v, rs[k].second, sink);
    }
  };
  for_each_index(core_of(left), n, join_part);
  return out;
}

/// Round-robin redistribution into `n` partitions: input partition i starts at output
/// partition i mod n; each output keeps the input order.
template <class T>
partitions_of<T> repartition_parts(const rdd<T>& in, std::size_t n) {
  partitions_of<T> out(n);
  const std::size_t m = in.num_partitions();
  auto fill = [&](std::size_t j) {
    std::size_t total = 0;
    for (std::size_t i = 0; i < m; ++i) {
      std::size_t size = in.partition(i).size();
      std::size_t first = (j + n - i % n) % n;
      if (first < size) total += (size - first + n - 1) / n;
    }
    out[j].reserve(total);
    for (std::size_t i = 0; i < m; ++i) {
      auto part = in.partition(i);
      for (std::size_t k = (j + n - i % n) % n; k < part.size(); k += n) out[j].push_back(part[k]);
    }
  };
  for_each_index(core_of(in), n, fill);
  return out;
}

/// Hash-partitions the pairs of `in` by key into `n` partitions (as the shuffle places
/// keys), keeping the input order within each: no combine, one move per element.
template <class K, class V>
partitions_of<std::pair<K, V>> partition_by_key(const rdd<std::pair<K, V>>& in, std::size_t n) {
  const std::size_t m = in.num_partitions();
  std::vector<partitions_of<std::pair<K, V>>> buckets(m, partitions_of<std::pair<K, V>>(n));
  auto split = [&](std::size_t i) {
    for (const auto& kv : in.partition(i)) buckets[i][partition_of(kv.first, n)].push_back(kv);
  };
  partitions_of<std::pair<K, V>> out(n);
  auto merge = [&](std::size_t j) {
    std::size_t total = 0;
    for (std::size_t i = 0; i < m; ++i) total += buckets[i][j].size();
    out[j].reserve(total);
    for (std::size_t i = 0; i < m; ++i)
      for (auto& kv : buckets[i][j]) out[j].push_back(std::move(kv));
  };
  for_each_index(core_of(in), m, split);
  for_each_index(core_of(in), n, merge);
  return out;
}

}  // namespace dstream::detail
