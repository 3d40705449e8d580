// Wide operators on rdds: shuffles, joins, unions and repartitioning, each compared with
// a plain reference computation. Hash placement decides where keys land, so outputs are
// sorted before comparing, except where the contract fixes the order.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <dstream/detail/keyed.hpp>

#include "support/batch_support.hpp"

using namespace dstream_test;

namespace {

using boxed = std::unique_ptr<int>;

/// Round robin as the contract says: element k of input partition i goes to output
/// partition (i + k) mod n, each output keeping the input order.
template <class T>
std::vector<std::vector<T>> reference_repartition(const std::vector<std::vector<T>>& in, std::size_t n) {
  std::vector<std::vector<T>> out(n);
  for (std::size_t i = 0; i < in.size(); ++i)
    for (std::size_t k = 0; k < in[i].size(); ++k) out[(i + k) % n].push_back(in[i][k]);
  return out;
}

/// The values of each key in input order, keys sorted.
template <class K, class V>
std::vector<std::pair<K, std::vector<V>>> reference_groups(const std::vector<std::pair<K, V>>& in) {
  std::map<K, std::vector<V>> m;
  for (const auto& [k, v] : in) m[k].push_back(v);
  return {m.begin(), m.end()};
}

template <class K, class V, class F>
std::vector<std::pair<K, V>> reference_reduce(const std::vector<std::pair<K, V>>& in, F f) {
  std::map<K, V> m;
  for (const auto& [k, v] : in) {
    auto it = m.find(k);
    if (it == m.end()) {
      m.emplace(k, v);
    } else {
      it->second = f(it->second, v);
    }
  }
  return {m.begin(), m.end()};
}

/// Keys of an rdd of pairs, partition by partition.
template <class K, class V>
std::vector<std::set<K>> keys_by_partition(const ds::rdd<std::pair<K, V>>& r) {
  std::vector<std::set<K>> out;
  for (std::size_t i = 0; i < r.num_partitions(); ++i) {
    out.emplace_back();
    for (const auto& kv : r.partition(i)) out.back().insert(kv.first);
  }
  return out;
}

std::vector<std::pair<int, std::string>> left_side(std::size_t n) {
  std::vector<std::pair<int, std::string>> v;
  for (std::size_t i = 0; i < n; ++i) v.emplace_back(static_cast<int>(i % 5), std::string("l").append(std::to_string(i)));
  return v;
}
std::vector<std::pair<int, int>> right_side(std::size_t n) {
  std::vector<std::pair<int, int>> v;
  for (std::size_t i = 0; i < n; ++i) v.emplace_back(static_cast<int>(i % 7) - 2, static_cast<int>(i) * 10);
  return v;
}

using left_t = std::pair<int, std::string>;
using right_t = std::pair<int, int>;

template <class L, class R>
auto reference_join(const std::vector<L>& l, const std::vector<R>& r) {
  std::vector<std::pair<int, std::pair<std::string, int>>> out;
  for (const auto& [k, v] : l)
    for (const auto& [k2, w] : r)
      if (k == k2) out.push_back({k, {v, w}});
  return sorted(out);
}
auto reference_left_outer(const std::vector<left_t>& l, const std::vector<right_t>& r) {
  std::vector<std::pair<int, std::pair<std::string, std::optional<int>>>> out;
  for (const auto& [k, v] : l) {
    bool any = false;
    for (const auto& [k2, w] : r)
      if (k == k2) {
        out.push_back({k, {v, w}});
        any = true;
      }
    if (!any) out.push_back({k, {v, std::nullopt}});
  }
  return sorted(out);
}
auto reference_right_outer(const std::vector<left_t>& l, const std::vector<right_t>& r) {
  std::vector<std::pair<int, std::pair<std::optional<std::string>, int>>> out;
  for (const auto& [k, w] : r) {
    bool any = false;
    for (const auto& [k2, v] : l)
      if (k == k2) {
        out.push_back({k, {v, w}});
        any = true;
      }
    if (!any) out.push_back({k, {std::nullopt, w}});
  }
  return sorted(out);
}
auto reference_full_outer(const std::vector<left_t>& l, const std::vector<right_t>& r) {
  std::vector<std::pair<int, std::pair<std::optional<std::string>, std::optional<int>>>> out;
  for (const auto& [k, v] : reference_left_outer(l, r)) out.push_back({k, {v.first, v.second}});
  for (const auto& [k, w] : r) {
    bool in_left = false;
    for (const auto& kv : l) in_left = in_left || kv.first == k;
    if (!in_left) out.push_back({k, {std::nullopt, w}});
  }
  return sorted(out);
}
auto reference_cogroup(const std::vector<left_t>& l, const std::vector<right_t>& r) {
  std::map<int, std::pair<std::vector<std::string>, std::vector<int>>> m;
  for (const auto& [k, v] : l) m[k].first.push_back(v);
  for (const auto& [k, w] : r) m[k].second.push_back(w);
  return std::vector<std::pair<int, std::pair<std::vector<std::string>, std::vector<int>>>>(m.begin(), m.end());
}

}  // namespace

TEST_CASE("repartition deals elements round robin, as Spark does") {
  auto& ctx = shared_context();
  SECTION("input partition i starts at output partition i mod n") {
    auto r = ctx.make_rdd<int>({{0, 1, 2, 3, 4}, {5, 6}, {}, {7, 8, 9}});
    auto out = r | ds::repartition(3);
    REQUIRE(partitions_of(out) == std::vector<std::vector<int>>{{0, 3, 7}, {1, 4, 5, 8}, {2, 6, 9}});
    REQUIRE(partitions_of(r | ds::repartition(1)) == std::vector<std::vector<int>>{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}});
  }
  SECTION("every shape into fewer and more partitions") {
    for (const shape& sh : shapes()) {
      for (std::size_t n : {1u, 2u, 5u, 8u, 13u}) {
        CAPTURE(sh.size, sh.slices, n);
        auto in = ctx.parallelize(ints(sh.size), sh.slices);
        auto out = in | ds::repartition(n);
        REQUIRE(out.num_partitions() == n);
        REQUIRE(partitions_of(out) == reference_repartition(partitions_of(in), n));

        auto s = ctx.parallelize(strings(sh.size), sh.slices);
        REQUIRE(partitions_of(s | ds::repartition(n)) == reference_repartition(partitions_of(s), n));
        auto p = ctx.parallelize(pairs(sh.size), sh.slices);
        REQUIRE(partitions_of(p | ds::repartition(n)) == reference_repartition(partitions_of(p), n));
      }
    }
  }
  SECTION("after narrow operators") {
    auto in = ctx.parallelize(ints(20), 4);
    auto mapped = (in | ds::map([](int x) { return x * 2; })).materialize();
    auto out = in | ds::map([](int x) { return x * 2; }) | ds::repartition(3);
    REQUIRE(partitions_of(out) == reference_repartition(partitions_of(mapped), 3));
  }
  SECTION("zero partitions is refused") { REQUIRE_THROWS_AS(ds::repartition(0), std::invalid_argument); }
}

TEST_CASE("law: reduce_by_key gives the same result for any partitioning") {
  auto& ctx = shared_context();
  std::vector<std::pair<std::string, int>> words;
  for (int i = 0; i < 200; ++i) words.emplace_back(std::string("w").append(std::to_string((i * 37) % 23)), i);
  const auto expected = reference_reduce(words, std::plus<>{});
  for (std::size_t slices = 1; slices <= 8; ++slices) {
    auto in = ctx.parallelize(words, slices);
    for (std::size_t n = 0; n <= 8; ++n) {
      CAPTURE(slices, n);
      auto out = in | ds::reduce_by_key(std::plus<>{}, n);
      REQUIRE(out.num_partitions() == (n ? n : slices));
      REQUIRE(sorted(out | ds::collect()) == expected);
    }
  }
}

TEST_CASE("reduce_by_key merges the values of each key") {
  auto& ctx = shared_context();
  SECTION("every shape, pairs of strings and ints") {
    for (const shape& sh : shapes()) {
      CAPTURE(sh.size, sh.slices);
      const auto in = pairs(sh.size);
      auto out = ctx.parallelize(in, sh.slices) | ds::reduce_by_key([](int a, int b) { return a + b; });
      REQUIRE(out.num_partitions() == sh.slices);
      REQUIRE(sorted(out | ds::collect()) == reference_reduce(in, std::plus<>{}));
    }
  }
  SECTION("string values, keys made from string_views") {
    std::vector<std::string> lines{"a:x", "b:y", "a:z", "c:", "a:w"};
    for (std::size_t slices : {1u, 2u, 8u}) {
      CAPTURE(slices);
      auto out = ctx.parallelize(lines, slices) | ds::map([](const std::string& l) {
                   std::string_view s = l;
                   return std::pair{s.substr(0, 1), s.substr(2)};
                 }) |
                 ds::reduce_by_key([](std::string a, std::string b) {
                   // Sorted characters: commutative and associative, so any merge order agrees.
                   a += b;
                   std::sort(a.begin(), a.end());
                   return a;
                 }) |
                 ds::collect();
      using out_t = std::vector<std::pair<std::string, std::string>>;
      REQUIRE(sorted(out) == out_t{{"a", "wxz"}, {"b", "y"}, {"c", ""}});
    }
  }
  SECTION("word count through split") {
    std::vector<std::string> lines{"to be or not to be", "", "be quick"};
    auto out = ctx.parallelize(lines, 8) | ds::flat_map([](const std::string& l) { return ds::split(l, ' '); }) |
               ds::map([](std::string_view w) { return std::pair{w, 1}; }) | ds::reduce_by_key(std::plus<>{}, 3);
    using out_t = std::vector<std::pair<std::string, int>>;
    REQUIRE(out.num_partitions() == 3);
    REQUIRE(sorted(out | ds::collect()) ==
            out_t{{"", 1}, {"be", 3}, {"not", 1}, {"or", 1}, {"quick", 1}, {"to", 2}});
  }
  SECTION("pair keys") {
    std::vector<std::pair<std::pair<int, std::string>, int>> in;
    for (int i = 0; i < 30; ++i) in.push_back({{i % 3, i % 2 ? "odd" : "even"}, 1});
    auto out = ctx.parallelize(in, 4) | ds::reduce_by_key(std::plus<>{}, 2) | ds::collect();
    REQUIRE(sorted(out) == reference_reduce(in, std::plus<>{}));
  }
  SECTION("an rdd without partitions") {
    ds::rdd<std::pair<int, int>> none;
    REQUIRE((none | ds::reduce_by_key(std::plus<>{})).num_partitions() == 0);
    REQUIRE((none | ds::reduce_by_key(std::plus<>{}, 4) | ds::count()) == 0);
  }
  SECTION("move-only values") {
    for (const shape& sh : shapes()) {
      CAPTURE(sh.size, sh.slices);
      const auto in = ints(sh.size);
      auto out = ctx.parallelize(in, sh.slices) |
                 ds::map([](int x) { return std::pair{x % 3, std::make_unique<int>(x)}; }) |
                 ds::reduce_by_key([](boxed a, boxed b) {
                   *a += *b;
                   return a;
                 }) |
                 ds::map([](const std::pair<int, boxed>& kv) { return std::pair{kv.first, *kv.second}; }) |
                 ds::collect();
      std::vector<std::pair<int, int>> ref_in;
      for (int x : in) ref_in.emplace_back(x % 3, x);
      REQUIRE(sorted(out) == reference_reduce(ref_in, std::plus<>{}));
    }
  }
  SECTION("the same key lands in the same partition as with group_by_key") {
    auto in = ctx.parallelize(pairs(50), 5);
    for (std::size_t n : {1u, 3u, 8u}) {
      CAPTURE(n);
      auto reduced = in | ds::reduce_by_key(std::plus<>{}, n);
      auto grouped = in | ds::group_by_key(n);
      REQUIRE(keys_by_partition(reduced) == keys_by_partition(grouped));
    }
  }
}

TEST_CASE("keyed maps hash and compare strings of every length alike, by view or owned") {
  namespace d = ds::detail;
  const d::key_hash h;
  const d::key_equal eq;
  std::string all;
  for (int i = 0; i < 80; ++i) all.push_back(static_cast<char>('!' + (i * 37) % 90));
  std::set<std::size_t> hashes;
  for (std::size_t n = 0; n <= 40; ++n) {
    const std::string owned = all.substr(0, n);
    const std::string_view view(all.data() + 40, n);  // other bytes, same length
    CHECK(h(owned) == h(std::string_view(owned)));
    CHECK(h(owned) == h(owned.c_str()));
    CHECK(eq(owned, std::string_view(owned)));
    CHECK(eq(owned, std::string(owned)));
    hashes.insert(h(owned));
    // One byte changed at each position: never equal, and the hash changes.
    for (std::size_t i = 0; i < n; ++i) {
      std::string other = owned;
      other[i] = static_cast<char>(other[i] ^ 0x20);
      CHECK_FALSE(eq(owned, other));
      CHECK(h(owned) != h(other));
    }
    CHECK(eq(owned, view) == (owned == view));
    if (n > 0) CHECK_FALSE(eq(owned, owned.substr(0, n - 1)));
  }
  CHECK(hashes.size() == 41);

  SECTION("100 000 distinct short words: no two share a hash, and the map's buckets fill evenly") {
    std::mt19937_64 rng(11);
    std::set<std::string> words;
    while (words.size() < 100'000) {
      std::string w(1 + rng() % 12, 'a');
      for (auto& ch : w) ch = static_cast<char>('a' + rng() % 26);
      words.insert(std::move(w));
    }
    std::set<std::size_t> seen;
    std::vector<int> low_bits(256);
    for (const auto& w : words) {
      seen.insert(h(w));
      ++low_bits[h(w) & 255];
    }
    CHECK(seen.size() == words.size());
    // 390 a bucket on average; a poor mix of the low bits leaves buckets near empty.
    CHECK(*std::min_element(low_bits.begin(), low_bits.end()) > 250);
    CHECK(*std::max_element(low_bits.begin(), low_bits.end()) < 550);
  }
}

TEST_CASE("group_by_key gathers each key's values in input order") {
  auto& ctx = shared_context();
  for (const shape& sh : shapes()) {
    for (std::size_t n : {0u, 1u, 3u, 8u}) {
      CAPTURE(sh.size, sh.slices, n);
      const auto in = pairs(sh.size);
      auto out = ctx.parallelize(in, sh.slices) | ds::group_by_key(n);
      REQUIRE(out.num_partitions() == (n ? n : sh.slices));
      REQUIRE(sorted(out | ds::collect()) == reference_groups(in));

      const auto ints_in = ints(sh.size);
      auto by_parity = ctx.parallelize(ints_in, sh.slices) | ds::key_by([](int x) { return x % 2 == 0; }) |
                       ds::group_by_key(n) | ds::collect();
      std::vector<std::pair<bool, int>> keyed;
      for (int x : ints_in) keyed.emplace_back(x % 2 == 0, x);
      REQUIRE(sorted(by_parity) == reference_groups(keyed));
    }
  }
  SECTION("move-only values are moved into the groups") {
    auto out = ctx.parallelize(ints(20), 8) |
               ds::map([](int x) { return std::pair{std::to_string(x % 4), std::make_unique<int>(x)}; }) |
               ds::group_by_key(2) | ds::map([](const std::pair<std::string, std::vector<boxed>>& kv) {
                 return std::pair{kv.first, unbox(kv.second)};
               }) |
               ds::collect();
    std::vector<std::pair<std::string, int>> keyed;
    for (int x : ints(20)) keyed.emplace_back(std::to_string(x % 4), x);
    REQUIRE(sorted(out) == reference_groups(keyed));
  }
}

TEST_CASE("combine_by_key builds a combiner per key") {
  auto& ctx = shared_context();
  auto create = [](int v) { return std::pair<std::int64_t, int>{v, 1}; };
  auto merge_value = [](std::pair<std::int64_t, int> c, int v) { return std::pair{c.first + v, c.second + 1}; };
  auto merge_combiners = [](std::pair<std::int64_t, int> a, std::pair<std::int64_t, int> b) {
    return std::pair{a.first + b.first, a.second + b.second};
  };
  for (const shape& sh : shapes()) {
    for (std::size_t n : {0u, 1u, 4u}) {
      CAPTURE(sh.size, sh.slices, n);
      const auto in = pairs(sh.size);
      auto out = ctx.parallelize(in, sh.slices) | ds::combine_by_key(create, merge_value, merge_combiners, n);
      REQUIRE(out.num_partitions() == (n ? n : sh.slices));
      std::vector<std::pair<std::string, std::pair<std::int64_t, int>>> expected;
      for (const auto& [k, vs] : reference_groups(in)) {
        std::int64_t sum = 0;
        for (int v : vs) sum += v;
        expected.push_back({k, {sum, static_cast<int>(vs.size())}});
      }
      REQUIRE(sorted(out | ds::collect()) == expected);
    }
  }
  SECTION("string values into sizes") {
    auto out = ctx.parallelize(left_side(12), 3) |
               ds::combine_by_key([](const std::string& s) { return s.size(); },
                                  [](std::size_t c, const std::string& s) { return c + s.size(); },
                                  std::plus<std::size_t>{}) |
               ds::collect();
    std::vector<std::pair<int, std::size_t>> expected;
    for (const auto& [k, vs] : reference_groups(left_side(12))) {
      std::size_t total = 0;
      for (const auto& v : vs) total += v.size();
      expected.emplace_back(k, total);
    }
    REQUIRE(sorted(out) == expected);
  }
  SECTION("move-only values") {
    auto out = ctx.parallelize(ints(20), 8) |
               ds::map([](int x) { return std::pair{x % 3, std::make_unique<int>(x)}; }) |
               ds::combine_by_key([](boxed b) { return *b; }, [](int c, boxed b) { return c + *b; }, std::plus<int>{}) |
               ds::collect();
    std::vector<std::pair<int, int>> keyed;
    for (int x : ints(20)) keyed.emplace_back(x % 3, x);
    REQUIRE(sorted(out) == reference_reduce(keyed, std::plus<>{}));
  }
}

TEST_CASE("count_by_value and distinct") {
  auto& ctx = shared_context();
  auto reference_counts = [](const auto& in) {
    using T = std::remove_cvref_t<decltype(in.front())>;
    std::map<T, std::int64_t> m;
    for (const auto& x : in) ++m[x];
    return std::vector<std::pair<T, std::int64_t>>(m.begin(), m.end());
  };
  auto reference_distinct = [](const auto& in) {
    using T = std::remove_cvref_t<decltype(in.front())>;
    std::set<T> s(in.begin(), in.end());
    return std::vector<T>(s.begin(), s.end());
  };
  for (const shape& sh : shapes()) {
    for (std::size_t n : {0u, 1u, 3u}) {
      CAPTURE(sh.size, sh.slices, n);
      auto i = ctx.parallelize(ints(sh.size), sh.slices);
      auto s = ctx.parallelize(strings(sh.size), sh.slices);
      std::vector<std::pair<int, int>> pair_in;
      for (int x : ints(sh.size)) pair_in.emplace_back(x % 2, x % 3);
      auto p = ctx.parallelize(pair_in, sh.slices);

      auto ci = i | ds::count_by_value(n);
      REQUIRE(ci.num_partitions() == (n ? n : sh.slices));
      REQUIRE(sorted(ci | ds::collect()) == reference_counts(ints(sh.size)));
      REQUIRE(sorted(s | ds::count_by_value(n) | ds::collect()) == reference_counts(strings(sh.size)));
      REQUIRE(sorted(p | ds::count_by_value(n) | ds::collect()) == reference_counts(pair_in));

      auto di = i | ds::distinct(n);
      REQUIRE(di.num_partitions() == (n ? n : sh.slices));
      REQUIRE(sorted(di | ds::collect()) == reference_distinct(ints(sh.size)));
      REQUIRE(sorted(s | ds::distinct(n) | ds::collect()) == reference_distinct(strings(sh.size)));
      REQUIRE(sorted(p | ds::distinct(n) | ds::collect()) == reference_distinct(pair_in));
    }
  }
  SECTION("string_view elements are counted as owned strings") {
    std::vector<std::string> lines{"x y x", "y x", ""};
    auto out = ctx.parallelize(lines, 2) | ds::flat_map([](const std::string& l) { return ds::split(l, ' '); }) |
               ds::count_by_value() | ds::collect();
    using out_t = std::vector<std::pair<std::string, std::int64_t>>;
    REQUIRE(sorted(out) == out_t{{"", 1}, {"x", 3}, {"y", 2}});
    auto words = ctx.parallelize(lines, 2) | ds::flat_map([](const std::string& l) { return ds::split(l, ' '); }) |
                 ds::distinct() | ds::collect();
    REQUIRE(sorted(words) == std::vector<std::string>{"", "x", "y"});
  }
}

TEST_CASE("join and the outer joins match keys of both inputs") {
  auto& ctx = shared_context();
  const std::vector<shape> right_shapes{{0, 1}, {3, 8}, {20, 8}, {11, 1}};
  for (const shape& ls : shapes()) {
    for (const shape& rs : right_shapes) {
      CAPTURE(ls.size, ls.slices, rs.size, rs.slices);
      const auto l = left_side(ls.size);
      const auto r = right_side(rs.size);
      auto left = ctx.parallelize(l, ls.slices);
      auto right = ctx.parallelize(r, rs.slices);
      const std::size_t default_n = std::max(ls.slices, rs.slices);

      auto joined = left | ds::join(right);
      REQUIRE(joined.num_partitions() == default_n);
      REQUIRE(sorted(joined | ds::collect()) == reference_join(l, r));
      REQUIRE(sorted(left | ds::left_outer_join(right) | ds::collect()) == reference_left_outer(l, r));
      REQUIRE(sorted(left | ds::right_outer_join(right) | ds::collect()) == reference_right_outer(l, r));
      REQUIRE(sorted(left | ds::full_outer_join(right) | ds::collect()) == reference_full_outer(l, r));

      for (std::size_t n : {1u, 3u, 8u}) {
        CAPTURE(n);
        auto j = left | ds::join(right, n);
        REQUIRE(j.num_partitions() == n);
        REQUIRE(sorted(j | ds::collect()) == reference_join(l, r));
        auto fo = left | ds::full_outer_join(right, n);
        REQUIRE(fo.num_partitions() == n);
        REQUIRE(sorted(fo | ds::collect()) == reference_full_outer(l, r));
        REQUIRE(sorted(left | ds::left_outer_join(right, n) | ds::collect()) == reference_left_outer(l, r));
        REQUIRE(sorted(left | ds::right_outer_join(right, n) | ds::collect()) == reference_right_outer(l, r));
      }
    }
  }
  SECTION("expressions on both sides, string keys") {
    std::vector<std::string> a{"x 1", "y 2", "x 3", "z 4"};
    std::vector<std::string> b{"x a", "w b", "x c"};
    auto parse = ds::map([](const std::string& s) {
      std::string_view v = s;
      return std::pair{v.substr(0, 1), std::string(v.substr(2))};
    });
    auto left = ctx.parallelize(a, 3) | parse;
    auto right = ctx.parallelize(b, 2) | parse;
    using out_t = std::vector<std::pair<std::string, std::pair<std::string, std::string>>>;
    REQUIRE(sorted(left | ds::join(right) | ds::collect()) ==
            out_t{{"x", {"1", "a"}}, {"x", {"1", "c"}}, {"x", {"3", "a"}}, {"x", {"3", "c"}}});
    using full_t = std::vector<std::pair<std::string, std::pair<std::optional<std::string>, std::optional<std::string>>>>;
    REQUIRE(sorted(left | ds::full_outer_join(right, 2) | ds::collect()) ==
            full_t{{"w", {std::nullopt, "b"}},
                   {"x", {"1", "a"}},
                   {"x", {"1", "c"}},
                   {"x", {"3", "a"}},
                   {"x", {"3", "c"}},
                   {"y", {"2", std::nullopt}},
                   {"z", {"4", std::nullopt}}});
  }
  SECTION("rdds without partitions") {
    ds::rdd<left_t> none;
    auto right = ctx.parallelize(right_side(5), 2);
    REQUIRE((none | ds::join(right) | ds::count()) == 0);
    REQUIRE(sorted(none | ds::right_outer_join(right) | ds::collect()) == reference_right_outer({}, right_side(5)));
    REQUIRE((none | ds::join(ds::rdd<right_t>{})).num_partitions() == 0);
  }
}

TEST_CASE("cogroup gives each key's values from both inputs, in input order") {
  auto& ctx = shared_context();
  for (const shape& ls : shapes()) {
    for (const shape& rs : {shape{0, 1}, shape{3, 8}, shape{20, 8}}) {
      for (std::size_t n : {0u, 1u, 4u}) {
        CAPTURE(ls.size, ls.slices, rs.size, rs.slices, n);
        const auto l = left_side(ls.size);
        const auto r = right_side(rs.size);
        auto out = ctx.parallelize(l, ls.slices) | ds::cogroup(ctx.parallelize(r, rs.slices), n);
        REQUIRE(out.num_partitions() == (n ? n : std::max(ls.slices, rs.slices)));
        REQUIRE(sorted(out | ds::collect()) == reference_cogroup(l, r));
      }
    }
  }
}

TEST_CASE("union_with concatenates the partitions of both inputs") {
  auto& ctx = shared_context();
  for (const shape& a : shapes()) {
    for (const shape& b : {shape{0, 1}, shape{3, 8}, shape{20, 1}}) {
      CAPTURE(a.size, a.slices, b.size, b.slices);
      auto left = ctx.parallelize(ints(a.size), a.slices);
      auto right = ctx.parallelize(ints(b.size), b.slices) | ds::map([](int x) { return x + 100; });
      auto both = left | ds::union_with(right);
      REQUIRE(both.num_partitions() == a.slices + b.slices);
      auto expected = partitions_of(left);
      for (auto& p : partitions_of(right.materialize())) expected.push_back(p);
      REQUIRE(partitions_of(both) == expected);

      auto s = ctx.parallelize(strings(a.size), a.slices) | ds::union_with(ctx.parallelize(strings(b.size), b.slices));
      auto expected_s = strings(a.size);
      for (auto& x : strings(b.size)) expected_s.push_back(x);
      REQUIRE((s | ds::collect()) == expected_s);

      auto p = ctx.parallelize(pairs(a.size), a.slices) | ds::filter([](const auto& kv) { return kv.second % 2 == 0; }) |
               ds::union_with(ctx.parallelize(pairs(b.size), b.slices));
      std::vector<std::pair<std::string, int>> expected_p;
      for (auto& kv : pairs(a.size))
        if (kv.second % 2 == 0) expected_p.push_back(kv);
      for (auto& kv : pairs(b.size)) expected_p.push_back(kv);
      REQUIRE((p | ds::collect()) == expected_p);
    }
  }
  SECTION("with an rdd without partitions, on either side") {
    auto some = ctx.parallelize(ints(5), 2);
    REQUIRE(partitions_of(some | ds::union_with(ds::rdd<int>{})) == partitions_of(some));
    auto other_way = ds::rdd<int>{} | ds::union_with(some);
    REQUIRE(partitions_of(other_way) == partitions_of(some));
    // The result runs on the context of the input that has one.
    REQUIRE((other_way | ds::map([](int x) { return x; }) | ds::count()) == 5);
  }
  SECTION("shares the inputs' storage instead of copying it") {
    auto a = ctx.parallelize(ints(4), 2);
    auto b = ctx.parallelize(ints(3), 1);
    auto u = a | ds::union_with(b);
    REQUIRE(u.partition(0).data() == a.partition(0).data());
    REQUIRE(u.partition(2).data() == b.partition(0).data());
  }
  SECTION("move-only elements") {
    auto box = ds::map([](int x) { return std::make_unique<int>(x); });
    auto u = ctx.parallelize(ints(3), 8) | box | ds::union_with(ctx.parallelize(ints(4), 1) | box);
    REQUIRE(u.num_partitions() == 9);
    auto expected = ints(3);
    for (int x : ints(4)) expected.push_back(x);
    REQUIRE((u | ds::map([](const boxed& p) { return *p; }) | ds::collect()) == expected);
  }
}
