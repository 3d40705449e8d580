// Word count over generated text: the library on one and two threads against a
// hand-written loop (string_view split, boost::unordered_flat_map with heterogeneous
// lookup) on one and two threads, beside std::views::split into the same map, and (when
// oneTBB is found: DSTREAM_BENCH_TBB) beside a two-thread count written with oneTBB.
//
// The text: 50 MiB of lines of 5 to 15 words (10 on average) drawn from a vocabulary of
// 100,000 distinct lowercase words of 3 to 10 letters with Zipf frequencies (s = 1),
// generated once from a fixed seed by std::mt19937_64.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <ranges>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <boost/container_hash/hash.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#ifdef DSTREAM_BENCH_TBB
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/combinable.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>
#endif

#include <dstream/dstream.hpp>

#include "ratios.hpp"

namespace ds = dstream;

namespace {

constexpr std::size_t vocabulary_size = 100'000;
constexpr std::size_t text_bytes = std::size_t{50} << 20;
constexpr std::uint64_t seed = 20240601;

struct corpus {
  std::vector<std::string> lines;
  std::size_t bytes = 0;
  std::size_t words = 0;
};

const corpus& text() {
  static const corpus c = [] {
    std::mt19937_64 rng(seed);
    // A uniform double in [0, 1) from 53 random bits: the same on every standard library.
    auto uniform = [&rng] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };

    std::vector<std::string> vocabulary;
    vocabulary.reserve(vocabulary_size);
    std::unordered_set<std::string> seen;
    while (vocabulary.size() < vocabulary_size) {
      std::string w(3 + rng() % 8, ' ');
      for (char& ch : w) ch = static_cast<char>('a' + rng() % 26);
      if (seen.insert(w).second) vocabulary.push_back(std::move(w));
    }
    // Rank r (0-based) has weight 1 / (r + 1).
    std::vector<double> cdf(vocabulary_size);
    double total = 0;
    for (std::size_t r = 0; r < vocabulary_size; ++r) cdf[r] = total += 1.0 / static_cast<double>(r + 1);
    for (double& p : cdf) p /= total;

    corpus out;
    while (out.bytes < text_bytes) {
      std::string line;
      const std::size_t words = 5 + rng() % 11;
      for (std::size_t k = 0; k < words; ++k) {
        auto it = std::upper_bound(cdf.begin(), cdf.end(), uniform());
        std::size_t r = std::min<std::size_t>(static_cast<std::size_t>(it - cdf.begin()), vocabulary_size - 1);
        if (k) line += ' ';
        line += vocabulary[r];
      }
      out.bytes += line.size() + 1;
      out.words += words;
      out.lines.push_back(std::move(line));
    }
    return out;
  }();
  return c;
}

// What an expert writes: a flat map keyed by std::string, looked up by std::string_view
// (no allocation for a word already counted).
struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using counts_map = boost::unordered_flat_map<std::string, std::int64_t, string_hash, std::equal_to<>>;

// One line's words into `counts`.
inline void count_line(counts_map& counts, std::string_view rest) {
  for (;;) {
    const std::size_t space = rest.find(' ');
    const std::string_view word = rest.substr(0, space);
    if (auto it = counts.find(word); it != counts.end()) {
      ++it->second;
    } else {
      counts.emplace(word, 1);
    }
    if (space == std::string_view::npos) break;
    rest.remove_prefix(space + 1);
  }
}

counts_map hand_count(const std::vector<std::string>& lines) {
  counts_map counts;
  for (const std::string& line : lines) count_line(counts, line);
  return counts;
}

// What a C++20 programmer writes without this library: std::views::split into the same map.
// Not with clang++ 14, which cannot compile libstdc++ 12's <ranges> (the row is left out).
#if !defined(__clang__) || __clang_major__ >= 15
#define WORD_COUNT_VIEWS 1
counts_map views_count(const std::vector<std::string>& lines) {
  counts_map counts;
  for (const std::string& line : lines) {
    for (auto piece : line | std::views::split(' ')) {
      const std::string_view word(piece.begin(), piece.end());
      if (auto it = counts.find(word); it != counts.end()) {
        ++it->second;
      } else {
        counts.emplace(word, 1);
      }
    }
  }
  return counts;
}
#endif

std::int64_t distinct_words() {
  static const std::int64_t n = static_cast<std::int64_t>(hand_count(text().lines).size());
  return n;
}

void hand_written(benchmark::State& state) {
  const corpus& c = text();
  for (auto _ : state) {
    counts_map counts = hand_count(c.lines);
    benchmark::DoNotOptimize(counts.size());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes));
}

#ifdef WORD_COUNT_VIEWS
void views_split(benchmark::State& state) {
  const corpus& c = text();
  const std::int64_t expected = distinct_words();
  for (auto _ : state) {
    counts_map counts = views_count(c.lines);
    benchmark::DoNotOptimize(counts.size());
    if (static_cast<std::int64_t>(counts.size()) != expected) state.SkipWithError("std::views::split disagrees");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes));
}
#endif

// The same on two threads, as an expert writes it: each counts half of the lines into a
// map of its own, then the smaller map is added into the larger. How much two threads
// gain here is what the machine allows the library's two threads.
void hand_written_2_threads(benchmark::State& state) {
  const corpus& c = text();
  const std::int64_t expected = distinct_words();
  const std::size_t half = c.lines.size() / 2;
  const std::vector<std::string> first(c.lines.begin(), c.lines.begin() + static_cast<std::ptrdiff_t>(half));
  const std::vector<std::string> second(c.lines.begin() + static_cast<std::ptrdiff_t>(half), c.lines.end());
  for (auto _ : state) {
    counts_map a;
    std::thread t([&] { a = hand_count(first); });
    counts_map b = hand_count(second);
    t.join();
    if (a.size() < b.size()) std::swap(a, b);
    for (const auto& [word, n] : b) a[word] += n;
    benchmark::DoNotOptimize(a.size());
    if (static_cast<std::int64_t>(a.size()) != expected) state.SkipWithError("the two halves disagree with one pass");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes));
}

// The lines in an rdd of `threads` partitions on `local[threads]`, built once.
const ds::rdd<std::string>& lines_rdd(std::size_t threads) {
  auto make = [](std::size_t n) {
    ds::context ctx{ds::conf().master("local[" + std::to_string(n) + "]")};
    return ctx.parallelize(text().lines, n);
  };
  static const ds::rdd<std::string> one = make(1);
  static const ds::rdd<std::string> two = make(2);
  return threads == 1 ? one : two;
}

void dstream_count(benchmark::State& state, std::size_t threads) {
  const corpus& c = text();
  const std::int64_t expected = distinct_words();
  const auto& lines = lines_rdd(threads);
  for (auto _ : state) {
    std::int64_t distinct = lines
                            | ds::flat_map([](const std::string& line) { return ds::split(line, ' '); })
                            | ds::map([](std::string_view word) { return std::pair{word, std::int64_t{1}}; })
                            | ds::reduce_by_key(std::plus<>{})
                            | ds::count();
    benchmark::DoNotOptimize(distinct);
    if (distinct != expected) state.SkipWithError("dstream and the hand-written loop disagree");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes));
}

#ifdef DSTREAM_BENCH_TBB
// Two threads as a C++ user writes them with oneTBB and no streaming library:
// parallel_for over ranges of lines, each worker counting into its own flat map
// (tbb::combinable), the maps added together at the end. Checked against one pass: the
// same number of distinct words and the same total.
void tbb_2_threads(benchmark::State& state) {
  const corpus& c = text();
  const std::int64_t expected = distinct_words();
  tbb::task_arena arena(2);
  for (auto _ : state) {
    tbb::combinable<counts_map> per_thread;
    arena.execute([&] {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, c.lines.size(), 4096),
                        [&](const tbb::blocked_range<std::size_t>& r) {
                          counts_map& counts = per_thread.local();
                          for (std::size_t i = r.begin(); i != r.end(); ++i) count_line(counts, c.lines[i]);
                        });
    });
    counts_map all;
    per_thread.combine_each([&](counts_map& m) {
      if (all.size() < m.size()) std::swap(all, m);
      for (const auto& [word, n] : m) all[word] += n;
    });
    benchmark::DoNotOptimize(all.size());
    std::int64_t total = 0;
    for (const auto& kv : all) total += kv.second;
    if (static_cast<std::int64_t>(all.size()) != expected || total != static_cast<std::int64_t>(c.words))
      state.SkipWithError("oneTBB disagrees with one pass");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes));
}
#endif

void dstream_1_thread(benchmark::State& state) { dstream_count(state, 1); }
void dstream_2_threads(benchmark::State& state) { dstream_count(state, 2); }

}  // namespace

int main(int argc, char** argv) {
  // Each: 10 repetitions of one run, on the wall clock, the fastest kept as "min".
  for (auto [name, fn] : {std::pair{"word_count/hand_written", &hand_written},
                          std::pair{"word_count/hand_written_2_threads", &hand_written_2_threads},
                          std::pair{"word_count/dstream_1_thread", &dstream_1_thread},
                          std::pair{"word_count/dstream_2_threads", &dstream_2_threads}})
    benchmark::RegisterBenchmark(name, fn)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(1)
        ->Repetitions(10)
        ->ComputeStatistics("min", bench::fastest)
        ->UseRealTime();
#ifdef WORD_COUNT_VIEWS
  benchmark::RegisterBenchmark("word_count/std_views_split", &views_split)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1)
      ->Repetitions(10)
      ->ComputeStatistics("min", bench::fastest)
      ->UseRealTime();
#endif
#ifdef DSTREAM_BENCH_TBB
  benchmark::RegisterBenchmark("word_count/tbb_2_threads", &tbb_2_threads)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1)
      ->Repetitions(10)
      ->ComputeStatistics("min", bench::fastest)
      ->UseRealTime();
#endif
  return bench::run(argc, argv,
                    {{"1 thread / hand-written", "word_count/dstream_1_thread", "word_count/hand_written", "<= 1.25"},
                     {"1 thread / std::views::split", "word_count/dstream_1_thread", "word_count/std_views_split",
                      "< 1"},
                     {"speed-up: 1 thread / 2 threads", "word_count/dstream_1_thread",
                      "word_count/dstream_2_threads", ">= 1.7"},
                     {"hand-written speed-up: 1 / 2 threads", "word_count/hand_written",
                      "word_count/hand_written_2_threads", "reference"},
                     {"2 threads / hand-written 2 threads", "word_count/dstream_2_threads",
                      "word_count/hand_written_2_threads", "<= 1.25"},
                     {"2 threads / oneTBB 2 threads", "word_count/dstream_2_threads", "word_count/tbb_2_threads",
                      "<= 1.25"}});
}
