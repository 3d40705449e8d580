// ds::thread_pool: every index runs exactly once, nesting cannot deadlock, errors reach
// the caller unchanged, and the pool survives errors, many callers and its own shutdown.
// Meant to be run under the thread sanitizer as well.

#include <catch2/catch.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <dstream/runtime/pool.hpp>

namespace ds = dstream;

namespace {

/// Counts how many times each index ran.
struct hit_counter {
  explicit hit_counter(std::size_t n) : hits(n) {}
  std::vector<std::atomic<int>> hits;
  bool each_once() const {
    for (const auto& h : hits)
      if (h.load() != 1) return false;
    return true;
  }
};

}  // namespace

TEST_CASE("parallel_for runs every index exactly once") {
  for (std::size_t threads : {1u, 2u, 4u, 7u}) {
    ds::thread_pool pool(threads);
    REQUIRE(pool.size() == threads);
    for (std::size_t n : {0u, 1u, 2u, 3u, 64u, 10000u}) {
      CAPTURE(threads, n);
      hit_counter c(n);
      pool.parallel_for(n, [&](std::size_t i) { ++c.hits[i]; });
      REQUIRE(c.each_once());
    }
  }
}

TEST_CASE("a pool asked for zero threads has one") {
  ds::thread_pool pool(0);
  REQUIRE(pool.size() == 1);
  std::atomic<int> sum{0};
  pool.parallel_for(100, [&](std::size_t i) { sum += static_cast<int>(i); });
  REQUIRE(sum == 4950);
}

TEST_CASE("tasks run on the pool's workers, callers outside it") {
  ds::thread_pool pool(2);
  REQUIRE_FALSE(pool.on_worker());
  std::atomic<int> on_worker{0};
  pool.parallel_for(16, [&](std::size_t) {
    if (pool.on_worker()) ++on_worker;
  });
  REQUIRE(on_worker == 16);
  // Another pool's worker is not this pool's worker.
  ds::thread_pool other(1);
  std::atomic<bool> foreign{true};
  other.parallel_for(2, [&](std::size_t) {
    if (pool.on_worker()) foreign = false;
  });
  REQUIRE(foreign);
}

TEST_CASE("nested parallel_for does not deadlock, even with more tasks than threads") {
  for (std::size_t threads : {1u, 2u, 3u}) {
    CAPTURE(threads);
    ds::thread_pool pool(threads);
    constexpr std::size_t fan = 6;
    hit_counter leaves(fan * fan * fan);
    std::atomic<int> middles{0};
    pool.parallel_for(fan, [&](std::size_t a) {
      pool.parallel_for(fan, [&](std::size_t b) {
        ++middles;
        pool.parallel_for(fan, [&](std::size_t c) { ++leaves.hits[(a * fan + b) * fan + c]; });
      });
    });
    REQUIRE(middles == static_cast<int>(fan * fan));
    REQUIRE(leaves.each_once());
  }
}

TEST_CASE("an exception from a task reaches the caller intact and the pool stays usable") {
  for (std::size_t threads : {1u, 4u}) {
    CAPTURE(threads);
    ds::thread_pool pool(threads);
    for (std::size_t n : {1u, 2u, 100u}) {
      CAPTURE(n);
      REQUIRE_THROWS_WITH(pool.parallel_for(n,
                                            [&](std::size_t i) {
                                              if (i == n / 2) throw std::runtime_error(std::string("task ").append(std::to_string(i)).append(" failed"));
                                            }),
                          std::string("task ").append(std::to_string(n / 2)).append(" failed"));
      REQUIRE_THROWS_AS(pool.parallel_for(n,
                                          [&](std::size_t i) {
                                            if (i == n - 1) throw std::out_of_range("last");
                                          }),
                        std::out_of_range);
      hit_counter c(500);
      pool.parallel_for(500, [&](std::size_t i) { ++c.hits[i]; });
      REQUIRE(c.each_once());
    }
    SECTION("from a nested level") {
      REQUIRE_THROWS_WITH(pool.parallel_for(4,
                                            [&](std::size_t a) {
                                              pool.parallel_for(4, [&](std::size_t b) {
                                                if (a == 2 && b == 3) throw std::logic_error("inner 2.3");
                                              });
                                            }),
                          "inner 2.3");
      std::atomic<int> after{0};
      pool.parallel_for(64, [&](std::size_t) { ++after; });
      REQUIRE(after == 64);
    }
  }
}

TEST_CASE("every task failing still gives one exception and no stray work") {
  ds::thread_pool pool(3);
  std::atomic<int> ran{0};
  REQUIRE_THROWS_AS(pool.parallel_for(200,
                                      [&](std::size_t) {
                                        ++ran;
                                        throw std::runtime_error("all fail");
                                      }),
                    std::runtime_error);
  const int ran_then = ran.load();
  REQUIRE(ran_then >= 1);
  REQUIRE(ran_then <= 200);
  // Tasks skipped after the failure never run later.
  pool.parallel_for(10, [](std::size_t) {});
  REQUIRE(ran == ran_then);
}

TEST_CASE("the destructor joins cleanly right after work finished") {
  for (int round = 0; round < 50; ++round) {
    CAPTURE(round);
    std::atomic<int> done{0};
    {
      ds::thread_pool pool(static_cast<std::size_t>(1 + round % 4));
      pool.parallel_for(static_cast<std::size_t>(round % 7), [&](std::size_t) { ++done; });
    }
    REQUIRE(done == round % 7);
  }
  // A pool that never ran anything stops too.
  for (int round = 0; round < 20; ++round) {
    ds::thread_pool idle(3);
  }
  SUCCEED("every pool joined");
}

TEST_CASE("many external callers share one pool") {
  for (std::size_t threads : {1u, 3u}) {
    CAPTURE(threads);
    ds::thread_pool pool(threads);
    constexpr int callers = 6;
    constexpr int rounds = 60;
    constexpr std::size_t n = 37;
    std::vector<std::unique_ptr<hit_counter>> counters;
    for (int c = 0; c < callers; ++c) counters.push_back(std::make_unique<hit_counter>(n * rounds));
    std::atomic<int> failures_seen{0};
    std::vector<std::thread> ts;
    for (int c = 0; c < callers; ++c) {
      ts.emplace_back([&, c] {
        for (int r = 0; r < rounds; ++r) {
          pool.parallel_for(n, [&](std::size_t i) { ++counters[c]->hits[static_cast<std::size_t>(r) * n + i]; });
          // Caller 0 also fails every tenth round: others must not see its error.
          if (c == 0 && r % 10 == 0) {
            try {
              pool.parallel_for(3, [](std::size_t i) {
                if (i == 1) throw std::runtime_error("caller 0");
              });
            } catch (const std::runtime_error& e) {
              if (std::string(e.what()) == "caller 0") ++failures_seen;
            }
          }
        }
      });
    }
    for (auto& t : ts) t.join();
    for (int c = 0; c < callers; ++c) {
      CAPTURE(c);
      REQUIRE(counters[static_cast<std::size_t>(c)]->each_once());
    }
    REQUIRE(failures_seen == rounds / 10);
  }
}
