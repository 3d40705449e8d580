// sample and zip_with_index: the two operators that ask for their partition's context
// (partition_info). They are written only through the operator protocol: their own
// headers, nothing in the stage runner, the shuffle or the stream layer.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <dstream/ops/sample.hpp>
#include <dstream/ops/zip_with_index.hpp>
#include <dstream/stream/window.hpp>
#include <dstream/testing.hpp>

#include "support/batch_support.hpp"

using namespace dstream_test;
using namespace std::chrono_literals;

namespace {

std::vector<int> iota_ints(std::size_t n) {
  std::vector<int> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

}  // namespace

TEST_CASE("sample keeps about fraction·n of the elements") {
  const auto in = iota_ints(100000);
  for (double fraction : {0.01, 0.1, 0.5, 0.9}) {
    CAPTURE(fraction);
    auto kept = shared_context().parallelize(in, 8) | ds::sample(fraction, 7) | ds::collect();
    const double expected = fraction * static_cast<double>(in.size());
    // Binomial: the standard deviation is at most 158 here; 8 of them is generous.
    REQUIRE(static_cast<double>(kept.size()) > expected - 1300);
    REQUIRE(static_cast<double>(kept.size()) < expected + 1300);
    // A subsequence: order within partitions is kept, nothing is invented.
    REQUIRE(std::is_sorted(kept.begin(), kept.end()));
  }
}

TEST_CASE("sample is deterministic for a seed, on every run and any thread count") {
  const auto in = iota_ints(5000);
  auto run = [&](std::size_t threads, std::uint64_t seed) {
    return shared_context(threads).parallelize(in, 6) | ds::sample(0.3, seed) | ds::collect();
  };
  const auto first = run(4, 42);
  REQUIRE(run(4, 42) == first);
  REQUIRE(run(1, 42) == first);
  SECTION("another seed keeps other elements") { REQUIRE(run(4, 43) != first); }
  SECTION("partitions draw independently: not the same pattern in each") {
    auto parts = partitions_of(ds::rdd<int>(shared_context().parallelize(in, 2) | ds::sample(0.5, 42)));
    REQUIRE(parts.size() == 2);
    std::vector<int> second_shifted;
    for (int x : parts[1]) second_shifted.push_back(x - 2500);
    REQUIRE(parts[0] != second_shifted);
  }
}

TEST_CASE("sample with fraction 0 keeps none and with 1 keeps all") {
  for (const shape& sh : shapes()) {
    CAPTURE(sh.size, sh.slices);
    const auto in = ints(sh.size);
    auto r = shared_context().parallelize(in, sh.slices);
    REQUIRE((r | ds::sample(0.0, 1) | ds::count()) == 0);
    REQUIRE((r | ds::sample(1.0, 1) | ds::collect()) == in);
  }
}

TEST_CASE("sample fuses with the operators around it") {
  const auto in = iota_ints(1000);
  auto r = shared_context().parallelize(in, 4);
  auto direct = r | ds::map([](int x) { return x * 2; }) | ds::sample(0.5, 9) | ds::collect();
  auto composed = r | (ds::map([](int x) { return x * 2; }) | ds::sample(0.5, 9)) | ds::collect();
  REQUIRE(direct == composed);
  for (int x : direct) REQUIRE(x % 2 == 0);
}

TEST_CASE("sample rejects a fraction outside [0, 1], naming it") {
  REQUIRE_THROWS_AS(ds::sample(1.5, 1), std::invalid_argument);
  REQUIRE_THROWS_WITH(ds::sample(-0.25, 1), Catch::Contains("-0.25"));
  REQUIRE_THROWS_WITH(ds::sample(1.5, 1), Catch::Contains("ds::sample") && Catch::Contains("1.5"));
  REQUIRE_THROWS_AS(ds::sample(std::numeric_limits<double>::quiet_NaN(), 1), std::invalid_argument);
}

TEST_CASE("zip_with_index numbers 0..n-1 partition by partition") {
  for (const shape& sh : shapes()) {
    CAPTURE(sh.size, sh.slices);
    const auto in = strings(sh.size);
    const ds::rdd<std::pair<std::string, std::int64_t>> out =
        shared_context().parallelize(in, sh.slices) | ds::zip_with_index();
    REQUIRE(out.num_partitions() == sh.slices);
    std::vector<std::pair<std::string, std::int64_t>> expected;
    for (std::size_t i = 0; i < in.size(); ++i) expected.emplace_back(in[i], static_cast<std::int64_t>(i));
    REQUIRE((out | ds::collect()) == expected);
    // Each partition keeps its own elements: the numbering moves nothing.
    const auto slices = reference_slices(in, sh.slices);
    const auto got = partitions_of(out);
    for (std::size_t j = 0; j < sh.slices; ++j) REQUIRE(got[j].size() == slices[j].size());
  }
}

TEST_CASE("zip_with_index numbers uneven and empty partitions in order") {
  auto r = shared_context().make_rdd<int>(std::vector<std::vector<int>>{{}, {10, 11, 12}, {}, {}, {13}, {14, 15}, {}});
  auto out = partitions_of(ds::rdd<std::pair<int, std::int64_t>>(r | ds::zip_with_index()));
  using p = std::pair<int, std::int64_t>;
  REQUIRE(out == std::vector<std::vector<p>>{{}, {{10, 0}, {11, 1}, {12, 2}}, {}, {}, {{13, 3}}, {{14, 4}, {15, 5}}, {}});
}

TEST_CASE("zip_with_index after a filter numbers what the filter kept") {
  const auto in = iota_ints(100);
  for (std::size_t threads : {1u, 4u}) {
    auto got = shared_context(threads).parallelize(in, 7) | ds::filter([](int x) { return x % 3 == 0; }) |
               ds::zip_with_index() | ds::map([](const std::pair<int, std::int64_t>& p) { return p.first - 3 * static_cast<int>(p.second); }) |
               ds::collect();
    REQUIRE(got.size() == 34);
    for (int d : got) REQUIRE(d == 0);
  }
}

TEST_CASE("sample and zip_with_index on a dstream work batch by batch") {
  const std::vector<std::vector<int>> input{{1, 2, 3, 4, 5, 6}, {7, 8, 9}, {}, {10}};
  SECTION("zip_with_index numbers each batch from 0") {
    auto out = ds::testing::run(
        input, [](ds::dstream<int> s) { return s | ds::filter([](int x) { return x != 2; }) | ds::zip_with_index(); },
        4);
    using p = std::pair<int, std::int64_t>;
    REQUIRE(out == std::vector<std::vector<p>>{{{1, 0}, {3, 1}, {4, 2}, {5, 3}, {6, 4}}, {{7, 0}, {8, 1}, {9, 2}}, {}, {{10, 0}}});
  }
  SECTION("sample keeps all at 1, none at 0, and the same elements on every run") {
    auto all = ds::testing::run(input, [](ds::dstream<int> s) { return s | ds::sample(1.0, 3); }, 4);
    REQUIRE(all == input);
    auto none = ds::testing::run(input, [](ds::dstream<int> s) { return s | ds::sample(0.0, 3); }, 4);
    REQUIRE(none == std::vector<std::vector<int>>(4));
    auto half = [&] { return ds::testing::run(input, [](ds::dstream<int> s) { return s | ds::sample(0.5, 3); }, 4); };
    REQUIRE(half() == half());
  }
}

TEST_CASE("each operator kind is a named concept") {
  auto id = [](int x) { return x; };
  STATIC_REQUIRE(ds::narrow_operator<decltype(ds::map(id))>);
  STATIC_REQUIRE(ds::narrow_operator<decltype(ds::sample(0.5, 1))>);
  STATIC_REQUIRE(ds::counted_operator<decltype(ds::zip_with_index())>);
  STATIC_REQUIRE(ds::wide_operator<decltype(ds::zip_with_index())>);
  STATIC_REQUIRE(ds::keyed_combine<decltype(ds::reduce_by_key(std::plus<>{}))>);
  STATIC_REQUIRE(ds::wide_operator<decltype(ds::join(ds::rdd<std::pair<int, int>>()))>);
  STATIC_REQUIRE(ds::wide_operator<decltype(ds::repartition(2))>);
  STATIC_REQUIRE(ds::action<decltype(ds::count())>);
  STATIC_REQUIRE(ds::action<decltype(ds::take(3))>);
  STATIC_REQUIRE(ds::stream_operator<decltype(ds::window(2s))>);
  STATIC_REQUIRE_FALSE(ds::action<decltype(ds::map(id))>);
  STATIC_REQUIRE_FALSE(ds::narrow_operator<decltype(ds::count())>);
}
