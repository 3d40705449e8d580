// A fused narrow pipeline against the loop it should compile to:
// `map | filter | map | reduce(+)` over 100 M int64 in one partition on `local[1]`,
// and a hand-written loop doing the same arithmetic over the same numbers.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <numeric>
#include <vector>

#include <benchmark/benchmark.h>

#include <dstream/dstream.hpp>

#include "ratios.hpp"

namespace ds = dstream;

namespace {

constexpr std::size_t n = 100'000'000;

// The three steps, shared by both sides so that they do the same arithmetic.
constexpr auto scale = [](std::int64_t x) { return x * 7 + 3; };
constexpr auto keep = [](std::int64_t x) { return x % 3 != 0; };
constexpr auto halve = [](std::int64_t x) { return x >> 1; };

const std::vector<std::int64_t>& numbers() {
  static const std::vector<std::int64_t> v = [] {
    std::vector<std::int64_t> r(n);
    std::iota(r.begin(), r.end(), std::int64_t{0});
    return r;
  }();
  return v;
}

std::int64_t hand_loop(const std::vector<std::int64_t>& v) {
  std::int64_t sum = 0;
  for (std::int64_t x : v) {
    std::int64_t y = scale(x);
    if (keep(y)) sum += halve(y);
  }
  return sum;
}

void hand_written(benchmark::State& state) {
  const auto& v = numbers();
  for (auto _ : state) {
    benchmark::DoNotOptimize(hand_loop(v));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

// The same numbers in an rdd of one partition on one thread, built once.
const ds::rdd<std::int64_t>& numbers_rdd() {
  static const ds::context ctx{ds::conf().master("local[1]")};
  static const ds::rdd<std::int64_t> r = ctx.parallelize(numbers(), 1);
  return r;
}

void dstream_fused(benchmark::State& state) {
  const auto& r = numbers_rdd();
  static const std::int64_t expected = hand_loop(numbers());
  for (auto _ : state) {
    std::int64_t sum = r | ds::map(scale) | ds::filter(keep) | ds::map(halve) | ds::reduce(std::plus<>{});
    benchmark::DoNotOptimize(sum);
    if (sum != expected) state.SkipWithError("dstream and the hand-written loop disagree");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

}  // namespace

BENCHMARK(hand_written)
    ->Name("pipeline/hand_written")
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->Repetitions(5)
    ->ComputeStatistics("min", bench::fastest);
BENCHMARK(dstream_fused)
    ->Name("pipeline/dstream_fused")
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->Repetitions(5)
    ->ComputeStatistics("min", bench::fastest);

int main(int argc, char** argv) {
  return bench::run(argc, argv,
                    {{"fused / hand-written (1 thread)", "pipeline/dstream_fused", "pipeline/hand_written", "<= 1.10"}});
}
