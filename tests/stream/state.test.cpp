// Windows and state on the manual clock, through ds::testing::run (batch 1 s, batch i at
// (i+1) s, input batches cut into 2 partitions): the cases and expected outputs of Spark's
// WindowOperationsSuite, BasicOperationsSuite (updateStateByKey) and MapWithStateSuite,
// and the errors of misuse (durations that are not multiples, no checkpoint directory).

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <dstream/dstream.hpp>
#include <dstream/testing.hpp>

#include "support/stream_support.hpp"

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using stream_test::manual_context;
using stream_test::sorted_batches;

namespace {

using ints = std::vector<std::vector<int>>;
using strings = std::vector<std::vector<std::string>>;
using SI = std::pair<std::string, int>;
using si_batches = std::vector<std::vector<SI>>;

// ---- WindowOperationsSuite's data ------------------------------------------------------

const ints zero_to_five{{0}, {1}, {2}, {3}, {4}, {5}};

const si_batches larger_slide_input{{{"a", 1}}, {{"a", 2}}, {{"a", 3}}, {{"a", 4}},
                                    {{"a", 5}}, {{"a", 6}}, {},         {}};
const si_batches larger_slide_reduce_output{{{"a", 3}}, {{"a", 10}}, {{"a", 18}}, {{"a", 11}}};

const si_batches big_input{
    {{"a", 1}},
    {{"a", 1}, {"b", 1}},
    {{"a", 1}, {"b", 1}, {"c", 1}},
    {{"a", 1}, {"b", 1}},
    {{"a", 1}},
    {},
    {{"a", 1}},
    {{"a", 1}, {"b", 1}},
    {{"a", 1}, {"b", 1}, {"c", 1}},
    {{"a", 1}, {"b", 1}},
    {{"a", 1}},
    {},
};

const si_batches big_reduce_output{
    {{"a", 1}},
    {{"a", 2}, {"b", 1}},
    {{"a", 2}, {"b", 2}, {"c", 1}},
    {{"a", 2}, {"b", 2}, {"c", 1}},
    {{"a", 2}, {"b", 1}},
    {{"a", 1}},
    {{"a", 1}},
    {{"a", 2}, {"b", 1}},
    {{"a", 2}, {"b", 2}, {"c", 1}},
    {{"a", 2}, {"b", 2}, {"c", 1}},
    {{"a", 2}, {"b", 1}},
    {{"a", 1}},
};

// With an inverse function and no filter, a key stays once its value fell to 0.
const si_batches big_reduce_inv_output{
    {{"a", 1}},
    {{"a", 2}, {"b", 1}},
    {{"a", 2}, {"b", 2}, {"c", 1}},
    {{"a", 2}, {"b", 2}, {"c", 1}},
    {{"a", 2}, {"b", 1}, {"c", 0}},
    {{"a", 1}, {"b", 0}, {"c", 0}},
    {{"a", 1}, {"b", 0}, {"c", 0}},
    {{"a", 2}, {"b", 1}, {"c", 0}},
    {{"a", 2}, {"b", 2}, {"c", 1}},
    {{"a", 2}, {"b", 2}, {"c", 1}},
    {{"a", 2}, {"b", 1}, {"c", 0}},
    {{"a", 1}, {"b", 0}, {"c", 0}},
};

// Spark's helpers run expected.size() · (slide / batch) batches.
std::size_t batches_for(std::size_t outputs, ds::duration slide) {
  return outputs * static_cast<std::size_t>(slide / 1s);
}

ints run_window(const ints& input, ds::duration len, ds::duration slide, std::size_t outputs) {
  return sorted_batches(ds::testing::run(
      input, [&](ds::dstream<int> s) { return s | ds::window(len, slide); }, batches_for(outputs, slide)));
}

si_batches run_reduce_by_key_and_window(const si_batches& input, ds::duration len, ds::duration slide,
                                        std::size_t outputs) {
  return sorted_batches(ds::testing::run(
      input, [&](ds::dstream<SI> s) { return s | ds::reduce_by_key_and_window(std::plus<>{}, len, slide); },
      batches_for(outputs, slide)));
}

si_batches run_reduce_by_key_and_window_inv(const si_batches& input, ds::duration len, ds::duration slide,
                                            std::size_t outputs, ds::testing::options o = {}) {
  return sorted_batches(ds::testing::run(
      input,
      [&](ds::dstream<SI> s) { return s | ds::reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, len, slide); },
      batches_for(outputs, slide), o));
}

auto sum_update = [](std::span<const int> vs, std::optional<int> s) -> std::optional<int> {
  return s.value_or(0) + std::accumulate(vs.begin(), vs.end(), 0);
};

auto to_pair_one = ds::map([](const std::string& s) { return SI(s, 1); });

const strings counting_input{{"a"}, {"a", "b"}, {"a", "b", "c"}, {"a", "b"}, {"a"}, {}};

// MapWithStateSuite's input: an empty first batch.
const strings mws_input{{}, {"a"}, {"a", "b"}, {"a", "b", "c"}, {"a", "b"}, {"a"}, {}};
const si_batches mws_state{{},
                           {{"a", 1}},
                           {{"a", 2}, {"b", 1}},
                           {{"a", 3}, {"b", 2}, {"c", 1}},
                           {{"a", 4}, {"b", 3}, {"c", 1}},
                           {{"a", 5}, {"b", 3}, {"c", 1}},
                           {{"a", 5}, {"b", 3}, {"c", 1}}};

/// A state with a type of its own, written to checkpoints through ds::serializer.
struct expiring_counter {
  int counter = 0;
  int idle = 0;  // batches in a row without new values
};

}  // namespace

template <>
struct dstream::serializer<expiring_counter> {
  static void write(ds::writer& w, const expiring_counter& c) {
    w(c.counter);
    w(c.idle);
  }
  static expiring_counter read(ds::reader& r) {
    expiring_counter c;
    c.counter = r.get<int>();
    c.idle = r.get<int>();
    return c;
  }
};

// ---- window ------------------------------------------------------------------------------

TEST_CASE("window: basic (2 s window, 1 s slide)", "[state][window]") {
  REQUIRE(run_window(zero_to_five, 2s, 1s, 6) == ints{{0}, {0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}});
}

TEST_CASE("window: tumbling (2 s window, 2 s slide)", "[state][window]") {
  REQUIRE(run_window(zero_to_five, 2s, 2s, 3) == ints{{0, 1}, {2, 3}, {4, 5}});
}

TEST_CASE("window: larger window (4 s window, 2 s slide)", "[state][window]") {
  REQUIRE(run_window(zero_to_five, 4s, 2s, 4) == ints{{0, 1}, {0, 1, 2, 3}, {2, 3, 4, 5}, {4, 5}});
}

TEST_CASE("window: non-overlapping (2 s window, 3 s slide)", "[state][window]") {
  REQUIRE(run_window(zero_to_five, 2s, 3s, 2) == ints{{1, 2}, {4, 5}});
}

TEST_CASE("window: the slide defaults to the parent's", "[state][window]") {
  auto out = sorted_batches(ds::testing::run(
      zero_to_five, [](ds::dstream<int> s) { return s | ds::window(3s); }, 6));
  REQUIRE(out == ints{{0}, {0, 1}, {0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 5}});
}

TEST_CASE("window: a window of a window slides with the outer slide", "[state][window]") {
  // (2 s, 1 s) then (4 s, 2 s): the outer window unions the four inner windows it covers.
  auto out = sorted_batches(ds::testing::run(
      zero_to_five, [](ds::dstream<int> s) { return s | ds::window(2s, 1s) | ds::window(4s, 2s); }, 6));
  REQUIRE(out == ints{{0, 0, 1}, {0, 0, 1, 1, 2, 2, 3}, {1, 2, 2, 3, 3, 4, 4, 5}});
}

TEST_CASE("window: the result does not depend on the input partitions", "[state][window]") {
  for (std::size_t p : {1, 3}) {
    ds::testing::options o;
    o.input_partitions = p;
    auto out = sorted_batches(ds::testing::run(
        ints{{0, 1, 2, 3}, {4, 5}, {6}}, [](ds::dstream<int> s) { return s | ds::window(2s, 1s); }, 3, o));
    REQUIRE(out == ints{{0, 1, 2, 3}, {0, 1, 2, 3, 4, 5}, {4, 5, 6}});
  }
}

// ---- reduce_by_key_and_window --------------------------------------------------------------

TEST_CASE("reduce_by_key_and_window without inverse: Spark's cases", "[state][window]") {
  SECTION("basic reduction") {
    REQUIRE(run_reduce_by_key_and_window({{{"a", 1}, {"a", 3}}}, 2s, 1s, 1) == si_batches{{{"a", 4}}});
  }
  SECTION("key already in window and new value added into window") {
    REQUIRE(run_reduce_by_key_and_window({{{"a", 1}}, {{"a", 1}}}, 2s, 1s, 2) == si_batches{{{"a", 1}}, {{"a", 2}}});
  }
  SECTION("new key added into window") {
    REQUIRE(run_reduce_by_key_and_window({{{"a", 1}}, {{"a", 1}, {"b", 1}}}, 2s, 1s, 2) ==
            si_batches{{{"a", 1}}, {{"a", 2}, {"b", 1}}});
  }
  SECTION("key removed from window") {
    REQUIRE(run_reduce_by_key_and_window({{{"a", 1}}, {{"a", 1}}, {}, {}}, 2s, 1s, 4) ==
            si_batches{{{"a", 1}}, {{"a", 2}}, {{"a", 1}}, {}});
  }
  SECTION("larger slide time") {
    REQUIRE(run_reduce_by_key_and_window(larger_slide_input, 4s, 2s, 4) == larger_slide_reduce_output);
  }
  SECTION("big test") { REQUIRE(run_reduce_by_key_and_window(big_input, 2s, 1s, 12) == big_reduce_output); }
}

TEST_CASE("reduce_by_key_and_window without inverse needs no checkpoint directory", "[state][window]") {
  auto ssc = manual_context();
  ds::rdd_queue<SI> q;
  stream_test::guarded<si_batches> out;
  ssc.queue_stream(q) | ds::reduce_by_key_and_window(std::plus<>{}, 2s, 1s) |
      ds::foreach_rdd([&](ds::rdd<SI>& r) {
        auto v = r | ds::collect();
        std::sort(v.begin(), v.end());
        out.update([&](si_batches& b) { b.push_back(v); });
      });
  q.push(ssc.context().parallelize(std::vector<SI>{{"a", 1}, {"a", 2}}));
  q.push(ssc.context().parallelize(std::vector<SI>{{"a", 4}}));
  ssc.start();
  stream_test::run_batch(ssc, 1000, 1000);
  stream_test::run_batch(ssc, 1000, 2000);
  stream_test::run_batch(ssc, 1000, 3000);
  ssc.stop();
  REQUIRE(out.get() == si_batches{{{"a", 3}}, {{"a", 7}}, {{"a", 4}}});
}

// Spark reduces each batch by key before windowing; so do these: after narrow operators
// the window keeps each batch's partial results, and an element is reduced once, not once
// for every window it falls in.
TEST_CASE("windowed reduces without inverse reduce each batch once, inside the fused stage", "[state][window]") {
  auto ssc = manual_context();
  ds::rdd_queue<int> q1, q2;
  std::atomic<int> key_calls{0}, all_calls{0};
  stream_test::guarded<si_batches> by_key;
  stream_test::guarded<std::vector<int>> whole;
  auto pairs = ssc.queue_stream(q1) | ds::map([](int x) { return SI(x % 2 ? "odd" : "even", x); });
  pairs | ds::reduce_by_key_and_window([&](int a, int b) { return ++key_calls, a + b; }, 3s, 1s) |
      ds::foreach_rdd([&](ds::rdd<SI>& r) {
        auto v = r | ds::collect();
        std::sort(v.begin(), v.end());
        by_key.update([&](si_batches& b) { b.push_back(v); });
      });
  ssc.queue_stream(q2) | ds::filter([](int x) { return x > 0; }) |
      ds::reduce_by_window([&](int a, int b) { return ++all_calls, std::max(a, b); }, 3s, 1s) |
      ds::foreach_rdd([&](ds::rdd<int>& r) {
        auto v = r | ds::collect();
        whole.update([&](std::vector<int>& w) { w.insert(w.end(), v.begin(), v.end()); });
      });
  // Three batches of 1..100 in 2 partitions.
  std::vector<int> batch(100);
  std::iota(batch.begin(), batch.end(), 1);
  ssc.start();
  for (int b = 0; b < 3; ++b) {
    q1.push(ssc.context().parallelize(batch, 2));
    q2.push(ssc.context().parallelize(batch, 2));
    stream_test::run_batch(ssc, 1000, 1000 * (b + 1));
  }
  ssc.stop();
  REQUIRE(by_key.get() == si_batches{{{"even", 2550}, {"odd", 2500}},
                                     {{"even", 5100}, {"odd", 5000}},
                                     {{"even", 7650}, {"odd", 7500}}});
  REQUIRE(whole.get() == std::vector<int>{100, 100, 100});
  // Reducing every window's elements takes 2 x (49 + 99 + 149) = 594 calls by key (as
  // reduce_by_key_and_window did before it reduced each batch first) and 99 + 199 + 299 =
  // 597 for the max; batch by batch, 98 a batch by key (24 per key and partition, then the
  // partitions merged) and 99 for the max, and a few more to merge the window's partial
  // results. (reduce_by_window already reduced each batch first; what changed for it, that
  // the filter's output is no longer stored, no call count shows.)
  CHECK(key_calls.load() < 3 * 98 + 30);
  CHECK(all_calls.load() < 3 * 99 + 10);
}

TEST_CASE("reduce_by_key_and_window with inverse: Spark's cases", "[state][window]") {
  SECTION("basic reduction") {
    REQUIRE(run_reduce_by_key_and_window_inv({{{"a", 1}, {"a", 3}}}, 2s, 1s, 1) == si_batches{{{"a", 4}}});
  }
  SECTION("key already in window and new value added into window") {
    REQUIRE(run_reduce_by_key_and_window_inv({{{"a", 1}}, {{"a", 1}}}, 2s, 1s, 2) ==
            si_batches{{{"a", 1}}, {{"a", 2}}});
  }
  SECTION("new key added into window") {
    REQUIRE(run_reduce_by_key_and_window_inv({{{"a", 1}}, {{"a", 1}, {"b", 1}}}, 2s, 1s, 2) ==
            si_batches{{{"a", 1}}, {{"a", 2}, {"b", 1}}});
  }
  SECTION("key removed from window: it stays with 0") {
    REQUIRE(run_reduce_by_key_and_window_inv({{{"a", 1}}, {{"a", 1}}, {}, {}}, 2s, 1s, 4) ==
            si_batches{{{"a", 1}}, {{"a", 2}}, {{"a", 1}}, {{"a", 0}}});
  }
  SECTION("larger slide time") {
    REQUIRE(run_reduce_by_key_and_window_inv(larger_slide_input, 4s, 2s, 4) == larger_slide_reduce_output);
  }
  SECTION("big test: keys whose value fell to 0 stay") {
    REQUIRE(run_reduce_by_key_and_window_inv(big_input, 2s, 1s, 12) == big_reduce_inv_output);
  }
  SECTION("big test with 1 and 3 input partitions") {
    for (std::size_t p : {1, 3}) {
      ds::testing::options o;
      o.input_partitions = p;
      REQUIRE(run_reduce_by_key_and_window_inv(big_input, 2s, 1s, 12, o) == big_reduce_inv_output);
    }
  }
  SECTION("a 3 s window, incrementally, equals the naive form on the non-zero keys") {
    // The naive form drops keys absent from the window; compare on the non-zero keys.
    auto inv = run_reduce_by_key_and_window_inv(big_input, 3s, 1s, 12);
    auto naive = run_reduce_by_key_and_window(big_input, 3s, 1s, 12);
    REQUIRE(inv.size() == naive.size());
    for (auto& b : inv) b.erase(std::remove_if(b.begin(), b.end(), [](const SI& p) { return p.second == 0; }), b.end());
    REQUIRE(inv == naive);
  }
}

TEST_CASE("reduce_by_key_and_window with inverse and filter drops the keys the filter rejects", "[state][window]") {
  auto out = sorted_batches(ds::testing::run(
      big_input,
      [](ds::dstream<SI> s) {
        return s | ds::reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 2s, 1s, 2,
                                                [](const SI& p) { return p.second != 0; });
      },
      12));
  REQUIRE(out == big_reduce_output);
}

TEST_CASE("reduce_by_key_and_window with inverse honours its partition count", "[state][window]") {
  auto out = ds::testing::run(
      big_input,
      [](ds::dstream<SI> s) {
        return s | ds::reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 2s, 1s, 3) |
               ds::glom() | ds::map([](const std::vector<SI>&) { return 1; });
      },
      2);
  REQUIRE(out == ints{{1, 1, 1}, {1, 1, 1}});
}

// ---- the other window operators ----------------------------------------------------------

TEST_CASE("group_by_key_and_window groups the values of the window", "[state][window]") {
  using G = std::pair<std::string, std::vector<int>>;
  auto out = ds::testing::run(
      big_input, [](ds::dstream<SI> s) { return s | ds::group_by_key_and_window(2s, 1s); }, 12);
  for (auto& b : out) {
    for (auto& [k, vs] : b) std::sort(vs.begin(), vs.end());
    std::sort(b.begin(), b.end());
  }
  // Spark's bigGroupByOutput.
  const std::vector<std::vector<G>> expected{
      {{"a", {1}}},
      {{"a", {1, 1}}, {"b", {1}}},
      {{"a", {1, 1}}, {"b", {1, 1}}, {"c", {1}}},
      {{"a", {1, 1}}, {"b", {1, 1}}, {"c", {1}}},
      {{"a", {1, 1}}, {"b", {1}}},
      {{"a", {1}}},
      {{"a", {1}}},
      {{"a", {1, 1}}, {"b", {1}}},
      {{"a", {1, 1}}, {"b", {1, 1}}, {"c", {1}}},
      {{"a", {1, 1}}, {"b", {1, 1}}, {"c", {1}}},
      {{"a", {1, 1}}, {"b", {1}}},
      {{"a", {1}}},
  };
  REQUIRE(out == expected);
}

TEST_CASE("count_by_window counts the elements of the window", "[state][window]") {
  auto out = ds::testing::run(
      ints{{1}, {1}, {1, 2}, {0}, {}, {}}, [](ds::dstream<int> s) { return s | ds::count_by_window(2s, 1s); }, 6);
  REQUIRE(out == std::vector<std::vector<std::int64_t>>{{1}, {2}, {3}, {3}, {1}, {0}});
}

TEST_CASE("count_by_value_and_window counts each value of the window", "[state][window]") {
  using SC = std::pair<std::string, std::int64_t>;
  auto out = sorted_batches(ds::testing::run(
      strings{{"a"}, {"b", "b"}, {"a", "b"}, {}, {}},
      [](ds::dstream<std::string> s) { return s | ds::count_by_value_and_window(2s, 1s); }, 5));
  // Spark's three batches, then the values leave the window and are dropped.
  REQUIRE(out == std::vector<std::vector<SC>>{{{"a", 1}}, {{"a", 1}, {"b", 2}}, {{"a", 1}, {"b", 3}}, {{"a", 1}, {"b", 1}}, {}});
}

TEST_CASE("reduce_by_window reduces the whole window, with and without inverse", "[state][window]") {
  const ints input{{1}, {2, 3}, {4}, {}, {5}, {}, {}};
  SECTION("without inverse: no element for an empty window") {
    auto out = ds::testing::run(
        input, [](ds::dstream<int> s) { return s | ds::reduce_by_window(std::plus<>{}, 2s, 1s); }, 7);
    REQUIRE(out == ints{{1}, {6}, {9}, {4}, {5}, {5}, {}});
  }
  SECTION("with inverse: the value stays, at 0, once the window is empty") {
    auto out = ds::testing::run(
        input, [](ds::dstream<int> s) { return s | ds::reduce_by_window(std::plus<>{}, std::minus<>{}, 2s, 1s); },
        7);
    REQUIRE(out == ints{{1}, {6}, {9}, {4}, {5}, {5}, {0}});
  }
  SECTION("larger slide, with and without inverse") {
    const ints in{{1}, {2}, {3}, {4}, {5}, {6}, {}, {}};
    auto naive = ds::testing::run(
        in, [](ds::dstream<int> s) { return s | ds::reduce_by_window(std::plus<>{}, 4s, 2s); }, 8);
    auto inv = ds::testing::run(
        in, [](ds::dstream<int> s) { return s | ds::reduce_by_window(std::plus<>{}, std::minus<>{}, 4s, 2s); }, 8);
    REQUIRE(naive == ints{{3}, {10}, {18}, {11}});
    REQUIRE(inv == naive);
  }
}

// ---- update_state_by_key -------------------------------------------------------------------

TEST_CASE("update_state_by_key keeps a running sum per key", "[state]") {
  auto out = sorted_batches(ds::testing::run(
      counting_input, [](ds::dstream<std::string> s) { return s | to_pair_one | ds::update_state_by_key(sum_update); },
      6));
  REQUIRE(out == si_batches{{{"a", 1}},
                            {{"a", 2}, {"b", 1}},
                            {{"a", 3}, {"b", 2}, {"c", 1}},
                            {{"a", 4}, {"b", 3}, {"c", 1}},
                            {{"a", 5}, {"b", 3}, {"c", 1}},
                            {{"a", 5}, {"b", 3}, {"c", 1}}});
}

TEST_CASE("update_state_by_key takes the values as a span, a vector or any range", "[state]") {
  const si_batches expected{{{"a", 1}},
                            {{"a", 2}, {"b", 1}},
                            {{"a", 3}, {"b", 2}, {"c", 1}},
                            {{"a", 4}, {"b", 3}, {"c", 1}},
                            {{"a", 5}, {"b", 3}, {"c", 1}},
                            {{"a", 5}, {"b", 3}, {"c", 1}}};
  auto run_with = [&](auto update) {
    return sorted_batches(ds::testing::run(
        counting_input, [update](ds::dstream<std::string> s) { return s | to_pair_one | ds::update_state_by_key(update); },
        6));
  };
  SECTION("const std::vector<V>&") {
    REQUIRE(run_with([](const std::vector<int>& vs, std::optional<int> s) -> std::optional<int> {
              return s.value_or(0) + std::accumulate(vs.begin(), vs.end(), 0);
            }) == expected);
  }
  SECTION("std::vector<V> by value") {
    REQUIRE(run_with([](std::vector<int> vs, std::optional<int> s) -> std::optional<int> {
              return s.value_or(0) + std::accumulate(vs.begin(), vs.end(), 0);
            }) == expected);
  }
  SECTION("std::span<const V>") {
    REQUIRE(run_with([](std::span<const int> vs, std::optional<int> s) -> std::optional<int> {
              return s.value_or(0) + std::accumulate(vs.begin(), vs.end(), 0);
            }) == expected);
  }
  SECTION("any range (auto), with the key and batch time") {
    REQUIRE(run_with([](ds::batch_time, const std::string&, const auto& vs, std::optional<int> s) -> std::optional<int> {
              int n = s.value_or(0);
              for (int v : vs) n += v;
              return n;
            }) == expected);
  }
}

TEST_CASE("update_state_by_key removes a key when the function returns nullopt", "[state]") {
  // Spark's "object lifecycle": a state seen twice in a row without new values goes.
  const strings input{{"a", "b"}, {}, {"a", "c", "a"}, {"c"}, {}, {}};
  auto out = sorted_batches(ds::testing::run(
      input,
      [](ds::dstream<std::string> s) {
        return s | to_pair_one |
               ds::update_state_by_key(
                   [](std::span<const int> vs, std::optional<expiring_counter> st) -> std::optional<expiring_counter> {
                     expiring_counter c = st.value_or(expiring_counter{});
                     const int n = std::accumulate(vs.begin(), vs.end(), 0);
                     if (n == 0) {
                       ++c.idle;
                     } else {
                       c.counter += n;
                       c.idle = 0;
                     }
                     if (c.idle == 2) return std::nullopt;
                     return c;
                   }) |
               ds::map([](const std::pair<std::string, expiring_counter>& p) { return SI(p.first, p.second.counter); });
      },
      6));
  REQUIRE(out == si_batches{{{"a", 1}, {"b", 1}},
                            {{"a", 1}, {"b", 1}},
                            {{"a", 3}, {"c", 1}},
                            {{"a", 3}, {"c", 2}},
                            {{"c", 2}},
                            {}});
}

TEST_CASE("update_state_by_key calls keys without new values every batch", "[state]") {
  // Counts the calls per key: each key is called in every batch after its first value.
  auto out = sorted_batches(ds::testing::run(
      strings{{"a"}, {}, {"b"}, {}, {}},
      [](ds::dstream<std::string> s) {
        return s | to_pair_one |
               ds::update_state_by_key([](std::span<const int>, std::optional<int> calls) -> std::optional<int> {
                 return calls.value_or(0) + 1;
               });
      },
      5));
  REQUIRE(out == si_batches{{{"a", 1}}, {{"a", 2}}, {{"a", 3}, {"b", 1}}, {{"a", 4}, {"b", 2}}, {{"a", 5}, {"b", 3}}});
}

TEST_CASE("update_state_by_key starts from an initial state rdd", "[state]") {
  const si_batches expected{{{"a", 2}, {"c", 2}},
                            {{"a", 3}, {"b", 1}, {"c", 2}},
                            {{"a", 4}, {"b", 2}, {"c", 3}},
                            {{"a", 5}, {"b", 3}, {"c", 3}},
                            {{"a", 6}, {"b", 3}, {"c", 3}},
                            {{"a", 6}, {"b", 3}, {"c", 3}}};
  SECTION("an rdd") {
    auto out = sorted_batches(ds::testing::run(
        counting_input,
        [](ds::dstream<std::string> s) {
          auto initial = s.streaming_context().context().parallelize(std::vector<SI>{{"a", 1}, {"c", 2}});
          return s | to_pair_one | ds::update_state_by_key(sum_update, initial);
        },
        6));
    REQUIRE(out == expected);
  }
  SECTION("an rdd and explicit partitions") {
    auto out = ds::testing::run(
        counting_input,
        [](ds::dstream<std::string> s) {
          auto initial = s.streaming_context().context().parallelize(std::vector<SI>{{"a", 1}, {"c", 2}}, 3);
          return s | to_pair_one | ds::update_state_by_key(sum_update, 4, initial) | ds::glom() |
                 ds::map([](const std::vector<SI>& part) { return part; });
        },
        6);
    REQUIRE(out.size() == 6);
    si_batches flat;
    for (auto& b : out) {
      REQUIRE(b.size() == 4);  // four partitions every batch
      flat.emplace_back();
      for (auto& part : b) flat.back().insert(flat.back().end(), part.begin(), part.end());
    }
    REQUIRE(sorted_batches(flat) == expected);
  }
  SECTION("an rdd expression") {
    auto out = sorted_batches(ds::testing::run(
        counting_input,
        [](ds::dstream<std::string> s) {
          auto initial = s.streaming_context().context().parallelize(std::vector<std::string>{"a", "c", "c"}) |
                         ds::map([](const std::string& k) { return SI(k, 1); }) | ds::reduce_by_key(std::plus<>{});
          return s | to_pair_one | ds::update_state_by_key(sum_update, initial);
        },
        6));
    REQUIRE(out == expected);
  }
}

TEST_CASE("update_state_by_key with the batch time and key", "[state]") {
  // Spark's "testing time stamps as input": the state adds the batch time when the key has values.
  using SL = std::pair<std::string, std::int64_t>;
  auto out = sorted_batches(ds::testing::run(
      counting_input,
      [](ds::dstream<std::string> s) {
        auto initial = s.streaming_context().context().parallelize(std::vector<SL>{{"a", 0}, {"c", 0}});
        return s | to_pair_one |
               ds::update_state_by_key(
                   [](ds::batch_time t, const std::string& key, std::span<const int> vs,
                      std::optional<std::int64_t> st) -> std::optional<std::int64_t> {
                     if (key.empty()) throw std::logic_error("no key");
                     if (!vs.empty()) return t.milliseconds() + st.value_or(0);
                     return st.value_or(0);
                   },
                   2, initial);
      },
      6));
  REQUIRE(out == std::vector<std::vector<SL>>{{{"a", 1000}, {"c", 0}},
                                              {{"a", 3000}, {"b", 2000}, {"c", 0}},
                                              {{"a", 6000}, {"b", 5000}, {"c", 3000}},
                                              {{"a", 10000}, {"b", 9000}, {"c", 3000}},
                                              {{"a", 15000}, {"b", 9000}, {"c", 3000}},
                                              {{"a", 15000}, {"b", 9000}, {"c", 3000}}});
}

TEST_CASE("update_state_by_key with explicit partitions gives that many partitions", "[state]") {
  auto out = ds::testing::run(
      counting_input,
      [](ds::dstream<std::string> s) {
        return s | to_pair_one | ds::update_state_by_key(sum_update, 5) | ds::glom() |
               ds::map([](const std::vector<SI>& part) { return static_cast<int>(part.size()); });
      },
      3);
  REQUIRE(out.size() == 3);
  for (std::size_t i = 0; i < out.size(); ++i) {
    REQUIRE(out[i].size() == 5);
    REQUIRE(std::accumulate(out[i].begin(), out[i].end(), 0) == static_cast<int>(i + 1));
  }
}

// ---- map_with_state ------------------------------------------------------------------------

namespace {

template <class Spec>
auto run_map_with_state(const strings& input, Spec spec, std::size_t batches) {
  using U = typename decltype(std::declval<ds::dstream<SI>>() | ds::map_with_state(spec))::value_type;
  std::vector<std::vector<U>> outputs;
  std::mutex m;
  auto snapshots = ds::testing::run(
      input,
      [&](ds::dstream<std::string> s) {
        auto mapped = s | to_pair_one | ds::map_with_state(spec);
        mapped | ds::foreach_rdd([&](ds::rdd<U>& r) {
          auto v = r | ds::collect();
          std::sort(v.begin(), v.end());
          std::lock_guard lock(m);
          outputs.push_back(std::move(v));
        });
        return mapped.state_snapshots();
      },
      batches);
  return std::pair(outputs, sorted_batches(snapshots));
}

}  // namespace

TEST_CASE("map_with_state: a running count, returned for every record", "[state]") {
  auto spec = ds::state_spec([](const std::string&, std::optional<int> v, ds::keyed_state<int>& st) {
    int sum = v.value_or(0) + st.get_option().value_or(0);
    st.update(sum);
    return sum;
  });
  auto [outputs, snapshots] = run_map_with_state(mws_input, spec, 7);
  REQUIRE(outputs == ints{{}, {1}, {1, 2}, {1, 2, 3}, {3, 4}, {5}, {}});
  REQUIRE(snapshots == mws_state);
}

TEST_CASE("map_with_state: the timed signature returning optional", "[state]") {
  SECTION("every record gives its key twice") {
    auto spec = ds::state_spec([](ds::batch_time, const std::string& k, std::optional<int> v,
                                  ds::keyed_state<int>& st) -> std::optional<std::string> {
      st.update(v.value_or(0) + (st.exists() ? st.get() : 0));
      return k + k;
    });
    auto [outputs, snapshots] = run_map_with_state(mws_input, spec, 7);
    REQUIRE(outputs == strings{{}, {"aa"}, {"aa", "bb"}, {"aa", "bb", "cc"}, {"aa", "bb"}, {"aa"}, {}});
    REQUIRE(snapshots == mws_state);
  }
  SECTION("states as mapped data, with the batch time") {
    auto spec = ds::state_spec([](ds::batch_time t, const std::string& k, std::optional<int> v,
                                  ds::keyed_state<int>& st) -> std::optional<std::pair<SI, std::int64_t>> {
      int sum = v.value_or(0) + st.get_option().value_or(0);
      st.update(sum);
      return std::pair(SI(k, sum), t.milliseconds());
    });
    auto [outputs, snapshots] = run_map_with_state(mws_input, spec, 7);
    using O = std::pair<SI, std::int64_t>;
    REQUIRE(outputs == std::vector<std::vector<O>>{{},
                                                   {{{"a", 1}, 2000}},
                                                   {{{"a", 2}, 3000}, {{"b", 1}, 3000}},
                                                   {{{"a", 3}, 4000}, {{"b", 2}, 4000}, {{"c", 1}, 4000}},
                                                   {{{"a", 4}, 5000}, {{"b", 3}, 5000}},
                                                   {{{"a", 5}, 6000}},
                                                   {}});
    REQUIRE(snapshots == mws_state);
  }
  SECTION("nullopt gives no output") {
    auto spec = ds::state_spec([](ds::batch_time, const std::string&, std::optional<int> v,
                                  ds::keyed_state<int>& st) -> std::optional<int> {
      st.update(v.value_or(0) + st.get_option().value_or(0));
      return std::nullopt;
    });
    auto [outputs, snapshots] = run_map_with_state(mws_input, spec, 7);
    REQUIRE(outputs == ints(7));
    REQUIRE(snapshots == mws_state);
  }
}

TEST_CASE("map_with_state: an initial state, and keys called only with data", "[state]") {
  const si_batches initial{{{"a", 5}, {"b", 10}, {"c", -20}, {"d", 0}}};
  auto f = [](ds::batch_time, const std::string& k, std::optional<int> v,
              ds::keyed_state<int>& st) -> std::optional<int> {
    if (k == "d") throw std::logic_error("d has no data and no timeout: it must not be called");
    st.update(v.value_or(0) + st.get_option().value_or(0));
    return std::nullopt;
  };
  std::vector<std::vector<int>> outputs;
  auto snapshots = sorted_batches(ds::testing::run(
      mws_input,
      [&](ds::dstream<std::string> s) {
        auto init = s.streaming_context().context().parallelize(initial[0]);
        auto mapped = s | to_pair_one | ds::map_with_state(ds::state_spec(f).initial_state(init).num_partitions(3));
        mapped | ds::foreach_rdd([&](ds::rdd<int>& r) { outputs.push_back(r | ds::collect()); });
        return mapped.state_snapshots();
      },
      7));
  REQUIRE(outputs == ints(7));
  REQUIRE(snapshots == si_batches{{{"a", 5}, {"b", 10}, {"c", -20}, {"d", 0}},
                                  {{"a", 6}, {"b", 10}, {"c", -20}, {"d", 0}},
                                  {{"a", 7}, {"b", 11}, {"c", -20}, {"d", 0}},
                                  {{"a", 8}, {"b", 12}, {"c", -19}, {"d", 0}},
                                  {{"a", 9}, {"b", 13}, {"c", -19}, {"d", 0}},
                                  {{"a", 10}, {"b", 13}, {"c", -19}, {"d", 0}},
                                  {{"a", 10}, {"b", 13}, {"c", -19}, {"d", 0}}});
}

TEST_CASE("map_with_state: removing states", "[state]") {
  const strings input{{}, {"a"}, {"a", "b"}, {"a", "b", "c"}, {"a", "b", "c"}, {"a", "b"}, {"a"}, {}};
  auto spec = ds::state_spec([](ds::batch_time, const std::string& k, std::optional<int> v,
                                ds::keyed_state<int>& st) -> std::optional<std::string> {
                if (st.exists()) {
                  st.remove();
                  return k;
                }
                st.update(*v);
                return std::nullopt;
              }).num_partitions(1);
  auto [outputs, snapshots] = run_map_with_state(input, spec, 8);
  REQUIRE(outputs == strings{{}, {}, {"a"}, {"b"}, {"a", "c"}, {"b"}, {"a"}, {}});
  REQUIRE(snapshots ==
          si_batches{{}, {{"a", 1}}, {{"b", 1}}, {{"a", 1}, {"c", 1}}, {{"b", 1}}, {{"a", 1}}, {}, {}});
}

TEST_CASE("map_with_state: keys idle longer than the timeout time out once, then go", "[state]") {
  // Spark's "state timing out", timeout 3 s: c's last data at 1 s, b's at 2 s, a keeps coming.
  strings input{{"a", "b", "c"}, {"a", "b"}, {"a"}, {}, {}, {"a"}};
  for (int i = 0; i < 14; ++i) input.push_back({"a"});
  struct call {
    std::int64_t time;
    std::string key;
    bool timing_out;
    bool had_value;
    bool operator<(const call& o) const { return std::tie(time, key) < std::tie(o.time, o.key); }
  };
  std::vector<call> calls;
  std::mutex m;
  std::vector<std::vector<std::string>> outputs;
  auto spec = ds::state_spec([&](ds::batch_time t, const std::string& k, std::optional<int> v,
                                 ds::keyed_state<int>& st) -> std::optional<std::string> {
                {
                  std::lock_guard lock(m);
                  calls.push_back({t.milliseconds(), k, st.is_timing_out(), v.has_value()});
                }
                if (st.is_timing_out()) {
                  // Checked here, reported by failing the batch (assertions stay on the test thread).
                  if (!st.exists() || st.get() != 1) throw std::runtime_error("a timing-out key has its state");
                  bool refused = false;
                  try {
                    st.update(2);
                  } catch (const std::logic_error& e) {
                    refused = std::string(e.what()).find("timing out") != std::string::npos;
                  }
                  if (!refused) throw std::runtime_error("update while timing out must throw");
                  return k;
                }
                if (v) st.update(1);
                return std::nullopt;
              }).timeout(3s);
  auto snapshots = sorted_batches(ds::testing::run(
      input,
      [&](ds::dstream<std::string> s) {
        auto mapped = s | to_pair_one | ds::map_with_state(spec);
        mapped | ds::foreach_rdd([&](ds::rdd<std::string>& r) { outputs.push_back(r | ds::collect()); });
        return mapped.state_snapshots();
      },
      20));
  // b and c each come out exactly once, when they time out.
  std::vector<std::string> all;
  for (auto& b : outputs) all.insert(all.end(), b.begin(), b.end());
  std::sort(all.begin(), all.end());
  REQUIRE(all == std::vector<std::string>{"b", "c"});
  // c: last update at 1000, timed out at the first batch whose time - 3 s passes it (5000).
  std::sort(calls.begin(), calls.end());
  std::vector<std::pair<std::int64_t, std::string>> timeouts;
  for (auto& c : calls) {
    if (c.timing_out) {
      REQUIRE_FALSE(c.had_value);
      timeouts.emplace_back(c.time, c.key);
    }
  }
  REQUIRE(timeouts == std::vector<std::pair<std::int64_t, std::string>>{{5000, "c"}, {6000, "b"}});
  REQUIRE(std::find(snapshots.begin(), snapshots.end(), si_batches::value_type{{"a", 1}, {"b", 1}, {"c", 1}}) !=
          snapshots.end());
  REQUIRE(snapshots[3] == si_batches::value_type{{"a", 1}, {"b", 1}, {"c", 1}});  // 4000: not yet
  REQUIRE(snapshots[4] == si_batches::value_type{{"a", 1}, {"b", 1}});           // 5000: c gone
  REQUIRE(snapshots[5] == si_batches::value_type{{"a", 1}});                     // 6000: b gone
  REQUIRE(snapshots.back() == si_batches::value_type{{"a", 1}});
}

TEST_CASE("keyed_state: get throws when absent, update and remove while timing out throw", "[state]") {
  ds::keyed_state<int> absent;
  REQUIRE_FALSE(absent.exists());
  REQUIRE_THROWS_AS(absent.get(), std::out_of_range);
  REQUIRE_THROWS_WITH(absent.get(), Contains("exists()"));
  absent.update(3);
  REQUIRE(absent.exists());
  REQUIRE(absent.get() == 3);
  absent.remove();
  REQUIRE_FALSE(absent.exists());
  REQUIRE_THROWS_AS(absent.get(), std::out_of_range);

  ds::keyed_state<int> timing_out(7, true);
  REQUIRE(timing_out.is_timing_out());
  REQUIRE(timing_out.get() == 7);
  REQUIRE_THROWS_AS(timing_out.update(1), std::logic_error);
  REQUIRE_THROWS_AS(timing_out.remove(), std::logic_error);
  REQUIRE(timing_out.get() == 7);
}

TEST_CASE("map_with_state: get on an absent state inside the function fails the batch", "[state]") {
  auto spec = ds::state_spec([](const std::string&, std::optional<int>, ds::keyed_state<int>& st) { return st.get(); });
  REQUIRE_THROWS_WITH(ds::testing::run(
                          strings{{"a"}}, [&](ds::dstream<std::string> s) { return s | to_pair_one | ds::map_with_state(spec); },
                          1),
                      Contains("no state"));
}

TEST_CASE("state_spec rejects a timeout that is not positive", "[state]") {
  auto spec = ds::state_spec([](const std::string&, std::optional<int>, ds::keyed_state<int>&) { return 0; });
  REQUIRE_THROWS_AS(spec.timeout(0ms), std::invalid_argument);
  REQUIRE_THROWS_AS(spec.timeout(-1s), std::invalid_argument);
}

// ---- misuse ---------------------------------------------------------------------------------

TEST_CASE("window durations that are not multiples of the parent's slide throw at graph build", "[state][window]") {
  auto ssc = manual_context();
  ds::rdd_queue<SI> q;
  ds::dstream<SI> s = ssc.queue_stream(q);
  auto check = [](auto build, const std::string& which, const std::string& d, const std::string& parent) {
    try {
      build();
      FAIL("no exception");
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      CHECK_THAT(what, Contains(which));
      CHECK_THAT(what, Contains(d));
      CHECK_THAT(what, Contains(parent));
    }
  };
  check([&] { (void)(s | ds::window(1500ms)); }, "window", "1500 ms", "1000 ms");
  check([&] { (void)(s | ds::window(2s, 1500ms)); }, "slide", "1500 ms", "1000 ms");
  ds::dstream<SI> w = s | ds::window(4s, 2s);  // slide 2 s from here on
  check([&] { (void)(w | ds::window(3s)); }, "window", "3000 ms", "2000 ms");
  check([&] { (void)(w | ds::window(4s, 1s)); }, "slide", "1000 ms", "2000 ms");
  check([&] { (void)(w | ds::reduce_by_key_and_window(std::plus<>{}, 5s, 2s)); }, "window", "5000 ms", "2000 ms");
  check([&] { (void)(w | ds::reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 4s, 3s)); }, "slide", "3000 ms",
        "2000 ms");
  check([&] { (void)(w | ds::group_by_key_and_window(3s, 2s)); }, "window", "3000 ms", "2000 ms");
  check([&] { (void)(w | ds::count_by_window(6s, 1s)); }, "slide", "1000 ms", "2000 ms");
  check([&] { (void)(w | ds::count_by_value_and_window(7s, 2s)); }, "window", "7000 ms", "2000 ms");
  ds::rdd_queue<int> qi;
  ds::dstream<int> wi = ssc.queue_stream(qi) | ds::window(4s, 2s);
  check([&] { (void)(wi | ds::reduce_by_window(std::plus<>{}, 2s, 3s)); }, "slide", "3000 ms", "2000 ms");
  check([&] { (void)(wi | ds::reduce_by_window(std::plus<>{}, std::minus<>{}, 1s, 2s)); }, "window", "1000 ms",
        "2000 ms");
  check([&] { (void)(s | ds::window(0ms)); }, "window", "0 ms", "1000 ms");
}

TEST_CASE("a stateful operator without a checkpoint directory fails at start", "[state]") {
  auto ssc = manual_context();
  ds::rdd_queue<SI> q;
  ds::dstream<SI> s = ssc.queue_stream(q);
  std::string op;
  SECTION("update_state_by_key") {
    s | ds::update_state_by_key(sum_update) | ds::foreach_rdd([](auto&) {});
    op = "update_state_by_key";
  }
  SECTION("map_with_state") {
    s | ds::map_with_state(ds::state_spec([](const std::string&, std::optional<int>, ds::keyed_state<int>&) {
      return 0;
    })) | ds::foreach_rdd([](auto&) {});
    op = "map_with_state";
  }
  SECTION("reduce_by_key_and_window with inverse") {
    s | ds::reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 2s, 1s) | ds::foreach_rdd([](auto&) {});
    op = "reduce_by_key_and_window";
  }
  SECTION("count_by_window") {
    s | ds::count_by_window(2s, 1s) | ds::foreach_rdd([](auto&) {});
    op = "reduce_by_key_and_window";
  }
  REQUIRE_THROWS_AS(ssc.start(), std::logic_error);
  try {
    ssc.start();
  } catch (const std::logic_error& e) {
    CHECK_THAT(e.what(), Contains("checkpoint"));
    CHECK_THAT(e.what(), Contains(op));
  }
  REQUIRE(ssc.get_state() == ds::state::initialized);
}

// ---- A failed batch changes no state ----------------------------------------------------

namespace {

/// Runs `build` over `input` on the manual clock for `input.size()` batches; the sorted
/// output of each batch that produced one, by batch number (1-based). Batches may fail.
template <class Out, class Build>
std::map<int, std::vector<Out>> run_through_failures(const si_batches& input, Build build,
                                                     std::function<void(int)> output_hook = {}) {
  stream_test::temp_dir tmp;
  auto ssc = manual_context();
  ssc.checkpoint(tmp.path().string());
  auto in = ds::testing::detail::input_stream(ssc, input, 2);
  std::mutex m;
  std::map<int, std::vector<Out>> out;
  ds::dstream<Out> result = build(in);
  result | ds::foreach_rdd([&](ds::rdd<Out>& r, ds::batch_time t) {
    const int i = static_cast<int>(t.milliseconds() / 1000);
    if (output_hook) output_hook(i);
    auto v = r | ds::collect();
    std::sort(v.begin(), v.end());
    std::lock_guard lock(m);
    out[i] = std::move(v);
  });
  ssc.start();
  for (std::size_t i = 1; i <= input.size(); ++i)
    stream_test::run_batch(ssc, 1000, static_cast<std::int64_t>(i) * 1000);
  ssc.stop();
  try {
    ssc.await_termination();
  } catch (const std::exception&) {
    // the failed batches are what these tests are about
  }
  return out;
}

// Built with append: g++ 12 at -O3 warns falsely (-Wrestrict) on `"k" + std::to_string(k)`.
std::string key_of(int k) {
  std::string s = "k";
  s += std::to_string(k);
  return s;
}

si_batches ten_keys_three_batches(bool poison_in_batch_2) {
  si_batches in(3);
  for (auto& b : in)
    for (int k = 0; k < 10; ++k) b.emplace_back(key_of(k), 1);
  if (poison_in_batch_2) in[1].emplace_back("k7", -1);
  return in;
}

std::vector<SI> all_keys(int value) {
  std::vector<SI> v;
  for (int k = 0; k < 10; ++k) v.emplace_back(key_of(k), value);
  return v;
}

}  // namespace

TEST_CASE("update_state_by_key: a function that throws leaves every key's state as before the batch", "[state][atomic]") {
  auto out = run_through_failures<SI>(ten_keys_three_batches(true), [](ds::dstream<SI> s) -> ds::dstream<SI> {
    return s | ds::update_state_by_key([](std::span<const int> vs, std::optional<int> st) -> std::optional<int> {
             int sum = st.value_or(0);
             for (int v : vs) {
               if (v < 0) throw std::runtime_error("poison");
               sum += v;
             }
             return sum;
           });
  });
  REQUIRE(out.count(2) == 0);
  REQUIRE(out.at(1) == all_keys(1));
  REQUIRE(out.at(3) == all_keys(2));  // batch 1 and batch 3: nothing of the failed batch
}

TEST_CASE("update_state_by_key: a failed output of the batch leaves the state as before it", "[state][atomic]") {
  auto out = run_through_failures<SI>(
      ten_keys_three_batches(false),
      [](ds::dstream<SI> s) -> ds::dstream<SI> {
        return s | ds::update_state_by_key([](std::span<const int> vs, std::optional<int> st) -> std::optional<int> {
                 int sum = st.value_or(0);
                 for (int v : vs) sum += v;
                 return sum;
               });
      },
      [](int batch) {
        if (batch == 2) throw std::runtime_error("the sink is down");
      });
  REQUIRE(out.count(2) == 0);
  REQUIRE(out.at(3) == all_keys(2));
}

TEST_CASE("map_with_state: a function that throws leaves every key's state as before the batch", "[state][atomic]") {
  auto out = run_through_failures<SI>(ten_keys_three_batches(true), [](ds::dstream<SI> s) -> ds::dstream<SI> {
    auto mapped = s | ds::map_with_state(ds::state_spec([](const std::string& k, std::optional<int> v,
                                                            ds::keyed_state<int>& st) {
                    if (*v < 0) throw std::runtime_error("poison");
                    st.update((st.exists() ? st.get() : 0) + *v);
                    return SI(k, st.get());
                  }));
    return mapped.state_snapshots();
  });
  REQUIRE(out.count(2) == 0);
  REQUIRE(out.at(1) == all_keys(1));
  REQUIRE(out.at(3) == all_keys(2));
}

TEST_CASE("reduce_by_key_and_window with an inverse: a throw mid-slide does not corrupt the windows after it",
          "[state][atomic][window]") {
  auto build = [](std::shared_ptr<std::atomic<int>> throw_at) {
    return [throw_at](ds::dstream<SI> s) -> ds::dstream<SI> {
      return s | ds::reduce_by_key_and_window(
                     std::plus<>{},
                     [throw_at](int a, int b) {
                       if (throw_at->fetch_sub(1) == 1) throw std::runtime_error("inverse fails once");
                       return a - b;
                     },
                     2s, 1s);
    };
  };
  const si_batches in{{{"a", 1}, {"b", 1}, {"c", 1}},
                      {{"a", 1}, {"b", 1}, {"c", 1}},
                      {{"a", 1}, {"b", 1}, {"c", 1}},
                      {{"a", 1}, {"b", 1}, {"c", 1}},
                      {{"a", 1}, {"b", 1}}};
  auto reference = run_through_failures<SI>(in, build(std::make_shared<std::atomic<int>>(-1000)));
  // The second call of the inverse throws: batch 3 fails part way through its slide.
  auto got = run_through_failures<SI>(in, build(std::make_shared<std::atomic<int>>(2)));
  auto show = [](const std::vector<SI>& v) {
    std::string s;
    for (auto& [k, n] : v) s += k + "=" + std::to_string(n) + " ";
    return s;
  };
  REQUIRE(got.count(3) == 0);
  CAPTURE(show(got.at(4)), show(reference.at(4)));
  REQUIRE(got.at(4) == reference.at(4));
  REQUIRE(got.at(5) == reference.at(5));
  REQUIRE(reference.at(5) == std::vector<SI>{{"a", 2}, {"b", 2}, {"c", 1}});
}
