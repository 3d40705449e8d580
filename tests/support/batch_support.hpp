#pragma once
// Shared by the batch tests: input shapes every operator is run over, reference slicing,
// and small helpers to read an rdd's partitions back. It includes the batch headers
// one by one (not the umbrella): the batch tests need nothing of the streaming layer.

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <dstream/batch/conf.hpp>
#include <dstream/batch/context.hpp>
#include <dstream/batch/rdd.hpp>
#include <dstream/ops/cogroup.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/ops/combine_by_key.hpp>
#include <dstream/ops/count.hpp>
#include <dstream/ops/count_by_value.hpp>
#include <dstream/ops/distinct.hpp>
#include <dstream/ops/filter.hpp>
#include <dstream/ops/flat_map.hpp>
#include <dstream/ops/flat_map_values.hpp>
#include <dstream/ops/foreach.hpp>
#include <dstream/ops/glom.hpp>
#include <dstream/ops/group_by_key.hpp>
#include <dstream/ops/join.hpp>
#include <dstream/ops/key_by.hpp>
#include <dstream/ops/map.hpp>
#include <dstream/ops/map_partitions.hpp>
#include <dstream/ops/map_values.hpp>
#include <dstream/ops/reduce.hpp>
#include <dstream/ops/reduce_by_key.hpp>
#include <dstream/ops/repartition.hpp>
#include <dstream/ops/take.hpp>
#include <dstream/ops/union_with.hpp>
#include <dstream/text/split.hpp>

namespace ds = dstream;

namespace dstream_test {

/// How many elements an input has and how many slices it is cut into. The list covers the
/// cases each operator must survive: an empty rdd, more slices than elements (empty
/// partitions), one partition and many.
struct shape {
  std::size_t size;
  std::size_t slices;
};

inline const std::vector<shape>& shapes() {
  static const std::vector<shape> all{{0, 1}, {0, 8}, {3, 8}, {20, 1}, {20, 8}, {37, 3}};
  return all;
}

/// One context per worker count for the whole test run: a pool is cheap, but sharing it
/// also shows that one context serves many independent jobs.
inline ds::context& shared_context(std::size_t threads = 4) {
  static ds::context one{ds::conf().app_name("tests-1").master("local[1]")};
  static ds::context four{ds::conf().app_name("tests-4").master("local[4]")};
  return threads == 1 ? one : four;
}

/// Spark's slicing of `n` elements into `p` slices: slice j holds [j·n/p, (j+1)·n/p).
template <class T>
std::vector<std::vector<T>> reference_slices(const std::vector<T>& all, std::size_t p) {
  std::vector<std::vector<T>> out(p);
  const std::size_t n = all.size();
  for (std::size_t j = 0; j < p; ++j)
    for (std::size_t i = j * n / p; i < (j + 1) * n / p; ++i) out[j].push_back(all[i]);
  return out;
}

/// The partitions of an rdd as vectors (copies), in order.
template <class T>
std::vector<std::vector<T>> partitions_of(const ds::rdd<T>& r) {
  std::vector<std::vector<T>> out;
  for (std::size_t i = 0; i < r.num_partitions(); ++i) {
    auto p = r.partition(i);
    out.emplace_back(p.begin(), p.end());
  }
  return out;
}

template <class T>
std::vector<T> sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Deterministic inputs of each element kind the operators are checked with.
inline std::vector<int> ints(std::size_t n) {
  std::vector<int> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(static_cast<int>((i * 7 + 3) % 11));
  return v;
}

// Longer than the small-string buffer, so copies of them would show up as allocations.
inline std::vector<std::string> strings(std::size_t n) {
  static const char* words[] = {"apple", "banana", "cherry", "", "a rather long string beyond sso", "fig"};
  std::vector<std::string> v;
  for (std::size_t i = 0; i < n; ++i) v.emplace_back(words[(i * 5) % 6]);
  return v;
}

inline std::vector<std::pair<std::string, int>> pairs(std::size_t n) {
  std::vector<std::pair<std::string, int>> v;
  // append, not `"k" + std::to_string(...)`: g++ 12 at -O3 raises a false -Wrestrict there.
  for (std::size_t i = 0; i < n; ++i)
    v.emplace_back(std::string("k").append(std::to_string(i % 4)), static_cast<int>(i));
  return v;
}

/// Reads the values out of a vector of unique_ptrs (move-only elements of the tests).
inline std::vector<int> unbox(const std::vector<std::unique_ptr<int>>& v) {
  std::vector<int> out;
  for (const auto& p : v) out.push_back(p ? *p : -1);
  return out;
}

}  // namespace dstream_test
