// Every operator on a dstream, run through ds::testing::run on the manual clock, checked
// against the outputs of Spark's BasicOperationsSuite (batch i runs at (i+1)·batch, input
// batches cut into 2 partitions unless said otherwise; batches are sorted where Spark's
// test compares them as sets).

#include <catch2/catch.hpp>

#include <cstdint>
#include <functional>
#include <mutex>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <dstream/dstream.hpp>
#include <dstream/testing.hpp>

#include "support/stream_support.hpp"

using namespace std::chrono_literals;
using stream_test::sorted_batches;

namespace {

using ints = std::vector<std::vector<int>>;
using strings = std::vector<std::vector<std::string>>;
template <class K, class V>
using pairs = std::vector<std::vector<std::pair<K, V>>>;

ints range_batches(std::initializer_list<std::pair<int, int>> ranges) {
  ints out;
  for (auto [a, b] : ranges) {
    std::vector<int> v(static_cast<std::size_t>(b - a + 1));
    std::iota(v.begin(), v.end(), a);
    out.push_back(std::move(v));
  }
  return out;
}

const ints one_to_twelve = range_batches({{1, 4}, {5, 8}, {9, 12}});

auto to_pair_one = ds::map([](const std::string& s) { return std::pair<std::string, int>(s, 1); });
auto to_pair_x = ds::map([](const std::string& s) { return std::pair<std::string, std::string>(s, "x"); });

const strings join_left{{"a", "b"}, {"a", ""}, {""}, {}};
const strings join_right{{"a", "b"}, {"b", ""}, {}, {""}};

}  // namespace

TEST_CASE("map applies the function to every element of every batch") {
  auto out = ds::testing::run(
      one_to_twelve, [](ds::dstream<int> s) { return s | ds::map([](int x) { return std::to_string(x); }); }, 3);
  strings expected;
  for (const auto& b : one_to_twelve) {
    expected.emplace_back();
    for (int x : b) expected.back().push_back(std::to_string(x));
  }
  REQUIRE(out == expected);
}

TEST_CASE("flat_map concatenates the ranges the function returns") {
  auto out = ds::testing::run(
      one_to_twelve, [](ds::dstream<int> s) { return s | ds::flat_map([](int x) { return std::vector{x, x * 2}; }); },
      3);
  REQUIRE(out == ints{{1, 2, 2, 4, 3, 6, 4, 8}, {5, 10, 6, 12, 7, 14, 8, 16}, {9, 18, 10, 20, 11, 22, 12, 24}});
}

TEST_CASE("filter keeps the matching elements of every batch") {
  auto out = ds::testing::run(
      one_to_twelve, [](ds::dstream<int> s) { return s | ds::filter([](int x) { return x % 2 == 0; }); }, 3);
  REQUIRE(out == ints{{2, 4}, {6, 8}, {10, 12}});
}

TEST_CASE("glom gives one vector per input partition") {
  auto out = ds::testing::run(one_to_twelve, [](ds::dstream<int> s) { return s | ds::glom(); }, 3);
  REQUIRE(out == std::vector<ints>{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}, {{9, 10}, {11, 12}}});

  SECTION("with one input partition") {
    auto one = ds::testing::run(one_to_twelve, [](ds::dstream<int> s) { return s | ds::glom(); }, 3,
                                ds::testing::options{.input_partitions = 1});
    REQUIRE(one == std::vector<ints>{{{1, 2, 3, 4}}, {{5, 6, 7, 8}}, {{9, 10, 11, 12}}});
  }
}

TEST_CASE("map_partitions calls the function once per partition") {
  auto sums = [](ds::dstream<int> s) {
    return s | ds::map_partitions([](std::span<const int> p) { return std::vector{std::accumulate(p.begin(), p.end(), 0)}; });
  };
  REQUIRE(ds::testing::run(one_to_twelve, sums, 3) == ints{{3, 7}, {11, 15}, {19, 23}});
  REQUIRE(ds::testing::run(one_to_twelve, sums, 3, ds::testing::options{.input_partitions = 1}) ==
          ints{{10}, {26}, {42}});
}

TEST_CASE("repartition redistributes every batch into n partitions") {
  const ints input = range_batches({{1, 100}, {101, 200}, {201, 300}});
  auto check = [&](std::size_t n, std::size_t input_partitions) {
    CAPTURE(n, input_partitions);
    auto out = ds::testing::run(
        input, [n](ds::dstream<int> s) { return s | ds::repartition(n) | ds::glom(); }, 3,
        ds::testing::options{.input_partitions = input_partitions});
    REQUIRE(out.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
      REQUIRE(out[i].size() == n);
      std::vector<int> all;
      for (const auto& part : out[i]) {
        CHECK_FALSE(part.empty());
        all.insert(all.end(), part.begin(), part.end());
      }
      std::sort(all.begin(), all.end());
      REQUIRE(all == input[i]);
    }
  };
  SECTION("more partitions") { check(5, 2); }
  SECTION("fewer partitions") { check(2, 5); }
}

TEST_CASE("group_by_key groups the values of each key within a batch") {
  auto out = ds::testing::run(
      strings{{"a", "a", "b"}, {"", ""}, {}}, [](ds::dstream<std::string> s) { return s | to_pair_one | ds::group_by_key(); },
      3);
  REQUIRE(sorted_batches(out) == pairs<std::string, std::vector<int>>{{{"a", {1, 1}}, {"b", {1}}}, {{"", {1, 1}}}, {}});
}

TEST_CASE("reduce_by_key reduces the values of each key within a batch") {
  const strings input{{"a", "a", "b"}, {"", ""}, {}};
  auto op = [](ds::dstream<std::string> s) { return s | to_pair_one | ds::reduce_by_key(std::plus<>{}); };
  const pairs<std::string, int> expected{{{"a", 2}, {"b", 1}}, {{"", 2}}, {}};
  REQUIRE(sorted_batches(ds::testing::run(input, op, 3)) == expected);

  SECTION("the same for any partitioning of the input and of the output") {
    for (std::size_t p : {1u, 2u, 3u}) {
      CAPTURE(p);
      REQUIRE(sorted_batches(ds::testing::run(input, op, 3, ds::testing::options{.input_partitions = p})) == expected);
      auto with_n = [](ds::dstream<std::string> s) { return s | to_pair_one | ds::reduce_by_key(std::plus<>{}, 3); };
      REQUIRE(sorted_batches(ds::testing::run(input, with_n, 3, ds::testing::options{.input_partitions = p})) ==
              expected);
    }
  }
}

TEST_CASE("reduce gives one element per non-empty batch") {
  auto out = ds::testing::run(
      one_to_twelve, [](ds::dstream<int> s) { return s | ds::reduce(std::plus<>{}); }, 3);
  REQUIRE(out == ints{{10}, {26}, {42}});

  SECTION("after fused narrow operators, with a function without identity") {
    auto longest = ds::testing::run(
        strings{{"ab", "abcd", "a"}, {"xyz"}},
        [](ds::dstream<std::string> s) {
          return s | ds::map([](const std::string& w) { return w + "!"; }) |
                 ds::reduce([](std::string a, const std::string& b) { return a.size() >= b.size() ? a : b; });
        },
        2);
    REQUIRE(longest == strings{{"abcd!"}, {"xyz!"}});
  }
  SECTION("a batch summing to zero gives 0; one whose elements are all filtered out gives none") {
    auto sums = ds::testing::run(
        ints{{2, -2}, {5, 9}, {0}, {9}, {-1, 1, 9}},
        [](ds::dstream<int> s) { return s | ds::filter([](int x) { return x < 8; }) | ds::reduce(std::plus<>{}); }, 5);
    REQUIRE(sums == ints{{0}, {5}, {0}, {}, {0}});
  }
}

TEST_CASE("count gives the number of elements of every batch, 0 when empty") {
  auto out = ds::testing::run(
      range_batches({{1, 0}, {1, 1}, {1, 2}, {1, 3}, {1, 4}}), [](ds::dstream<int> s) { return s | ds::count(); }, 5);
  REQUIRE(out == std::vector<std::vector<std::int64_t>>{{0}, {1}, {2}, {3}, {4}});
}

TEST_CASE("count_by_value counts each distinct element of a batch") {
  auto out = ds::testing::run(
      ints{{1}, {1, 1, 1}, {1, 2}, {1, 1, 2, 2}}, [](ds::dstream<int> s) { return s | ds::count_by_value(); }, 4);
  REQUIRE(sorted_batches(out) == pairs<int, std::int64_t>{{{1, 1}}, {{1, 3}}, {{1, 1}, {2, 1}}, {{1, 2}, {2, 2}}});
}

TEST_CASE("map_values applies the function to the value of every pair") {
  auto out = ds::testing::run(
      strings{{"a", "a", "b"}, {"", ""}, {}},
      [](ds::dstream<std::string> s) {
        return s | to_pair_one | ds::reduce_by_key(std::plus<>{}) | ds::map_values([](int v) { return v + 10; });
      },
      3);
  REQUIRE(sorted_batches(out) == pairs<std::string, int>{{{"a", 12}, {"b", 11}}, {{"", 12}}, {}});
}

TEST_CASE("flat_map_values gives one pair per value the function returns") {
  auto out = ds::testing::run(
      strings{{"a", "a", "b"}, {"", ""}, {}},
      [](ds::dstream<std::string> s) {
        return s | to_pair_one | ds::reduce_by_key(std::plus<>{}) |
               ds::flat_map_values([](int v) { return std::vector{v, v + 10}; });
      },
      3);
  REQUIRE(sorted_batches(out) ==
          pairs<std::string, int>{{{"a", 2}, {"a", 12}, {"b", 1}, {"b", 11}}, {{"", 2}, {"", 12}}, {}});
}

TEST_CASE("key_by, combine_by_key and distinct work batch by batch") {
  SECTION("key_by") {
    auto out = ds::testing::run(
        strings{{"a", "bb"}, {"ccc"}},
        [](ds::dstream<std::string> s) { return s | ds::key_by([](const std::string& w) { return w.size(); }); }, 2);
    REQUIRE(out == pairs<std::size_t, std::string>{{{1, "a"}, {2, "bb"}}, {{3, "ccc"}}});
  }
  SECTION("combine_by_key: a per-key sum and count") {
    auto out = ds::testing::run(
        pairs<std::string, int>{{{"a", 1}, {"b", 2}, {"a", 3}}, {{"b", 5}}, {}},
        [](ds::dstream<std::pair<std::string, int>> s) {
          using C = std::pair<int, int>;
          return s | ds::combine_by_key([](int v) { return C(v, 1); },
                                        [](C c, int v) { return C(c.first + v, c.second + 1); },
                                        [](C a, C b) { return C(a.first + b.first, a.second + b.second); });
        },
        3);
    REQUIRE(sorted_batches(out) ==
            pairs<std::string, std::pair<int, int>>{{{"a", {4, 2}}, {"b", {2, 1}}}, {{"b", {5, 1}}}, {}});
  }
  SECTION("distinct") {
    auto out = ds::testing::run(
        ints{{3, 1, 3, 2, 1}, {}, {7, 7}}, [](ds::dstream<int> s) { return s | ds::distinct(); }, 3);
    REQUIRE(sorted_batches(out) == ints{{1, 2, 3}, {}, {7}});
  }
}

TEST_CASE("union_with concatenates the two streams' batches") {
  auto out = ds::testing::run(
      range_batches({{1, 4}, {101, 104}, {201, 204}}),
      [](ds::dstream<int> s) { return s | ds::union_with(s | ds::map([](int x) { return x + 4; })); }, 3);
  REQUIRE(out == range_batches({{1, 8}, {101, 108}, {201, 208}}));

  SECTION("of two input streams, one of them empty in a batch") {
    auto two = ds::testing::run(
        ints{{1, 2}, {}}, ints{{}, {3}}, [](ds::dstream<int> a, ds::dstream<int> b) { return a | ds::union_with(b); },
        2);
    REQUIRE(two == ints{{1, 2}, {3}});
  }
}

TEST_CASE("transform applies an rdd function to every batch") {
  SECTION("an rdd expression") {
    auto out = ds::testing::run(
        one_to_twelve,
        [](ds::dstream<int> s) {
          return s | ds::transform([](ds::rdd<int> r) { return r | ds::map([](int x) { return std::to_string(x); }); });
        },
        3);
    REQUIRE(out == strings{{"1", "2", "3", "4"}, {"5", "6", "7", "8"}, {"9", "10", "11", "12"}});
  }
  SECTION("with the batch time") {
    auto out = ds::testing::run(
        ints{{1}, {2}},
        [](ds::dstream<int> s) {
          return s | ds::transform([](ds::rdd<int> r, ds::batch_time t) {
                   return r | ds::map([t](int x) { return t.milliseconds() + x; });
                 });
        },
        2);
    REQUIRE(out == std::vector<std::vector<std::int64_t>>{{1001}, {2002}});
  }
  SECTION("a wide rdd operator") {
    auto out = ds::testing::run(
        strings{{"a", "b", "a"}},
        [](ds::dstream<std::string> s) {
          return s | ds::transform([](ds::rdd<std::string> r) {
                   return r | to_pair_one | ds::reduce_by_key(std::plus<>{});
                 });
        },
        1);
    REQUIRE(sorted_batches(out) == pairs<std::string, int>{{{"a", 2}, {"b", 1}}});
  }
}

TEST_CASE("transform_with applies a function of two rdds of the same batch") {
  auto out = ds::testing::run(
      join_left, join_right,
      [](ds::dstream<std::string> a, ds::dstream<std::string> b) {
        return (a | to_pair_one) |
               ds::transform_with(b | to_pair_x,
                                  [](ds::rdd<std::pair<std::string, int>> x, ds::rdd<std::pair<std::string, std::string>> y) {
                                    return x | ds::join(y);
                                  });
      },
      4);
  using V = std::pair<int, std::string>;
  REQUIRE(sorted_batches(out) == pairs<std::string, V>{{{"a", {1, "x"}}, {"b", {1, "x"}}}, {{"", {1, "x"}}}, {}, {}});
}

TEST_CASE("cogroup groups both streams by key") {
  auto out = ds::testing::run(
      strings{{"a", "a", "b"}, {"a", ""}, {""}, {}}, strings{{"a", "a", "b"}, {"b", ""}, {}, {}},
      [](ds::dstream<std::string> a, ds::dstream<std::string> b) { return a | to_pair_one | ds::cogroup(b | to_pair_x); },
      4);
  using G = std::pair<std::vector<int>, std::vector<std::string>>;
  REQUIRE(sorted_batches(out) == pairs<std::string, G>{{{"a", {{1, 1}, {"x", "x"}}}, {"b", {{1}, {"x"}}}},
                                                       {{"", {{1}, {"x"}}}, {"a", {{1}, {}}}, {"b", {{}, {"x"}}}},
                                                       {{"", {{1}, {}}}},
                                                       {}});
}

TEST_CASE("join pairs the values of keys present in both streams") {
  auto out = ds::testing::run(
      join_left, join_right,
      [](ds::dstream<std::string> a, ds::dstream<std::string> b) { return a | to_pair_one | ds::join(b | to_pair_x); }, 4);
  using V = std::pair<int, std::string>;
  REQUIRE(sorted_batches(out) == pairs<std::string, V>{{{"a", {1, "x"}}, {"b", {1, "x"}}}, {{"", {1, "x"}}}, {}, {}});

  SECTION("with an explicit partition count") {
    auto three = ds::testing::run(
        join_left, join_right,
        [](ds::dstream<std::string> a, ds::dstream<std::string> b) {
          return a | to_pair_one | ds::join(b | to_pair_x, 3) | ds::glom() |
                 ds::map([](const auto& part) { return part.size(); });
        },
        4);
    REQUIRE(three.size() == 4);
    for (const auto& b : three) REQUIRE(b.size() == 3);
  }
}

TEST_CASE("left_outer_join keeps every key of the left stream") {
  auto out = ds::testing::run(
      join_left, join_right,
      [](ds::dstream<std::string> a, ds::dstream<std::string> b) {
        return a | to_pair_one | ds::left_outer_join(b | to_pair_x);
      },
      4);
  using V = std::pair<int, std::optional<std::string>>;
  REQUIRE(sorted_batches(out) == pairs<std::string, V>{{{"a", {1, "x"}}, {"b", {1, "x"}}},
                                                       {{"", {1, "x"}}, {"a", {1, std::nullopt}}},
                                                       {{"", {1, std::nullopt}}},
                                                       {}});
}

TEST_CASE("right_outer_join keeps every key of the right stream") {
  auto out = ds::testing::run(
      join_left, join_right,
      [](ds::dstream<std::string> a, ds::dstream<std::string> b) {
        return a | to_pair_one | ds::right_outer_join(b | to_pair_x);
      },
      4);
  using V = std::pair<std::optional<int>, std::string>;
  REQUIRE(sorted_batches(out) == pairs<std::string, V>{{{"a", {1, "x"}}, {"b", {1, "x"}}},
                                                       {{"", {1, "x"}}, {"b", {std::nullopt, "x"}}},
                                                       {},
                                                       {{"", {std::nullopt, "x"}}}});
}

TEST_CASE("full_outer_join keeps every key of either stream") {
  auto out = ds::testing::run(
      join_left, join_right,
      [](ds::dstream<std::string> a, ds::dstream<std::string> b) {
        return a | to_pair_one | ds::full_outer_join(b | to_pair_x);
      },
      4);
  using V = std::pair<std::optional<int>, std::optional<std::string>>;
  REQUIRE(sorted_batches(out) ==
          pairs<std::string, V>{{{"a", {1, "x"}}, {"b", {1, "x"}}},
                                {{"", {1, "x"}}, {"a", {1, std::nullopt}}, {"b", {std::nullopt, "x"}}},
                                {{"", {1, std::nullopt}}},
                                {{"", {std::nullopt, "x"}}}});
}

TEST_CASE("batch i runs at time (i+1)·batch") {
  for (auto batch : {1000ms, 250ms}) {
    CAPTURE(batch.count());
    std::vector<std::int64_t> times;
    std::vector<std::size_t> sizes;
    ds::testing::run(
        ints{{1, 2}, {3}, {}},
        [&](ds::dstream<int> s) {
          s | ds::foreach_rdd([&](ds::rdd<int>& r, ds::batch_time t) {
            times.push_back(t.milliseconds());
            sizes.push_back(r.size());
          });
          return s;
        },
        4, ds::testing::options{.batch = batch});
    const std::int64_t b = batch.count();
    REQUIRE(times == std::vector<std::int64_t>{b, 2 * b, 3 * b, 4 * b});
    REQUIRE(sizes == std::vector<std::size_t>{2, 1, 0, 0});
  }
}

TEST_CASE("batches past the input are empty") {
  auto out = ds::testing::run(
      ints{{1, 2}}, [](ds::dstream<int> s) { return s | ds::map([](int x) { return x * 10; }); }, 3);
  REQUIRE(out == ints{{10, 20}, {}, {}});

  auto counts = ds::testing::run(ints{}, [](ds::dstream<int> s) { return s | ds::count(); }, 2);
  REQUIRE(counts == std::vector<std::vector<std::int64_t>>{{0}, {0}});
}

TEST_CASE("the result does not depend on the number of input partitions") {
  const ints input = range_batches({{1, 7}, {1, 0}, {3, 5}});
  auto pipeline = [](ds::dstream<int> s) {
    return s | ds::filter([](int x) { return x != 4; }) | ds::map([](int x) { return std::pair<int, int>(x % 3, x); }) |
           ds::reduce_by_key(std::plus<>{}) | ds::map_values([](int v) { return v * 2; });
  };
  const auto reference = sorted_batches(ds::testing::run(input, pipeline, 3, ds::testing::options{.input_partitions = 1}));
  REQUIRE(reference == pairs<int, int>{{{0, 18}, {1, 16}, {2, 14}}, {}, {{0, 6}, {2, 10}}});
  for (std::size_t p : {2u, 3u, 8u}) {
    CAPTURE(p);
    REQUIRE(sorted_batches(ds::testing::run(input, pipeline, 3, ds::testing::options{.input_partitions = p})) ==
            reference);
  }
}

TEST_CASE("fused narrow operators obey the composition laws on streams") {
  const ints input = range_batches({{1, 9}, {10, 12}, {1, 0}});
  auto f = [](int x) { return x * 3; };
  auto g = [](int x) { return x - 1; };
  auto p = [](int x) { return x % 2 == 0; };
  auto q = [](int x) { return x % 3 != 0; };
  SECTION("map(f) | map(g) == map(g∘f)") {
    auto lhs = ds::testing::run(input, [&](ds::dstream<int> s) { return s | ds::map(f) | ds::map(g); }, 3);
    auto rhs = ds::testing::run(input, [&](ds::dstream<int> s) { return s | ds::map([&](int x) { return g(f(x)); }); }, 3);
    REQUIRE(lhs == rhs);
  }
  SECTION("filter(p) | filter(q) == filter(p && q)") {
    auto lhs = ds::testing::run(input, [&](ds::dstream<int> s) { return s | ds::filter(p) | ds::filter(q); }, 3);
    auto rhs = ds::testing::run(
        input, [&](ds::dstream<int> s) { return s | ds::filter([&](int x) { return p(x) && q(x); }); }, 3);
    REQUIRE(lhs == rhs);
  }
  SECTION("a composed pipeline applies as its operators one by one") {
    auto both = ds::map(f) | ds::filter(p);
    auto lhs = ds::testing::run(input, [&](ds::dstream<int> s) { return s | both; }, 3);
    auto rhs = ds::testing::run(input, [&](ds::dstream<int> s) { return s | ds::map(f) | ds::filter(p); }, 3);
    REQUIRE(lhs == rhs);
  }
}

TEST_CASE("a node shared by two outputs is computed once per batch") {
  std::mutex m;
  int calls = 0;
  std::vector<int> seen;
  auto out = ds::testing::run(
      ints{{1, 2, 3}, {4}},
      [&](ds::dstream<int> s) {
        ds::dstream<int> shared = s | ds::map([&](int x) {
                                    std::lock_guard lock(m);
                                    ++calls;
                                    return x * 2;
                                  });
        shared | ds::foreach_rdd([&](ds::rdd<int>& r) {
          auto v = r | ds::collect();
          seen.insert(seen.end(), v.begin(), v.end());
        });
        return shared;
      },
      2);
  REQUIRE(out == ints{{2, 4, 6}, {8}});
  REQUIRE(seen == std::vector<int>{2, 4, 6, 8});
  REQUIRE(calls == 4);
}
