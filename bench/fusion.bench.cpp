// The fusion battery: ten pipelines as users write them, each beside the hand-written loop
// doing the same work over the same data, checked equal on every run. Each pair is timed
// twice: written in an ordinary function (a Google Benchmark function) and written
// directly in `main()` (timed by hand there: g++ treats `main` as executed once and
// optimises what is inlined into it for size, which is where a library's inlined loop
// can lose to the same loop written by hand). Build it with g++ and clang++.
//
// Data: 8 M int64 (and as many doubles) in one partition on `local[1]`; 2 M words of 2 to
// 9 letters (std::string, read as std::string_view); all from a fixed seed.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include <dstream/dstream.hpp>

#include "ratios.hpp"

namespace ds = dstream;

namespace {

constexpr std::size_t n = 8'000'000;
constexpr std::size_t n_words = 2'000'000;
constexpr std::uint64_t seed = 20261202;

struct data_t {
  std::vector<std::int64_t> ints;
  std::vector<double> doubles;
  std::vector<std::string> words;
  std::vector<std::int64_t> table;  // 1024 entries, the captured lookup
};

const data_t& data() {
  static const data_t d = [] {
    data_t r;
    std::mt19937_64 rng(seed);
    r.ints.resize(n);
    for (auto& x : r.ints) x = static_cast<std::int64_t>(rng() >> 34);  // 30-bit values
    r.doubles.resize(n);
    for (auto& x : r.doubles) x = static_cast<double>(rng() >> 11) * 0x1.0p-53 * 200.0;
    std::vector<std::size_t> lengths(n_words);
    for (auto& l : lengths) l = 2 + rng() % 8;
    r.words.reserve(n_words);
    for (std::size_t l : lengths) {
      std::string w(l, ' ');
      for (char& c : w) c = static_cast<char>('a' + rng() % 26);
      r.words.push_back(std::move(w));
    }
    r.table.resize(1024);
    for (auto& x : r.table) x = static_cast<std::int64_t>(rng() % 1000);
    return r;
  }();
  return d;
}

struct rdds_t {
  ds::context ctx{ds::conf().master("local[1]")};
  ds::rdd<std::int64_t> ints = ctx.parallelize(data().ints, 1);
  ds::rdd<double> doubles = ctx.parallelize(data().doubles, 1);
  ds::rdd<std::string> words = ctx.parallelize(data().words, 1);
};

const rdds_t& rdds() {
  static const rdds_t r;
  return r;
}

}  // namespace

// Each pipeline twice, as macros, so that the function and `main()` placements hold the
// very same source: DS_<name>(rdds, table) is the library's expression, HAND_<name>(data,
// out) the hand-written loop storing its result in `out` (declared by the caller).

// 1. arithmetic map | filter | map | sum (the pipeline)
#define DS_ARITH(r, tab)                                                                              \
  ((r).ints | ds::map([](std::int64_t x) { return x * 3; }) |                                        \
   ds::filter([](std::int64_t y) { return y % 7 != 0; }) | ds::map([](std::int64_t y) { return y + 1; }) | \
   ds::reduce(std::plus<>{}))
#define HAND_ARITH(d, out)                   \
  {                                          \
    std::int64_t s = 0;                      \
    for (std::int64_t x : (d).ints) {        \
      const std::int64_t y = x * 3;          \
      if (y % 7 != 0) s += y + 1;            \
    }                                        \
    out = s;                                 \
  }

// 2. a reduce without identity: max of a mixed value
#define DS_MAX(r, tab)                                                                  \
  ((r).ints | ds::map([](std::int64_t x) { return (x * 5) ^ (x >> 3); }) |              \
   ds::reduce([](std::int64_t a, std::int64_t b) { return std::max(a, b); }))
#define HAND_MAX(d, out)                                      \
  {                                                           \
    std::int64_t m = std::numeric_limits<std::int64_t>::min(); \
    for (std::int64_t x : (d).ints) m = std::max(m, (x * 5) ^ (x >> 3)); \
    out = m;                                                  \
  }

// 3. count after filter
#define DS_COUNT(r, tab) ((r).ints | ds::filter([](std::int64_t x) { return (x & 15) < 5; }) | ds::count())
#define HAND_COUNT(d, out)                                     \
  {                                                            \
    std::int64_t c = 0;                                        \
    for (std::int64_t x : (d).ints) c += ((x & 15) < 5) ? 1 : 0; \
    out = c;                                                   \
  }

// 4. flat_map that expands each element into two
#define DS_FLAT(r, tab)                                                                                    \
  ((r).ints | ds::flat_map([](std::int64_t x) { return std::array<std::int64_t, 2>{x, x >> 1}; }) |         \
   ds::map([](std::int64_t y) { return y ^ 5; }) | ds::reduce(std::plus<>{}))
#define HAND_FLAT(d, out)                         \
  {                                               \
    std::int64_t s = 0;                           \
    for (std::int64_t x : (d).ints) {             \
      s += x ^ 5;                                 \
      s += (x >> 1) ^ 5;                          \
    }                                             \
    out = s;                                      \
  }

// 5. key_by and map_values on pairs
#define DS_PAIRS(r, tab)                                                                        \
  ((r).ints | ds::key_by([](std::int64_t x) { return x & 1023; }) |                             \
   ds::map_values([](std::int64_t v) { return v * 2; }) |                                       \
   ds::map([](const std::pair<std::int64_t, std::int64_t>& p) { return p.first + p.second; }) | \
   ds::reduce(std::plus<>{}))
#define HAND_PAIRS(d, out)                                  \
  {                                                         \
    std::int64_t s = 0;                                     \
    for (std::int64_t x : (d).ints) s += (x & 1023) + x * 2; \
    out = s;                                                \
  }

// 6. string_view filter, then map to the length
#define DS_WORDS(r, tab)                                                                          \
  ((r).words | ds::filter([](std::string_view w) { return w.size() > 4 && w.front() != 'q'; }) | \
   ds::map([](std::string_view w) { return static_cast<std::int64_t>(w.size()); }) | ds::reduce(std::plus<>{}))
#define HAND_WORDS(d, out)                                                              \
  {                                                                                     \
    std::int64_t s = 0;                                                                 \
    for (std::string_view w : (d).words)                                                \
      if (w.size() > 4 && w.front() != 'q') s += static_cast<std::int64_t>(w.size());   \
    out = s;                                                                            \
  }

// 7. map_partitions: a per-partition sum of squares, then the sum of the partitions
#define DS_PARTS(r, tab)                                                    \
  ((r).ints | ds::map_partitions([](std::span<const std::int64_t> p) {      \
     std::int64_t s = 0;                                                    \
     for (std::int64_t x : p) s += (x & 0xffff) * (x & 0xffff);             \
     return std::array<std::int64_t, 1>{s};                                 \
   }) |                                                                     \
   ds::reduce(std::plus<>{}))
#define HAND_PARTS(d, out)                                                    \
  {                                                                           \
    std::int64_t s = 0;                                                       \
    for (std::int64_t x : (d).ints) s += (x & 0xffff) * (x & 0xffff);          \
    out = s;                                                                  \
  }

// 8. a pipeline ending in collect
#define DS_COLLECT(r, tab)                                                                          \
  ((r).ints | ds::map([](std::int64_t x) { return x * 2 + 1; }) |                                  \
   ds::filter([](std::int64_t y) { return (y & 6) == 2; }) | ds::collect())
#define HAND_COLLECT(d, out)                 \
  {                                          \
    std::vector<std::int64_t> v;             \
    for (std::int64_t x : (d).ints) {        \
      const std::int64_t y = x * 2 + 1;      \
      if ((y & 6) == 2) v.push_back(y);      \
    }                                        \
    out = std::move(v);                      \
  }

// 9. a captured std::vector lookup
#define DS_LOOKUP(r, tab)                                                                         \
  ((r).ints | ds::map([&tab](std::int64_t x) { return (tab)[static_cast<std::size_t>(x & 1023)]; }) | \
   ds::reduce(std::plus<>{}))
#define HAND_LOOKUP(d, out)                                                          \
  {                                                                                  \
    std::int64_t s = 0;                                                              \
    for (std::int64_t x : (d).ints) s += (d).table[static_cast<std::size_t>(x & 1023)]; \
    out = s;                                                                         \
  }

// 10. doubles: map | filter | sum (same order on both sides: the sums are equal exactly)
#define DS_DOUBLES(r, tab)                                                                                   \
  ((r).doubles | ds::map([](double x) { return x * 1.5 + 0.25; }) | ds::filter([](double y) { return y > 100.0; }) | \
   ds::reduce(std::plus<>{}))
#define HAND_DOUBLES(d, out)             \
  {                                      \
    double s = 0;                        \
    for (double x : (d).doubles) {       \
      const double y = x * 1.5 + 0.25;   \
      if (y > 100.0) s += y;             \
    }                                    \
    out = s;                             \
  }

// name, result type
#define PIPELINES(X)                   \
  X(arith, std::int64_t, ARITH)        \
  X(max, std::int64_t, MAX)            \
  X(count, std::int64_t, COUNT)        \
  X(flat_map, std::int64_t, FLAT)      \
  X(pairs, std::int64_t, PAIRS)        \
  X(words, std::int64_t, WORDS)        \
  X(map_partitions, std::int64_t, PARTS) \
  X(collect, std::vector<std::int64_t>, COLLECT) \
  X(lookup, std::int64_t, LOOKUP)      \
  X(doubles, double, DOUBLES)

namespace {

// Results go to `DoNotOptimize` as const: its non-const form (an in-out asm operand with
// the alternatives "+m,r" under g++) handed back 0 for the `double` hand loop in main()
// with libbenchmark 1.7.1 and g++ 12 -O3, so the check reported a disagreement that was not.

// In an ordinary function: one Google Benchmark function per side.
#define FUNCTION_PLACEMENT(name, type, M)                                                  \
  void hand_##name(benchmark::State& state) {                                              \
    const data_t& d = data();                                                              \
    for (auto _ : state) {                                                                 \
      type out{};                                                                          \
      HAND_##M(d, out);                                                                    \
      benchmark::DoNotOptimize(std::as_const(out));                                        \
    }                                                                                      \
  }                                                                                        \
  void dstream_##name(benchmark::State& state) {                                           \
    const rdds_t& r = rdds();                                                              \
    const std::vector<std::int64_t>& table = data().table;                                 \
    (void)table;                                                                           \
    type expected{};                                                                       \
    HAND_##M(data(), expected);                                                            \
    for (auto _ : state) {                                                                 \
      type out = DS_##M(r, table);                                                         \
      benchmark::DoNotOptimize(std::as_const(out));                                        \
      if (out != expected) state.SkipWithError(#name ": dstream and the hand loop disagree"); \
    }                                                                                      \
  }
PIPELINES(FUNCTION_PLACEMENT)

using clock_type = std::chrono::steady_clock;
double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

struct main_row {
  const char* name;
  double hand = 1e9;     // fastest, seconds
  double dstream = 1e9;  // fastest, seconds
  bool agree = true;
};

}  // namespace

int main(int argc, char** argv) {
  // Repetitions of the main-placement loops (the function placement takes Google
  // Benchmark's flags as usual).
  int reps = 7;
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]).starts_with("--main_reps=")) reps = std::stoi(std::string(argv[i] + 12));

  std::vector<bench::ratio> ratios;
#define REGISTER(name, type, M)                                                                          \
  benchmark::RegisterBenchmark("fusion/" #name "/hand", hand_##name)                                   \
      ->Unit(benchmark::kMillisecond)->Repetitions(5)->ComputeStatistics("min", bench::fastest);        \
  benchmark::RegisterBenchmark("fusion/" #name "/dstream", dstream_##name)                             \
      ->Unit(benchmark::kMillisecond)->Repetitions(5)->ComputeStatistics("min", bench::fastest);        \
  ratios.push_back({#name " (in a function)", "fusion/" #name "/dstream", "fusion/" #name "/hand", "<= 1.05"});
  PIPELINES(REGISTER)
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i)
    if (!std::string_view(argv[i]).starts_with("--main_reps=")) args.push_back(argv[i]);
  if (int rc = bench::run(static_cast<int>(args.size()), args.data(), ratios); rc != 0) return rc;

  // The same pipelines written directly in main(): each repetition times the hand loop,
  // then the library, alternately, and keeps the fastest of each.
  const data_t& d = data();
  const rdds_t& r = rdds();
  const std::vector<std::int64_t>& table = d.table;
  (void)table;
  std::vector<main_row> rows;
#define IN_MAIN(name, type, M)                           \
  {                                                      \
    main_row row{#name};                                 \
    for (int rep = 0; rep < reps; ++rep) {               \
      auto t0 = clock_type::now();                       \
      type hand{};                                       \
      HAND_##M(d, hand);                                 \
      benchmark::DoNotOptimize(std::as_const(hand));     \
      row.hand = std::min(row.hand, seconds_since(t0));  \
      t0 = clock_type::now();                            \
      type fused = DS_##M(r, table);                     \
      benchmark::DoNotOptimize(std::as_const(fused));    \
      row.dstream = std::min(row.dstream, seconds_since(t0)); \
      row.agree = row.agree && fused == hand;            \
    }                                                    \
    rows.push_back(row);                                 \
  }
  PIPELINES(IN_MAIN)

  int bad = 0;
  std::printf("\n%-34s %12s %12s %7s  %s\n", "written in main() (fastest of reps)", "dstream, ms", "hand, ms", "ratio",
              "target");
  for (const main_row& row : rows) {
    std::printf("%-34s %12.2f %12.2f %7.3f  <= 1.05%s\n", (std::string(row.name) + " (in main)").c_str(),
                row.dstream * 1e3, row.hand * 1e3, row.dstream / row.hand, row.agree ? "" : "  DISAGREE");
    if (!row.agree) ++bad;
  }
  return bad ? 1 : 0;
}
