// Actions, the context and the configuration: what comes back to the caller, in which
// order, and which errors reach it.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <range/v3/view/iota.hpp>

#include "support/batch_support.hpp"

using namespace dstream_test;

namespace {

using boxed = std::unique_ptr<int>;

const auto box = ds::map([](int x) { return std::make_unique<int>(x); });

template <class T>
std::vector<T> concat(const std::vector<std::vector<T>>& parts) {
  std::vector<T> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

/// A user error with its own type, to see that it is not wrapped on the way out.
struct user_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace

TEST_CASE("collect returns every element in partition order") {
  auto& ctx = shared_context();
  for (const shape& sh : shapes()) {
    CAPTURE(sh.size, sh.slices);
    REQUIRE((ctx.parallelize(ints(sh.size), sh.slices) | ds::collect()) == ints(sh.size));
    REQUIRE((ctx.parallelize(strings(sh.size), sh.slices) | ds::collect()) == strings(sh.size));
    REQUIRE((ctx.parallelize(pairs(sh.size), sh.slices) | ds::collect()) == pairs(sh.size));
    auto parts = ctx.make_rdd(reference_slices(ints(sh.size), sh.slices));
    REQUIRE((parts | ds::collect()) == ints(sh.size));
    REQUIRE(unbox(ctx.parallelize(ints(sh.size), sh.slices) | box | ds::collect()) == ints(sh.size));
  }
  SECTION("partitions given out of order are collected in partition order") {
    auto r = ctx.make_rdd<std::string>({{"c", "d"}, {}, {"a"}, {"b", "e"}});
    REQUIRE((r | ds::collect()) == std::vector<std::string>{"c", "d", "a", "b", "e"});
  }
  SECTION("an rdd without partitions") { REQUIRE((ds::rdd<int>{} | ds::collect()).empty()); }
}

TEST_CASE("count counts the elements") {
  auto& ctx = shared_context();
  STATIC_REQUIRE(std::is_same_v<decltype(ctx.parallelize(ints(1)) | ds::count()), std::int64_t>);
  for (const shape& sh : shapes()) {
    CAPTURE(sh.size, sh.slices);
    const auto n = static_cast<std::int64_t>(sh.size);
    REQUIRE((ctx.parallelize(ints(sh.size), sh.slices) | ds::count()) == n);
    REQUIRE((ctx.parallelize(strings(sh.size), sh.slices) | ds::count()) == n);
    REQUIRE((ctx.parallelize(pairs(sh.size), sh.slices) | ds::count()) == n);
    REQUIRE((ctx.parallelize(ints(sh.size), sh.slices) | box | ds::count()) == n);
    const auto in = ints(sh.size);
    REQUIRE((ctx.parallelize(in, sh.slices) | ds::filter([](int x) { return x > 4; }) | ds::count()) ==
            std::count_if(in.begin(), in.end(), [](int x) { return x > 4; }));
  }
  REQUIRE((ds::rdd<int>{} | ds::count()) == 0);
}

TEST_CASE("reduce combines all elements and refuses an empty rdd") {
  auto& ctx = shared_context();
  for (const shape& sh : shapes()) {
    CAPTURE(sh.size, sh.slices);
    const auto in = ints(sh.size);
    auto r = ctx.parallelize(in, sh.slices);
    if (in.empty()) {
      REQUIRE_THROWS_AS(r | ds::reduce(std::plus<>{}), std::out_of_range);
      REQUIRE_THROWS_AS(r | ds::reduce([](int a, int b) { return std::max(a, b); }), std::out_of_range);
      REQUIRE_THROWS_AS(ctx.parallelize(strings(0), sh.slices) | ds::reduce(std::plus<>{}), std::out_of_range);
      REQUIRE_THROWS_AS(r | box | ds::reduce([](boxed a, boxed) { return a; }), std::out_of_range);
      continue;
    }
    // A function with a known identity (the fast path) and one without.
    REQUIRE((r | ds::reduce(std::plus<>{})) == std::accumulate(in.begin(), in.end(), 0));
    REQUIRE((r | ds::reduce([](int a, int b) { return std::max(a, b); })) == *std::max_element(in.begin(), in.end()));
    // Partial results are combined in partition order: concatenation shows it.
    auto s = ctx.parallelize(strings(sh.size), sh.slices) | ds::reduce(std::plus<>{});
    std::string all;
    for (const auto& x : strings(sh.size)) all += x;
    REQUIRE(s == all);
    auto p = ctx.parallelize(pairs(sh.size), sh.slices) |
             ds::map([](const std::pair<std::string, int>& kv) { return std::pair{kv.first.size(), kv.second}; }) |
             ds::reduce([](std::pair<std::size_t, int> a, std::pair<std::size_t, int> b) {
               return std::pair{a.first + b.first, a.second + b.second};
             });
    REQUIRE(p.first == 2 * sh.size);
    REQUIRE(p.second == static_cast<int>(sh.size * (sh.size - 1) / 2));
    auto m = r | box | ds::reduce([](boxed a, boxed b) {
               *a += *b;
               return a;
             });
    REQUIRE(*m == std::accumulate(in.begin(), in.end(), 0));
  }
  SECTION("a result equal to the identity is told apart from no element") {
    // The identity path keeps no element counter: a partition ending on the identity is
    // counted again, so a sum of zero is a result and a filter that keeps nothing is not.
    const std::vector<int> in{3, -3, 0, 5, -5, 7, -7};
    for (std::size_t slices = 1; slices <= 7; ++slices) {
      CAPTURE(slices);
      auto r = ctx.parallelize(in, slices);
      REQUIRE((r | ds::reduce(std::plus<>{})) == 0);
      REQUIRE((r | ds::filter([](int x) { return x == 0; }) | ds::reduce(std::plus<>{})) == 0);
      REQUIRE((r | ds::map([](int x) { return x == 0 ? 1 : x * x; }) | ds::filter([](int x) { return x == 1; }) |
               ds::reduce(std::multiplies<>{})) == 1);
      REQUIRE((r | ds::map([](int x) { return static_cast<double>(x); }) | ds::reduce(std::plus<>{})) == 0.0);
      REQUIRE_THROWS_AS(r | ds::filter([](int x) { return x > 100; }) | ds::reduce(std::plus<>{}), std::out_of_range);
      REQUIRE_THROWS_AS(r | ds::filter([](int x) { return x > 100; }) | ds::reduce(std::multiplies<>{}),
                        std::out_of_range);
    }
  }
  SECTION("the message says what is wrong") {
    REQUIRE_THROWS_WITH(ds::rdd<int>{} | ds::reduce(std::plus<>{}), Catch::Contains("no elements"));
    REQUIRE_THROWS_AS(ctx.parallelize(ints(10), 3) | ds::filter([](int) { return false; }) | ds::reduce(std::plus<>{}),
                      std::out_of_range);
  }
}

TEST_CASE("take returns the first n elements in partition order") {
  auto& ctx = shared_context();
  for (const shape& sh : shapes()) {
    for (std::size_t n : {0u, 1u, 2u, 3u, 7u, 20u, 100u}) {
      CAPTURE(sh.size, sh.slices, n);
      const std::size_t k = std::min(n, sh.size);
      auto prefix = [k](auto v) {
        v.resize(k);
        return v;
      };
      REQUIRE((ctx.parallelize(ints(sh.size), sh.slices) | ds::take(n)) == prefix(ints(sh.size)));
      REQUIRE((ctx.parallelize(strings(sh.size), sh.slices) | ds::take(n)) == prefix(strings(sh.size)));
      REQUIRE((ctx.parallelize(pairs(sh.size), sh.slices) | ds::take(n)) == prefix(pairs(sh.size)));
      REQUIRE(unbox(ctx.parallelize(ints(sh.size), sh.slices) | box | ds::take(n)) == prefix(ints(sh.size)));
    }
  }
  SECTION("it runs one partition, then four times as many each round, and no more than needed") {
    std::atomic<int> calls{0};
    auto r = ctx.parallelize(ranges::views::iota(0, 80), 8) | ds::map([&](int x) {
               ++calls;
               return x;
             });
    REQUIRE((r | ds::take(3)) == std::vector<int>{0, 1, 2});
    CHECK(calls == 10);
    calls = 0;
    auto fifteen = r | ds::take(15);
    REQUIRE(fifteen.size() == 15);
    REQUIRE(fifteen.back() == 14);
    CHECK(calls == 50);
    calls = 0;
    REQUIRE((r | ds::take(100)).size() == 80);
    CHECK(calls == 80);
  }
  SECTION("leading empty partitions are skipped over") {
    auto r = ctx.make_rdd<int>({{}, {}, {}, {}, {}, {}, {7}, {8, 9}});
    REQUIRE((r | ds::take(2)) == std::vector<int>{7, 8});
    REQUIRE((r | ds::first()) == 7);
  }
}

TEST_CASE("first returns the first element and throws when there is none") {
  auto& ctx = shared_context();
  for (const shape& sh : shapes()) {
    CAPTURE(sh.size, sh.slices);
    auto r = ctx.parallelize(ints(sh.size), sh.slices);
    auto s = ctx.parallelize(strings(sh.size), sh.slices);
    auto p = ctx.parallelize(pairs(sh.size), sh.slices);
    if (sh.size == 0) {
      REQUIRE_THROWS_AS(r | ds::first(), std::out_of_range);
      REQUIRE_THROWS_AS(s | ds::first(), std::out_of_range);
      REQUIRE_THROWS_AS(p | ds::first(), std::out_of_range);
      REQUIRE_THROWS_AS(r | box | ds::first(), std::out_of_range);
    } else {
      REQUIRE((r | ds::first()) == ints(sh.size).front());
      REQUIRE((s | ds::first()) == strings(sh.size).front());
      REQUIRE((p | ds::first()) == pairs(sh.size).front());
      REQUIRE(*(r | box | ds::first()) == ints(sh.size).front());
    }
  }
  REQUIRE_THROWS_WITH(ds::rdd<int>{} | ds::first(), Catch::Contains("empty"));
}

TEST_CASE("foreach calls f on every element") {
  auto& ctx = shared_context();
  for (const shape& sh : shapes()) {
    CAPTURE(sh.size, sh.slices);
    const auto in = ints(sh.size);
    std::atomic<std::int64_t> sum{0};
    std::atomic<int> calls{0};
    ctx.parallelize(in, sh.slices) | ds::foreach([&](int x) {
      sum += x;
      ++calls;
    });
    REQUIRE(sum == std::accumulate(in.begin(), in.end(), std::int64_t{0}));
    REQUIRE(calls == static_cast<int>(sh.size));

    std::atomic<std::size_t> chars{0};
    ctx.parallelize(strings(sh.size), sh.slices) | ds::foreach([&](const std::string& s) { chars += s.size(); });
    std::size_t expected_chars = 0;
    for (const auto& s : strings(sh.size)) expected_chars += s.size();
    REQUIRE(chars == expected_chars);

    std::atomic<int> values{0};
    ctx.parallelize(pairs(sh.size), sh.slices) |
        ds::foreach([&](const std::pair<std::string, int>& kv) { values += kv.second; });
    REQUIRE(values == static_cast<int>(sh.size * (sh.size ? sh.size - 1 : 0) / 2));

    std::atomic<std::int64_t> boxed_sum{0};
    ctx.parallelize(in, sh.slices) | box | ds::foreach([&](boxed b) { boxed_sum += *b; });
    REQUIRE(boxed_sum == sum);
  }
}

TEST_CASE("foreach_partition calls f once per partition, empty ones included") {
  auto& ctx = shared_context();
  // Partitions run in parallel: each call is recorded under a lock, then compared as a
  // multiset (sorted) with the reference slices.
  auto check = [&](const auto& in, std::size_t slices, auto stage) {
    using T = typename std::remove_cvref_t<decltype(in)>::value_type;
    std::mutex m;
    std::vector<std::vector<T>> seen;
    ctx.parallelize(in, slices) | stage | ds::foreach_partition([&](std::span<const T> p) {
      std::lock_guard lock(m);
      seen.emplace_back(p.begin(), p.end());
    });
    REQUIRE(sorted(seen) == sorted(reference_slices(in, slices)));
  };
  auto identity = ds::map([](const auto& x) { return x; });
  for (const shape& sh : shapes()) {
    CAPTURE(sh.size, sh.slices);
    // Straight from the rdd (the partition itself is passed) and after an operator.
    check(ints(sh.size), sh.slices, ds::filter([](int) { return true; }));
    check(ints(sh.size), sh.slices, identity);
    check(strings(sh.size), sh.slices, identity);
    check(pairs(sh.size), sh.slices, ds::filter([](const auto&) { return true; }));

    std::mutex m;
    std::vector<std::vector<int>> seen;
    ctx.parallelize(ints(sh.size), sh.slices) | ds::foreach_partition([&](std::span<const int> p) {
      std::lock_guard lock(m);
      seen.emplace_back(p.begin(), p.end());
    });
    REQUIRE(sorted(seen) == sorted(reference_slices(ints(sh.size), sh.slices)));

    std::vector<std::vector<int>> boxed_seen;
    ctx.parallelize(ints(sh.size), sh.slices) | box | ds::foreach_partition([&](std::span<const boxed> p) {
      std::vector<int> values;
      for (const auto& b : p) values.push_back(*b);
      std::lock_guard lock(m);
      boxed_seen.push_back(values);
    });
    REQUIRE(sorted(boxed_seen) == sorted(reference_slices(ints(sh.size), sh.slices)));
  }
}

TEST_CASE("parallelize slices exactly as Spark does") {
  auto& ctx = shared_context();
  SECTION("slice j holds indices [j*n/p, (j+1)*n/p)") {
    using parts = std::vector<std::vector<int>>;
    std::vector<int> ten{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    REQUIRE(partitions_of(ctx.parallelize(ten, 3)) == parts{{0, 1, 2}, {3, 4, 5}, {6, 7, 8, 9}});
    REQUIRE(partitions_of(ctx.parallelize(ten, 4)) == parts{{0, 1}, {2, 3, 4}, {5, 6}, {7, 8, 9}});
    REQUIRE(partitions_of(ctx.parallelize({0, 1, 2}, 8)) == parts{{}, {}, {0}, {}, {}, {1}, {}, {2}});
    REQUIRE(partitions_of(ctx.parallelize(std::vector<int>{}, 3)) == parts{{}, {}, {}});
    for (std::size_t n = 0; n <= 30; ++n)
      for (std::size_t p = 1; p <= 9; ++p) {
        CAPTURE(n, p);
        std::vector<int> v(n);
        std::iota(v.begin(), v.end(), 0);
        REQUIRE(partitions_of(ctx.parallelize(v, p)) == reference_slices(v, p));
      }
  }
  SECTION("without a slice count it uses the default parallelism") {
    ds::context three{ds::conf().master("local[3]")};
    REQUIRE(three.parallelize(ints(10)).num_partitions() == 3);
    REQUIRE(three.parallelize({1, 2}).num_partitions() == 3);
  }
  SECTION("views and string_views become owned elements") {
    auto r = ctx.parallelize(ranges::views::iota(5, 9), 2);
    REQUIRE(partitions_of(r) == std::vector<std::vector<int>>{{5, 6}, {7, 8}});
    std::vector<std::string_view> views{"ab", "cd", "e"};
    auto s = ctx.parallelize(views, 2);
    STATIC_REQUIRE(std::is_same_v<decltype(s), ds::rdd<std::string>>);
    REQUIRE((s | ds::collect()) == std::vector<std::string>{"ab", "cd", "e"});
  }
}

TEST_CASE("conf parses the master and keeps settings") {
  SECTION("default parallelism is n of local[n]") {
    REQUIRE(ds::context{ds::conf().master("local")}.default_parallelism() == 1);
    REQUIRE(ds::context{ds::conf().master("local[1]")}.default_parallelism() == 1);
    REQUIRE(ds::context{ds::conf().master("local[3]")}.default_parallelism() == 3);
    REQUIRE(ds::context{ds::conf().master("local[16]")}.default_parallelism() == 16);
    const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
    REQUIRE(ds::context{ds::conf().master("local[*]")}.default_parallelism() == cores);
    REQUIRE(ds::context{}.default_parallelism() == cores);
  }
  SECTION("a bad master throws std::invalid_argument naming it") {
    for (std::string bad : {"bogus", "local[0]", "local[]", "local[x]", "local[2", "local[-1]", "yarn", "", "local[2]x"}) {
      CAPTURE(bad);
      REQUIRE_THROWS_AS(ds::conf().master(bad), std::invalid_argument);
      REQUIRE_THROWS_WITH(ds::conf().master(bad), Catch::Contains(std::string("\"").append(bad).append("\"")));
    }
    REQUIRE_THROWS_WITH(ds::conf().master("bogus"), Catch::Contains("bogus"));
  }
  SECTION("name, master and settings read back") {
    auto c = ds::conf().app_name("app").master("local[2]").set("k", "v");
    REQUIRE(c.app_name() == "app");
    REQUIRE(c.master() == "local[2]");
    REQUIRE(c.get("k") == std::optional<std::string>("v"));
    REQUIRE_FALSE(c.get("missing").has_value());
    REQUIRE(c.get("missing", "fallback") == "fallback");
    ds::context ctx{c};
    REQUIRE(ctx.conf().app_name() == "app");
  }
}

TEST_CASE("actions after stop throw std::logic_error") {
  ds::context ctx{ds::conf().app_name("stopping").master("local[2]")};
  auto r = ctx.parallelize(ints(10), 4);
  auto kv = ctx.parallelize(pairs(10), 4);
  auto one = ctx.parallelize(ints(3), 1);
  REQUIRE((r | ds::count()) == 10);
  ctx.stop();
  REQUIRE(ctx.stopped());
  ctx.stop();  // idempotent

  REQUIRE_THROWS_AS(r | ds::collect(), std::logic_error);
  REQUIRE_THROWS_WITH(r | ds::collect(), Catch::Contains("stopped"));
  REQUIRE_THROWS_AS(r | ds::count(), std::logic_error);
  REQUIRE_THROWS_AS(one | ds::count(), std::logic_error);
  REQUIRE_THROWS_AS(r | ds::reduce(std::plus<>{}), std::logic_error);
  REQUIRE_THROWS_AS(r | ds::take(2), std::logic_error);
  REQUIRE_THROWS_AS(r | ds::first(), std::logic_error);
  REQUIRE_THROWS_AS(r | ds::foreach([](int) {}), std::logic_error);
  REQUIRE_THROWS_AS(r | ds::foreach_partition([](std::span<const int>) {}), std::logic_error);
  REQUIRE_THROWS_AS(r | ds::map([](int x) { return x; }) | ds::collect(), std::logic_error);
  REQUIRE_THROWS_AS(kv | ds::reduce_by_key(std::plus<>{}), std::logic_error);
  REQUIRE_THROWS_AS(kv | ds::join(kv), std::logic_error);
  REQUIRE_THROWS_AS(r | ds::repartition(2), std::logic_error);
  REQUIRE_THROWS_AS(ctx.parallelize(ints(3)), std::logic_error);
  REQUIRE_THROWS_AS(ctx.make_rdd<int>(std::vector<std::vector<int>>{{1}}), std::logic_error);
}

TEST_CASE("an exception thrown by a user function reaches the caller of the action") {
  auto& ctx = shared_context(4);
  for (std::size_t slices : {1u, 8u}) {
    CAPTURE(slices);
    auto r = ctx.parallelize(ints(40), slices);
    auto kv = ctx.parallelize(pairs(40), slices);

    REQUIRE_THROWS_WITH(r | ds::map([](int x) {
                          if (x == 5) throw std::runtime_error("map failed on 5");
                          return x;
                        }) | ds::collect(),
                        "map failed on 5");
    REQUIRE_THROWS_WITH(r | ds::filter([](int x) -> bool {
                          if (x == 9) throw user_error("filter failed on 9");
                          return true;
                        }) | ds::count(),
                        "filter failed on 9");
    REQUIRE_THROWS_AS(r | ds::filter([](int x) -> bool {
                        if (x == 9) throw user_error("filter failed on 9");
                        return true;
                      }) | ds::count(),
                      user_error);
    REQUIRE_THROWS_WITH(kv | ds::reduce_by_key([](int, int) -> int { throw std::runtime_error("reduce_by_key f"); }),
                        "reduce_by_key f");
    REQUIRE_THROWS_WITH(kv | ds::reduce_by_key([](int, int) -> int { throw std::runtime_error("merge on 3"); }, 3),
                        "merge on 3");
    REQUIRE_THROWS_WITH(r | ds::foreach([](int x) {
                          if (x == 0) throw std::invalid_argument("foreach saw 0");
                        }),
                        "foreach saw 0");
    REQUIRE_THROWS_AS(r | ds::foreach([](int x) {
                        if (x == 0) throw std::invalid_argument("foreach saw 0");
                      }),
                      std::invalid_argument);
    REQUIRE_THROWS_WITH(r | ds::map([](int x) { return std::pair{x, x}; }) | ds::reduce_by_key([](int a, int b) {
                          if (a + b > 1000) throw std::runtime_error("unreachable");
                          return a + b;
                        }) | ds::map([](const std::pair<int, int>& p) -> int {
                          throw std::out_of_range(std::string("after the shuffle ").append(std::to_string(p.first >= 0)));
                        }) | ds::collect(),
                        "after the shuffle 1");
    // The context is still usable afterwards.
    REQUIRE((r | ds::count()) == 40);
  }
}
