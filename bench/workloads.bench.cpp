// The field's standard streaming workloads, each run through dstream and through a
// hand-written C++ loop in the same run and checked equal on every run (the program exits
// with status 1 on a mismatch):
//
//  - the D-Streams paper (SOSP 2013): Grep, WordCount over a 30 s window sliding every 1 s
//    (incremental, with the inverse function), TopKCount over the same window; 100-byte
//    records;
//  - the Yahoo Streaming Benchmark: ad events filtered to views, joined to a static
//    ad → campaign table (100 campaigns × 10 ads), counted per campaign in 10 s tumbling
//    windows;
//  - NEXMark q0 (pass-through), q1 (currency conversion), q2 (selection), q5 (hot items,
//    10 s window sliding every 5 s), q7 (highest bid per 10 s window), q8 (new persons who
//    opened auctions in the same 10 s window: a windowed join).
//
// Every stream runs on the manual clock with 1 s batches fed from a queue_stream of rdds
// built before the run (two partitions each), so a run is a fixed number of batches,
// timed on the wall clock from the first batch to the last. The figures are records a
// second per core: records ÷ seconds ÷ threads (`local[1]` and `local[2]`), and, steadier
// on a shared machine, records per CPU second of the whole process. The stateless
// pipelines (Grep, q0, q1, q2) are also written with std::views (g++ only: clang++ 14
// cannot compile libstdc++ 12's <ranges>) and with range-v3, checked equal too.
//
// All data comes from fixed seeds (std::mt19937_64 and a counter-based mix), generated
// once before the first run; each figure is the fastest of a few runs.

#include <algorithm>
#include <array>
#include <barrier>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include <time.h>
#include <unistd.h>

#if !defined(__clang__) || __clang_major__ >= 15
#include <ranges>
#define WORKLOADS_STD_VIEWS 1
#endif

#include <boost/unordered/unordered_flat_map.hpp>
#include <range/v3/view/filter.hpp>
#include <range/v3/view/transform.hpp>

#include <dstream/dstream.hpp>

namespace ds = dstream;
using namespace std::chrono_literals;
using clk = std::chrono::steady_clock;

namespace {

constexpr std::uint64_t seed = 20261203;
constexpr int repetitions = 3;  // each figure: the fastest of this many runs

// ---------------------------------------------------------------------------------------
// Small shared pieces: hashing, digests, string maps, checks, timing.

/// splitmix64's finaliser: a good 64-bit mix, the same everywhere.
constexpr std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t hash_text(std::string_view s) { return std::hash<std::string_view>{}(s); }

/// What a pass-through or selection query outputs, reduced to something comparable
/// whatever the partitioning: how many records and the sum of their hashes.
struct digest {
  std::int64_t n = 0;
  std::uint64_t h = 0;
  bool operator==(const digest&) const = default;
};
digest one(std::uint64_t h) { return {1, mix(h)}; }
struct add_digests {
  digest operator()(const digest& a, const digest& b) const { return {a.n + b.n, a.h + b.h}; }
};

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <class V>
using string_map = boost::unordered_flat_map<std::string, V, string_hash, std::equal_to<>>;

template <class T>
void sort_each(std::vector<std::vector<T>>& v) {
  if constexpr (std::totally_ordered<T>) {
    for (auto& x : v) std::sort(x.begin(), x.end());
  }
}

/// Exits with status 1 when `got` differs from `expected`, naming the first batch.
template <class T>
void check(const std::string& workload, const char* who, std::vector<std::vector<T>> expected,
           std::vector<std::vector<T>> got) {
  sort_each(expected);
  sort_each(got);
  if (expected == got) return;
  std::fprintf(stderr, "MISMATCH in %s: %s gives %zu outputs, the hand-written loop %zu", workload.c_str(), who,
               got.size(), expected.size());
  for (std::size_t i = 0; i < std::min(expected.size(), got.size()); ++i) {
    if (expected[i] != got[i]) {
      std::fprintf(stderr, "; output %zu differs (%zu elements against %zu)", i, got[i].size(), expected[i].size());
      break;
    }
  }
  std::fprintf(stderr, "\n");
  std::exit(1);
}

/// The CPU time of the whole process so far, in seconds (every thread).
double process_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// The CPU seconds (every thread of the process) of the last timed run.
double last_run_cpu = 0;

/// A variant's time: the fastest wall time of its runs and the least CPU time (0: not run).
struct timing {
  double wall = 0;
  double cpu = 0;
};

template <class F>
double seconds_of(F&& f) {
  auto t0 = clk::now();
  f();
  return std::chrono::duration<double>(clk::now() - t0).count();
}

/// Batches of records, each in two halves (the two partitions of its rdd; the two threads
/// of a two-thread hand-written loop). A run of `count` batches takes batch b from
/// `distinct[b % distinct.size()]`.
template <class T>
struct batch_set {
  std::vector<std::array<std::shared_ptr<const std::vector<T>>, 2>> distinct;
  std::size_t count = 0;

  const std::vector<T>& half(std::size_t b, std::size_t j) const { return *distinct[b % distinct.size()][j]; }
  std::int64_t records() const {
    std::int64_t n = 0;
    for (std::size_t b = 0; b < count; ++b) n += static_cast<std::int64_t>(half(b, 0).size() + half(b, 1).size());
    return n;
  }
  void add(std::vector<T> all) {
    const auto mid = all.begin() + static_cast<std::ptrdiff_t>(all.size() / 2);
    distinct.push_back({std::make_shared<const std::vector<T>>(all.begin(), mid),
                        std::make_shared<const std::vector<T>>(mid, all.end())});
  }
};

/// A temporary checkpoint directory, removed at the end: under $WORKLOADS_CHECKPOINT_DIR,
/// else /dev/shm when there is one, else the temporary directory. With a checkpoint
/// directory the library records every generated batch (for recovery) and syncs it to
/// disk before the batch runs: on tmpfs the figures are the processing, not this
/// machine's disk latency (which a run on the manual clock, batches back to back, would
/// otherwise add to every batch; on the wall clock it overlaps the batch interval).
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::filesystem::path base = std::filesystem::temp_directory_path();
    if (const char* e = std::getenv("WORKLOADS_CHECKPOINT_DIR"); e && *e) {
      base = e;
    } else if (std::filesystem::is_directory("/dev/shm")) {
      base = "/dev/shm";
    }
    path = base / ("dstream-workloads-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

template <class S>
using value_of = typename decltype(ds::detail::as_dstream(std::declval<S>()))::value_type;

/// Runs `build(ssc, stream)`'s output over `in` on `local[threads]` with 1 s batches on
/// the manual clock; returns the seconds from the first batch's tick to the last batch's
/// completion, and what the output stream produced, one vector per rdd it produced.
/// `checkpointed`: the pipeline has state and needs a checkpoint directory (stateless ones
/// run without, as users run them).
template <class T, class Build>
auto run_dstream(std::size_t threads, const batch_set<T>& in, Build build, bool checkpointed = false) {
  std::optional<temp_dir> dir;
  // Checkpoints of the state are left out of the timed path (the interval is past the end
  // of the run), as the hand-written loops write none.
  ds::streaming_context ssc(ds::conf()
                                .app_name("workloads")
                                .master("local[" + std::to_string(threads) + "]")
                                .set("dstream.streaming.clock", "manual")
                                .set("dstream.checkpoint.interval", "1000000s"),
                            1s);
  if (checkpointed) ssc.checkpoint(dir.emplace().path.string());
  ds::rdd_queue<T> q;
  for (std::size_t b = 0; b < in.count; ++b) {
    const auto& parts = in.distinct[b % in.distinct.size()];
    q.push(ssc.context().make_rdd(std::vector<std::shared_ptr<const std::vector<T>>>(parts.begin(), parts.end())));
  }
  auto out = ds::detail::as_dstream(build(ssc, ssc.queue_stream(q)));
  using R = typename decltype(out)::value_type;
  std::map<std::int64_t, std::vector<R>> by_time;
  std::mutex m;
  out | ds::foreach_rdd([&](ds::rdd<R>& r, ds::batch_time t) {
    auto v = r | ds::collect();
    std::lock_guard lock(m);
    by_time[t.milliseconds()] = std::move(v);
  });
  ssc.start();
  const double cpu0 = process_cpu_seconds();
  double s = seconds_of([&] {
    for (std::size_t b = 0; b < in.count; ++b) {
      ssc.test_clock()->advance(1000);
      if (!ssc.wait_for_batch(ds::batch_time(static_cast<std::int64_t>(b + 1) * 1000), 300s)) {
        std::fprintf(stderr, "batch %zu did not complete within 300 s\n", b);
        std::exit(1);
      }
    }
  });
  last_run_cpu = process_cpu_seconds() - cpu0;
  ssc.stop();
  ssc.await_termination();
  std::vector<std::vector<R>> result;
  for (auto& [t, v] : by_time) result.push_back(std::move(v));
  return std::pair{s, std::move(result)};
}

/// One line of the final table: seconds of each variant (0: not run).
struct row {
  std::string name;
  std::int64_t records = 0;
  timing ds1{}, ds2{}, hand1{}, hand2{}, views{}, rv3{};
};
std::vector<row> table;

/// Records a second per core, in millions: records ÷ wall seconds ÷ threads.
double rate(std::int64_t records, const timing& t, int threads) {
  return t.wall > 0 ? static_cast<double>(records) / t.wall / threads / 1e6 : 0;
}
/// Records a CPU second, in millions (whatever the threads).
double cpu_rate(std::int64_t records, const timing& t) {
  return t.cpu > 0 ? static_cast<double>(records) / t.cpu / 1e6 : 0;
}

/// The fastest of `repetitions` runs of `f` (which returns its seconds and its output);
/// each output is checked against `expected`.
template <class T, class F>
timing timed(const std::string& workload, const char* who, const std::vector<std::vector<T>>& expected, F f) {
  timing best{1e300, 1e300};
  for (int rep = 0; rep < repetitions; ++rep) {
    auto [s, out] = f();
    check(workload, who, expected, std::move(out));
    best.wall = std::min(best.wall, s);
    best.cpu = std::min(best.cpu, last_run_cpu);
  }
  return best;
}

/// A hand-written loop's run: `f()` returns its output; timed around the call.
template <class F>
auto hand_run(F f) {
  std::invoke_result_t<F&> out;
  const double cpu0 = process_cpu_seconds();
  double s = seconds_of([&] { out = f(); });
  last_run_cpu = process_cpu_seconds() - cpu0;
  return std::pair{s, std::move(out)};
}

void print_row(const row& r) {
  std::printf("%-24s %9.2f M records: dstream %7.2f | %7.2f   hand %7.2f | %7.2f", r.name.c_str(),
              static_cast<double>(r.records) / 1e6, rate(r.records, r.ds1, 1), rate(r.records, r.ds2, 2),
              rate(r.records, r.hand1, 1), rate(r.records, r.hand2, 2));
  if (r.views.wall > 0) std::printf("   std::views %7.2f", rate(r.records, r.views, 1));
  if (r.rv3.wall > 0) std::printf("   range-v3 %7.2f", rate(r.records, r.rv3, 1));
  std::printf("  (M records/s per core, 1 | 2 threads)\n");
  std::fflush(stdout);
}

/// Prints how long the generation of a data set took (outside every timed run).
struct generating {
  const char* what;
  clk::time_point t0 = clk::now();
  explicit generating(const char* w) : what(w) {}
  ~generating() {
    std::printf("(generated the %s in %.2f s)\n", what, std::chrono::duration<double>(clk::now() - t0).count());
  }
  generating(const generating&) = delete;
  generating& operator=(const generating&) = delete;
};

// ---------------------------------------------------------------------------------------
// Text: 100-byte records of words drawn from a Zipf vocabulary.

constexpr std::size_t record_bytes = 100;
constexpr std::size_t vocabulary_size = 100'000;
constexpr std::size_t text_batches = 40;          // WordCount, TopKCount: 40 s of 1 s batches
constexpr std::size_t text_records_per_batch = 3'000;
constexpr std::size_t grep_batches = 100;         // Grep: the same records, 12 000 a batch (10 distinct batches)
constexpr std::size_t top_k = 10;

struct text_data {
  std::vector<std::string> vocabulary;
  std::string pattern;
  batch_set<std::string> window_batches;  // 40 batches
  batch_set<std::string> grep_batches;    // the same records in batches four times as large, 100 a run
};

const text_data& text() {
  static const text_data d = [] {
    generating g("100-byte text records");
    text_data r;
    std::mt19937_64 rng(seed);
    std::unordered_set<std::string> seen;
    std::array<std::vector<std::size_t>, 11> by_length;  // word indices by length 3..10
    while (r.vocabulary.size() < vocabulary_size) {
      std::string w(3 + rng() % 8, ' ');
      for (char& ch : w) ch = static_cast<char>('a' + rng() % 26);
      if (seen.insert(w).second) {
        by_length[w.size()].push_back(r.vocabulary.size());
        r.vocabulary.push_back(std::move(w));
      }
    }
    // Rank r (0-based) has weight 1 / (r + 1), quantised to 2^22 equal steps of a table.
    constexpr std::size_t steps = std::size_t{1} << 22;
    std::vector<std::uint32_t> rank_of(steps);
    {
      double total = 0;
      for (std::size_t k = 0; k < vocabulary_size; ++k) total += 1.0 / static_cast<double>(k + 1);
      double cdf = 0;
      std::size_t k = 0;
      cdf = 1.0 / total;
      for (std::size_t s = 0; s < steps; ++s) {
        const double u = (static_cast<double>(s) + 0.5) / static_cast<double>(steps);
        while (cdf < u && k + 1 < vocabulary_size) cdf += 1.0 / static_cast<double>(++k + 1) / total;
        rank_of[s] = static_cast<std::uint32_t>(k);
      }
    }
    // The pattern Grep looks for: the 30th most frequent word, a substring of about 3 %
    // of the records.
    r.pattern = r.vocabulary[29];

    auto line = [&] {
      std::string s;
      s.reserve(record_bytes);
      while (s.size() < record_bytes) {
        const std::size_t room = record_bytes - s.size() - (s.empty() ? 0 : 1);  // letters the next word may have
        const std::string* w;
        if (room <= 10) {
          // The last word fills the record exactly (room is never below 3).
          const auto& bucket = by_length[room];
          w = &r.vocabulary[bucket[rng() % bucket.size()]];
        } else {
          // A Zipf word that leaves either nothing or room for a separator and three letters.
          do w = &r.vocabulary[rank_of[rng() >> 42]];
          while (room - w->size() < 4);
        }
        if (!s.empty()) s += ' ';
        s += *w;
      }
      return s;
    };
    for (std::size_t b = 0; b < text_batches; ++b) {
      std::vector<std::string> lines(text_records_per_batch);
      for (auto& l : lines) l = line();
      r.window_batches.add(std::move(lines));
    }
    r.window_batches.count = text_batches;
    for (std::size_t b = 0; b < text_batches; b += 4) {
      std::vector<std::string> lines;
      for (std::size_t k = b; k < b + 4; ++k)
        for (std::size_t j = 0; j < 2; ++j) lines.insert(lines.end(), r.window_batches.half(k, j).begin(), r.window_batches.half(k, j).end());
      r.grep_batches.add(std::move(lines));
    }
    r.grep_batches.count = grep_batches;
    return r;
  }();
  return d;
}

template <class F>
void for_each_word(std::string_view line, F f) {
  for (;;) {
    const std::size_t space = line.find(' ');
    f(line.substr(0, space));
    if (space == std::string_view::npos) return;
    line.remove_prefix(space + 1);
  }
}

// Grep -----------------------------------------------------------------------------------

void grep() {
  const text_data& d = text();
  const auto& in = d.grep_batches;
  const std::string pattern = d.pattern;
  auto matches = [pattern](const std::string& s) { return std::string_view(s).find(pattern) != std::string_view::npos; };

  auto hand = [&](std::size_t from, std::size_t to) {
    std::vector<std::vector<std::int64_t>> out;
    for (std::size_t b = 0; b < in.count; ++b) {
      std::int64_t n = 0;
      for (std::size_t j = from; j < to; ++j)
        for (const std::string& s : in.half(b, j)) n += matches(s) ? 1 : 0;
      out.push_back({n});
    }
    return out;
  };
  const auto expected = hand(0, 2);
  row r{"Grep", in.records()};
  r.hand1 = timed("Grep", "hand (1 thread)", expected, [&] { return hand_run([&] { return hand(0, 2); }); });
  r.hand2 = timed("Grep", "hand (2 threads)", expected, [&] {
    return hand_run([&] {
      std::vector<std::vector<std::int64_t>> first;
      std::thread t([&] { first = hand(0, 1); });
      auto second = hand(1, 2);
      t.join();
      for (std::size_t b = 0; b < first.size(); ++b) first[b][0] += second[b][0];
      return first;
    });
  });
  for (std::size_t threads : {1, 2}) {
    timing s = timed("Grep", "dstream", expected, [&] {
      return run_dstream(threads, in, [&](ds::streaming_context&, ds::dstream<std::string> lines) {
        return lines | ds::filter(matches) | ds::count();
      });
    });
    (threads == 1 ? r.ds1 : r.ds2) = s;
  }
#ifdef WORKLOADS_STD_VIEWS
  r.views = timed("Grep", "std::views", expected, [&] {
    return hand_run([&] {
      std::vector<std::vector<std::int64_t>> out;
      for (std::size_t b = 0; b < in.count; ++b) {
        std::int64_t n = 0;
        for (std::size_t j = 0; j < 2; ++j) n += std::ranges::distance(in.half(b, j) | std::views::filter(matches));
        out.push_back({n});
      }
      return out;
    });
  });
#endif
  r.rv3 = timed("Grep", "range-v3", expected, [&] {
    return hand_run([&] {
      std::vector<std::vector<std::int64_t>> out;
      for (std::size_t b = 0; b < in.count; ++b) {
        std::int64_t n = 0;
        for (std::size_t j = 0; j < 2; ++j)
          for ([[maybe_unused]] const std::string& s : in.half(b, j) | ranges::views::filter(matches)) ++n;
        out.push_back({n});
      }
      return out;
    });
  });
  std::printf("Grep: pattern \"%s\" in %.2f %% of the records\n", pattern.c_str(),
              100.0 * static_cast<double>(expected[0][0]) / static_cast<double>(4 * text_records_per_batch));
  print_row(r);
  table.push_back(r);
}

// WordCount and TopKCount over a 30 s window sliding every 1 s ---------------------------

using word_count = std::pair<std::string, std::int64_t>;

/// The whole window's counts reduced to something comparable: keys, total, hash sum.
struct window_digest {
  std::int64_t keys = 0;
  std::int64_t total = 0;
  std::uint64_t h = 0;
  bool operator==(const window_digest&) const = default;
};
window_digest digest_of(const word_count& kv) {
  return {1, kv.second, mix(hash_text(kv.first)) * static_cast<std::uint64_t>(kv.second)};
}
struct add_window_digests {
  window_digest operator()(const window_digest& a, const window_digest& b) const {
    return {a.keys + b.keys, a.total + b.total, a.h + b.h};
  }
};

/// The k largest counts, ties by the word: the order TopKCount reports.
bool before(const word_count& a, const word_count& b) {
  return a.second != b.second ? a.second > b.second : a.first < b.first;
}
using top_list = std::vector<word_count>;
top_list merge_tops(top_list a, const top_list& b) {
  a.insert(a.end(), b.begin(), b.end());
  const std::size_t k = std::min(top_k, a.size());
  std::partial_sort(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(k), a.end(), before);
  a.resize(k);
  return a;
}

/// The top k of a range of (word, count): a bounded heap of the k best seen so far.
template <class R>
top_list top_of(const R& counts) {
  top_list top;
  top.reserve(top_k);
  for (const auto& [w, n] : counts) {
    if (top.size() < top_k) {
      top.emplace_back(w, n);
      std::push_heap(top.begin(), top.end(), before);
    } else if (n > top.front().second || (n == top.front().second && std::string_view(w) < top.front().first)) {
      std::pop_heap(top.begin(), top.end(), before);
      top.back() = word_count(w, n);
      std::push_heap(top.begin(), top.end(), before);
    }
  }
  std::sort_heap(top.begin(), top.end(), before);
  return top;
}

constexpr std::size_t window_batches = 30;  // 30 s of 1 s batches

/// The words of `lines` counted into `counts`.
void count_words(const std::vector<std::string>& lines, string_map<std::int64_t>& counts) {
  for (const std::string& s : lines)
    for_each_word(s, [&](std::string_view w) {
      if (auto it = counts.find(w); it != counts.end()) {
        ++it->second;
      } else {
        counts.emplace(w, 1);
      }
    });
}

/// The hand-written incremental window: a count map per batch kept for 30 batches; each
/// batch adds its counts and subtracts those of the batch leaving (keys at 0 erased);
/// `emit(window)` after each batch. With `two_threads`, a second std::thread counts half
/// of each batch and the smaller map is added into the larger; the window stays on one.
template <class Emit>
void hand_window_counts(const batch_set<std::string>& in, bool two_threads, Emit emit) {
  std::deque<string_map<std::int64_t>> batches;
  string_map<std::int64_t> window;
  for (std::size_t b = 0; b < in.count; ++b) {
    string_map<std::int64_t> counts;
    if (two_threads) {
      string_map<std::int64_t> other;
      std::thread t([&] { count_words(in.half(b, 0), other); });
      count_words(in.half(b, 1), counts);
      t.join();
      if (counts.size() < other.size()) std::swap(counts, other);
      for (const auto& [w, n] : other) counts[w] += n;
    } else {
      count_words(in.half(b, 0), counts);
      count_words(in.half(b, 1), counts);
    }
    for (const auto& [w, n] : counts) window[w] += n;
    batches.push_back(std::move(counts));
    if (batches.size() > window_batches) {
      for (const auto& [w, n] : batches.front()) {
        auto it = window.find(w);
        if ((it->second -= n) == 0) window.erase(it);
      }
      batches.pop_front();
    }
    emit(window);
  }
}

/// The library's windowed word counts, keys at 0 dropped.
ds::dstream<word_count> windowed_counts(ds::dstream<std::string> lines) {
  auto words = lines | ds::flat_map([](const std::string& line) { return ds::split(line, ' '); }) |
               ds::map([](std::string_view w) { return std::pair{w, std::int64_t{1}}; });
  return words | ds::reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 30s, 1s, 0,
                                              [](const word_count& kv) { return kv.second != 0; });
}

void word_count_window() {
  const auto& in = text().window_batches;
  auto hand = [&](bool two_threads) {
    std::vector<std::vector<window_digest>> out;
    hand_window_counts(in, two_threads, [&](const string_map<std::int64_t>& window) {
      window_digest d;
      for (const auto& [w, n] : window) d = add_window_digests{}(d, digest_of({w, n}));
      out.push_back({d});
    });
    return out;
  };
  const auto expected = hand(false);
  std::printf("WordCount: %lld distinct words, %lld words in the last window\n",
              static_cast<long long>(expected.back()[0].keys), static_cast<long long>(expected.back()[0].total));
  row r{"WordCount (30 s / 1 s)", in.records()};
  r.hand1 = timed(r.name, "hand (1 thread)", expected, [&] { return hand_run([&] { return hand(false); }); });
  r.hand2 = timed(r.name, "hand (2 threads)", expected, [&] { return hand_run([&] { return hand(true); }); });
  for (std::size_t threads : {1, 2}) {
    timing s = timed(r.name, "dstream", expected, [&] {
      return run_dstream(threads, in, [](ds::streaming_context&, ds::dstream<std::string> lines) {
        return windowed_counts(lines) | ds::map(digest_of) | ds::reduce(add_window_digests{});
      }, true);
    });
    (threads == 1 ? r.ds1 : r.ds2) = s;
  }
  print_row(r);
  table.push_back(r);
}

void top_k_count() {
  const auto& in = text().window_batches;
  auto hand = [&](bool two_threads) {
    std::vector<std::vector<top_list>> out;
    hand_window_counts(in, two_threads, [&](const string_map<std::int64_t>& window) {
      out.push_back({top_of(window)});
    });
    return out;
  };
  const auto expected = hand(false);
  row r{"TopKCount (30 s / 1 s)", in.records()};
  r.hand1 = timed(r.name, "hand (1 thread)", expected, [&] { return hand_run([&] { return hand(false); }); });
  r.hand2 = timed(r.name, "hand (2 threads)", expected, [&] { return hand_run([&] { return hand(true); }); });
  for (std::size_t threads : {1, 2}) {
    timing s = timed(r.name, "dstream", expected, [&] {
      return run_dstream(threads, in, [](ds::streaming_context&, ds::dstream<std::string> lines) {
        return windowed_counts(lines) |
               ds::map_partitions([](std::span<const word_count> p) { return std::vector<top_list>{top_of(p)}; }) |
               ds::reduce(merge_tops);
      }, true);
    });
    (threads == 1 ? r.ds1 : r.ds2) = s;
  }
  std::printf("TopKCount: top word \"%s\" counted %lld times in the last window\n",
              expected.back()[0][0].first.c_str(), static_cast<long long>(expected.back()[0][0].second));
  print_row(r);
  table.push_back(r);
}

// ---------------------------------------------------------------------------------------
// The Yahoo Streaming Benchmark.

constexpr std::size_t ysb_campaigns = 100;
constexpr std::size_t ysb_ads_per_campaign = 10;
constexpr std::size_t ysb_batches = 30;  // three 10 s windows
constexpr std::size_t ysb_events_per_batch = 40'000;
constexpr std::int64_t ysb_window_ms = 10'000;

struct ad_event {
  std::array<std::uint64_t, 2> user_id;  // 128-bit ids, as the benchmark's UUIDs
  std::array<std::uint64_t, 2> page_id;
  std::string ad_id;                     // a UUID's text, the join key
  std::string ad_type;
  std::string event_type;                // "view", "click" or "purchase"
  std::int64_t event_time;               // ms
  std::string ip_address;
};

struct ysb_data {
  std::vector<std::pair<std::string, std::string>> ads;  // ad_id → campaign_id
  batch_set<ad_event> events;
};

std::string uuid(std::mt19937_64& rng) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string s(36, '-');
  for (std::size_t i = 0; i < 36; ++i)
    if (i != 8 && i != 13 && i != 18 && i != 23) s[i] = hex[rng() & 15];
  return s;
}

const ysb_data& ysb() {
  static const ysb_data d = [] {
    generating g("ad events");
    ysb_data r;
    std::mt19937_64 rng(seed + 1);
    for (std::size_t c = 0; c < ysb_campaigns; ++c) {
      std::string campaign = uuid(rng);
      for (std::size_t a = 0; a < ysb_ads_per_campaign; ++a) r.ads.emplace_back(uuid(rng), campaign);
    }
    static const std::array<const char*, 5> ad_types{"banner", "modal", "sponsored-search", "mail", "mobile"};
    static const std::array<const char*, 3> event_types{"view", "click", "purchase"};
    for (std::size_t b = 0; b < ysb_batches; ++b) {
      std::vector<ad_event> events(ysb_events_per_batch);
      for (std::size_t i = 0; i < events.size(); ++i) {
        ad_event& e = events[i];
        e.user_id = {rng(), rng()};
        e.page_id = {rng(), rng()};
        e.ad_id = r.ads[rng() % r.ads.size()].first;
        e.ad_type = ad_types[rng() % ad_types.size()];
        e.event_type = event_types[rng() % event_types.size()];
        e.event_time = static_cast<std::int64_t>(b * 1000 + i * 1000 / events.size());
        const std::uint64_t ip = rng();
        e.ip_address = std::to_string(ip & 255) + '.' + std::to_string((ip >> 8) & 255) + '.' +
                       std::to_string((ip >> 16) & 255) + '.' + std::to_string((ip >> 24) & 255);
      }
      r.events.add(std::move(events));
    }
    r.events.count = ysb_batches;
    return r;
  }();
  return d;
}

using campaign_window = std::pair<std::pair<std::string, std::int64_t>, std::int64_t>;  // ((campaign, window start), views)

void yahoo() {
  const ysb_data& d = ysb();
  const auto& in = d.events;
  // By hand: campaigns numbered, ads looked up in a flat map, a count array per window.
  std::vector<std::string> campaign_names;
  string_map<std::size_t> campaign_of;
  {
    string_map<std::size_t> number;
    for (const auto& [ad, campaign] : d.ads) {
      auto [it, fresh] = number.emplace(campaign, campaign_names.size());
      if (fresh) campaign_names.push_back(campaign);
      campaign_of.emplace(ad, it->second);
    }
  }
  using window_counts = std::map<std::int64_t, std::vector<std::int64_t>>;  // window start → views per campaign
  auto count_half = [&](std::size_t j, window_counts& w) {
    for (std::size_t b = 0; b < in.count; ++b)
      for (const ad_event& e : in.half(b, j)) {
        if (e.event_type != "view") continue;
        const std::int64_t start = e.event_time / ysb_window_ms * ysb_window_ms;
        auto& counts = w[start];
        if (counts.empty()) counts.resize(campaign_names.size());
        ++counts[campaign_of.find(e.ad_id)->second];
      }
  };
  auto emit = [&](const window_counts& w) {
    std::vector<std::vector<campaign_window>> out;
    for (const auto& [start, counts] : w) {
      out.emplace_back();
      for (std::size_t c = 0; c < counts.size(); ++c)
        if (counts[c]) out.back().push_back({{campaign_names[c], start}, counts[c]});
    }
    return out;
  };
  auto hand1 = [&] {
    window_counts w;
    count_half(0, w);
    count_half(1, w);
    return emit(w);
  };
  const auto expected = hand1();
  row r{"Yahoo streaming (YSB)", in.records()};
  r.hand1 = timed(r.name, "hand (1 thread)", expected, [&] { return hand_run(hand1); });
  r.hand2 = timed(r.name, "hand (2 threads)", expected, [&] {
    return hand_run([&] {
      window_counts a, b;
      std::thread t([&] { count_half(0, a); });
      count_half(1, b);
      t.join();
      for (auto& [start, counts] : b) {
        auto& into = a[start];
        if (into.empty()) into.resize(counts.size());
        for (std::size_t c = 0; c < counts.size(); ++c) into[c] += counts[c];
      }
      return emit(a);
    });
  });
  for (std::size_t threads : {1, 2}) {
    timing s = timed(r.name, "dstream", expected, [&] {
      return run_dstream(threads, in, [&](ds::streaming_context&, ds::dstream<ad_event> events) {
        // The join as the benchmark's Spark program makes it: each view's ad looked up in
        // the static ad -> campaign table (there cached from Redis, here captured by the
        // map), campaigns numbered as the hand-written loop numbers them, named at the end.
        auto table = std::make_shared<std::pair<string_map<std::size_t>, std::vector<std::string>>>(campaign_of,
                                                                                                   campaign_names);
        using numbered = std::pair<std::pair<std::size_t, std::int64_t>, std::int64_t>;
        return events | ds::filter([](const ad_event& e) { return e.event_type == "view"; }) |
               ds::map([table](const ad_event& e) {
                 return numbered{{table->first.find(e.ad_id)->second, e.event_time / ysb_window_ms * ysb_window_ms}, 1};
               }) |
               ds::reduce_by_key_and_window(std::plus<>{}, 10s, 10s) | ds::map([table](const numbered& c) {
                 return campaign_window{{table->second[c.first.first], c.first.second}, c.second};
               });
      });
    });
    (threads == 1 ? r.ds1 : r.ds2) = s;
  }
  print_row(r);
  table.push_back(r);
}

// ---------------------------------------------------------------------------------------
// NEXMark: persons, auctions and bids in the generator's proportions (of every 50 events,
// 1 person, 3 auctions, 46 bids), each event a function of its sequence number.

constexpr std::size_t nex_batches = 40;
constexpr std::size_t nex_events_per_batch = 50'000;
constexpr std::size_t nex_stateless_batches = 160;  // q0, q1, q2 cycle through the 40 batches

struct person {
  std::int64_t id;
  std::string name;
  std::string email;
  std::string city;
  std::string state;
  std::int64_t time;
};
struct auction {
  std::int64_t id;
  std::string item_name;
  std::int64_t initial_bid;
  std::int64_t reserve;
  std::int64_t time;
  std::int64_t expires;
  std::int64_t seller;
  std::int64_t category;
};
struct bid {
  std::int64_t auction;
  std::int64_t bidder;
  std::int64_t price;  // cents
  std::string channel;
  std::int64_t time;
};
using event = std::variant<person, auction, bid>;

event make_event(std::int64_t seq, std::int64_t time) {
  static const std::array<const char*, 8> first{"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie"};
  static const std::array<const char*, 8> last{"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones"};
  static const std::array<const char*, 6> cities{"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend"};
  static const std::array<const char*, 6> states{"AZ", "CA", "ID", "OR", "WA", "WY"};
  static const std::array<const char*, 4> channels{"Google", "Facebook", "Baidu", "Apple"};
  const std::uint64_t r0 = mix(seed ^ static_cast<std::uint64_t>(seq));
  const std::uint64_t r1 = mix(r0);
  const std::int64_t block = seq / 50;
  const std::int64_t offset = seq % 50;
  const std::int64_t newest_person = block;
  const auto recent = [](std::int64_t newest, std::uint64_t r, std::int64_t span) {
    return newest - static_cast<std::int64_t>(r % static_cast<std::uint64_t>(std::min(newest + 1, span)));
  };
  if (offset == 0) {
    std::string name = std::string(first[r0 % 8]) + ' ' + last[(r0 >> 8) % 8];
    std::string email = name.substr(0, name.find(' ')) + std::to_string(block) + "@example.com";
    return person{block, std::move(name), std::move(email), cities[(r0 >> 16) % 6], states[(r0 >> 24) % 6], time};
  }
  if (offset <= 3) {
    const std::int64_t id = block * 3 + offset - 1;
    // Half the sellers are among the five newest persons (q8 finds them), half among the last 1000.
    const std::int64_t seller = (r0 & 1) ? recent(newest_person, r1, 5) : recent(newest_person, r1 >> 16, 1000);
    const auto initial = static_cast<std::int64_t>(100 + (r0 >> 8) % 10'000);
    return auction{id,     "item-" + std::to_string(id), initial, initial + static_cast<std::int64_t>((r0 >> 24) % 5'000),
                   time,   time + 10'000 + static_cast<std::int64_t>((r0 >> 40) % 20'000), seller,
                   static_cast<std::int64_t>(10 + (r1 >> 40) % 5)};
  }
  const std::int64_t newest_auction = block * 3 + 2;
  // Half the bids go to the hot auction of the moment (one in every 1000), the rest to one
  // of the 1000 newest; a quarter of the bidders are the hot person of the moment.
  const std::int64_t a = (r0 & 1) ? newest_auction / 1000 * 1000 : recent(newest_auction, r0 >> 8, 1000);
  const std::int64_t p = (r0 & 6) == 0 ? newest_person / 100 * 100 : recent(newest_person, r0 >> 24, 1000);
  const auto price = static_cast<std::int64_t>(100 + r1 % 100'000);
  return bid{a, p, price, channels[(r1 >> 32) % 4], time};
}

const batch_set<event>& nexmark_events() {
  static const batch_set<event> d = [] {
    generating g("NEXMark events");
    batch_set<event> r;
    for (std::size_t b = 0; b < nex_batches; ++b) {
      std::vector<event> events;
      events.reserve(nex_events_per_batch);
      for (std::size_t i = 0; i < nex_events_per_batch; ++i)
        events.push_back(make_event(static_cast<std::int64_t>(b * nex_events_per_batch + i),
                                    static_cast<std::int64_t>(b * 1000 + i * 1000 / nex_events_per_batch)));
      r.add(std::move(events));
    }
    r.count = nex_batches;
    return r;
  }();
  return d;
}

std::uint64_t hash_bid(const bid& b) {
  return mix(mix(mix(static_cast<std::uint64_t>(b.auction)) ^ static_cast<std::uint64_t>(b.bidder)) ^
             static_cast<std::uint64_t>(b.price)) ^
         static_cast<std::uint64_t>(b.time) ^ hash_text(b.channel);
}
std::uint64_t hash_event(const event& e) {
  if (const bid* b = std::get_if<bid>(&e)) return hash_bid(*b);
  if (const auction* a = std::get_if<auction>(&e))
    return mix(mix(static_cast<std::uint64_t>(a->id) + 1) ^ static_cast<std::uint64_t>(a->seller)) ^
           static_cast<std::uint64_t>(a->reserve);
  const person& p = std::get<person>(e);
  return mix(static_cast<std::uint64_t>(p.id) + 2) ^ hash_text(p.name);
}

bool is_bid(const event& e) { return std::holds_alternative<bid>(e); }
const bid& bid_of(const event& e) { return std::get<bid>(e); }
/// q1: dollars to euros at NEXMark's rate of 0.89 (cents, rounded down).
bid to_euros(const bid& b) { return bid{b.auction, b.bidder, b.price * 89 / 100, b.channel, b.time}; }
/// q2: the selection.
bool selected(const bid& b) { return b.auction % 123 == 0; }
std::uint64_t hash_selected(const bid& b) { return mix(static_cast<std::uint64_t>(b.auction)) ^ static_cast<std::uint64_t>(b.price); }

/// A stateless query: per batch, the digest of its output. `hand(e, sink)` calls
/// `sink(hash)` for each output record of event `e`; `library(stream)` is the dstream
/// pipeline to a digest per batch; `views_run()` and `rv3_run()` are the peers.
template <class Hand, class Library, class Views, class Rv3>
void stateless(const std::string& name, Hand hand_one, Library library, Views views_run, Rv3 rv3_run) {
  batch_set<event> in = nexmark_events();
  in.count = nex_stateless_batches;
  auto hand = [&](std::size_t from, std::size_t to) {
    std::vector<std::vector<digest>> out;
    for (std::size_t b = 0; b < in.count; ++b) {
      digest d;
      for (std::size_t j = from; j < to; ++j)
        for (const event& e : in.half(b, j)) hand_one(e, [&](std::uint64_t h) { d = add_digests{}(d, one(h)); });
      out.push_back({d});
    }
    return out;
  };
  const auto expected = hand(0, 2);
  row r{name, in.records()};
  r.hand1 = timed(name, "hand (1 thread)", expected, [&] { return hand_run([&] { return hand(0, 2); }); });
  r.hand2 = timed(name, "hand (2 threads)", expected, [&] {
    return hand_run([&] {
      std::vector<std::vector<digest>> first;
      std::thread t([&] { first = hand(0, 1); });
      auto second = hand(1, 2);
      t.join();
      for (std::size_t b = 0; b < first.size(); ++b) first[b][0] = add_digests{}(first[b][0], second[b][0]);
      return first;
    });
  });
  for (std::size_t threads : {1, 2}) {
    timing s = timed(name, "dstream", expected,
                     [&] { return run_dstream(threads, in, [&](ds::streaming_context&, ds::dstream<event> s) { return library(s); }); });
    (threads == 1 ? r.ds1 : r.ds2) = s;
  }
  auto per_batch = [&](auto digest_half) {
    return hand_run([&] {
      std::vector<std::vector<digest>> out;
      for (std::size_t b = 0; b < in.count; ++b) out.push_back({add_digests{}(digest_half(in.half(b, 0)), digest_half(in.half(b, 1)))});
      return out;
    });
  };
#ifdef WORKLOADS_STD_VIEWS
  r.views = timed(name, "std::views", expected, [&] { return per_batch(views_run); });
#else
  (void)views_run;
#endif
  r.rv3 = timed(name, "range-v3", expected, [&] { return per_batch(rv3_run); });
  print_row(r);
  table.push_back(r);
}

/// Folds a range of hashes into a digest.
template <class R>
digest fold(R&& hashes) {
  digest d;
  for (std::uint64_t h : hashes) d = add_digests{}(d, one(h));
  return d;
}

void nexmark_q0() {
  stateless(
      "NEXMark q0 (pass-through)", [](const event& e, auto sink) { sink(hash_event(e)); },
      [](ds::dstream<event> s) { return s | ds::map([](const event& e) { return one(hash_event(e)); }) | ds::reduce(add_digests{}); },
#ifdef WORKLOADS_STD_VIEWS
      [](const std::vector<event>& v) {
        return fold(v | std::views::transform(hash_event));
      },
#else
      nullptr,  // no std::views with this compiler
#endif
      [](const std::vector<event>& v) { return fold(v | ranges::views::transform(hash_event)); });
}

void nexmark_q1() {
  stateless(
      "NEXMark q1 (currency)",
      [](const event& e, auto sink) {
        if (is_bid(e)) sink(hash_bid(to_euros(bid_of(e))));
      },
      [](ds::dstream<event> s) {
        return s | ds::filter(is_bid) | ds::map([](const event& e) { return to_euros(bid_of(e)); }) |
               ds::map([](const bid& b) { return one(hash_bid(b)); }) | ds::reduce(add_digests{});
      },
#ifdef WORKLOADS_STD_VIEWS
      [](const std::vector<event>& v) {
        return fold(v | std::views::filter(is_bid) | std::views::transform(bid_of) | std::views::transform(to_euros) |
                    std::views::transform(hash_bid));
      },
#else
      nullptr,  // no std::views with this compiler
#endif
      [](const std::vector<event>& v) {
        return fold(v | ranges::views::filter(is_bid) | ranges::views::transform(bid_of) |
                    ranges::views::transform(to_euros) | ranges::views::transform(hash_bid));
      });
}

void nexmark_q2() {
  stateless(
      "NEXMark q2 (selection)",
      [](const event& e, auto sink) {
        if (is_bid(e) && selected(bid_of(e))) sink(hash_selected(bid_of(e)));
      },
      [](ds::dstream<event> s) {
        return s | ds::filter([](const event& e) { return is_bid(e) && selected(bid_of(e)); }) |
               ds::map([](const event& e) { return one(hash_selected(bid_of(e))); }) | ds::reduce(add_digests{});
      },
#ifdef WORKLOADS_STD_VIEWS
      [](const std::vector<event>& v) {
        return fold(v | std::views::filter(is_bid) | std::views::transform(bid_of) | std::views::filter(selected) |
                    std::views::transform(hash_selected));
      },
#else
      nullptr,  // no std::views with this compiler
#endif
      [](const std::vector<event>& v) {
        return fold(v | ranges::views::filter(is_bid) | ranges::views::transform(bid_of) |
                    ranges::views::filter(selected) | ranges::views::transform(hash_selected));
      });
}

// q5: hot items. Bids per auction over a 10 s window sliding every 5 s; the auction with
// the most (ties: the smallest id).
using auction_count = std::pair<std::int64_t, std::int64_t>;
struct hotter {
  auction_count operator()(const auction_count& a, const auction_count& b) const {
    return (a.second != b.second ? a.second > b.second : a.first < b.first) ? a : b;
  }
};

void nexmark_q5() {
  const auto& in = nexmark_events();
  using count_map = boost::unordered_flat_map<std::int64_t, std::int64_t>;
  auto count_bids = [](const std::vector<event>& events, count_map& counts) {
    for (const event& e : events)
      if (is_bid(e)) ++counts[bid_of(e).auction];
  };
  // With `two_threads`, a second std::thread counts half of each batch (merged into the
  // larger map); the window stays on one thread.
  auto hand = [&](bool two_threads) {
    std::vector<std::vector<auction_count>> out;
    std::deque<count_map> batches;
    count_map window;
    for (std::size_t b = 0; b < in.count; ++b) {
      count_map counts;
      if (two_threads) {
        count_map other;
        std::thread t([&] { count_bids(in.half(b, 0), other); });
        count_bids(in.half(b, 1), counts);
        t.join();
        if (counts.size() < other.size()) std::swap(counts, other);
        for (const auto& [a, n] : other) counts[a] += n;
      } else {
        count_bids(in.half(b, 0), counts);
        count_bids(in.half(b, 1), counts);
      }
      batches.push_back(std::move(counts));
      if ((b + 1) % 5 != 0) continue;
      // A slide: the five batches entering the window, the five leaving it.
      for (std::size_t k = batches.size() - 5; k < batches.size(); ++k)
        for (const auto& [a, n] : batches[k]) window[a] += n;
      if (batches.size() > 10) {
        for (std::size_t k = 0; k < 5; ++k) {
          for (const auto& [a, n] : batches.front()) {
            auto it = window.find(a);
            if ((it->second -= n) == 0) window.erase(it);
          }
          batches.pop_front();
        }
      }
      auction_count best{0, -1};
      for (const auto& kv : window) best = best.second < 0 ? auction_count(kv) : hotter{}(best, kv);
      out.push_back({best});
    }
    return out;
  };
  const auto expected = hand(false);
  row r{"NEXMark q5 (hot items)", in.records()};
  r.hand1 = timed(r.name, "hand (1 thread)", expected, [&] { return hand_run([&] { return hand(false); }); });
  r.hand2 = timed(r.name, "hand (2 threads)", expected, [&] { return hand_run([&] { return hand(true); }); });
  for (std::size_t threads : {1, 2}) {
    timing s = timed(r.name, "dstream", expected, [&] {
      return run_dstream(threads, in, [](ds::streaming_context&, ds::dstream<event> s) {
        auto bids = s | ds::filter(is_bid) | ds::map([](const event& e) { return auction_count{bid_of(e).auction, 1}; });
        return bids |
               ds::reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 10s, 5s, 0,
                                            [](const auction_count& kv) { return kv.second != 0; }) |
               ds::reduce(hotter{});
      }, true);
    });
    (threads == 1 ? r.ds1 : r.ds2) = s;
  }
  print_row(r);
  table.push_back(r);
}

// q7: the highest bid of each 10 s tumbling window (ties: the largest auction, bidder, time).
struct higher {
  const bid& operator()(const bid& a, const bid& b) const {
    return std::tie(a.price, a.auction, a.bidder, a.time) >= std::tie(b.price, b.auction, b.bidder, b.time) ? a : b;
  }
};
using bid_key = std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::string>;
bid_key key_of(const bid& b) { return {b.price, b.auction, b.bidder, b.time, b.channel}; }

void nexmark_q7() {
  const auto& in = nexmark_events();
  // By hand: the best bid of each half of each window, the two halves merged per window.
  auto best_per_window = [&](std::size_t from, std::size_t to) {
    std::vector<const bid*> out(in.count / 10);
    for (std::size_t b = 0; b < in.count; ++b)
      for (std::size_t j = from; j < to; ++j)
        for (const event& e : in.half(b, j))
          if (const bid* x = std::get_if<bid>(&e)) {
            const bid*& best = out[b / 10];
            best = best ? &higher{}(*best, *x) : x;
          }
    return out;
  };
  auto keys = [](const std::vector<const bid*>& v) {
    std::vector<std::vector<bid_key>> out;
    for (const bid* b : v) out.push_back({key_of(*b)});
    return out;
  };
  const auto expected = keys(best_per_window(0, 2));
  row r{"NEXMark q7 (highest bid)", in.records()};
  r.hand1 = timed(r.name, "hand (1 thread)", expected, [&] { return hand_run([&] { return keys(best_per_window(0, 2)); }); });
  r.hand2 = timed(r.name, "hand (2 threads)", expected, [&] {
    return hand_run([&] {
      std::vector<const bid*> a;
      std::thread t([&] { a = best_per_window(0, 1); });
      auto b = best_per_window(1, 2);
      t.join();
      for (std::size_t w = 0; w < a.size(); ++w) a[w] = &higher{}(*a[w], *b[w]);
      return keys(a);
    });
  });
  for (std::size_t threads : {1, 2}) {
    timing s = timed(r.name, "dstream", expected, [&] {
      return run_dstream(threads, in, [](ds::streaming_context&, ds::dstream<event> s) {
        auto bids = s | ds::filter(is_bid) | ds::map(bid_of);
        // higher{} returns the winning bid by reference: the reduce copies a bid only when it wins.
        return bids | ds::reduce_by_window(higher{}, 10s, 10s) | ds::map(key_of);
      });
    });
    (threads == 1 ? r.ds1 : r.ds2) = s;
  }
  print_row(r);
  table.push_back(r);
}

// q8: persons who opened an auction in the same 10 s tumbling window as they joined:
// (person id, (name, reserve)) for every such auction.
using new_seller = std::pair<std::int64_t, std::pair<std::string, std::int64_t>>;

void nexmark_q8() {
  const auto& in = nexmark_events();
  auto hand = [&] {
    std::vector<std::vector<new_seller>> out;
    boost::unordered_flat_map<std::int64_t, std::string> persons;
    std::vector<const auction*> auctions;
    for (std::size_t b = 0; b < in.count; ++b) {
      for (std::size_t j = 0; j < 2; ++j)
        for (const event& e : in.half(b, j)) {
          if (const person* p = std::get_if<person>(&e)) persons.emplace(p->id, p->name);
          if (const auction* a = std::get_if<auction>(&e)) auctions.push_back(a);
        }
      if ((b + 1) % 10 != 0) continue;
      out.emplace_back();
      for (const auction* a : auctions)
        if (auto it = persons.find(a->seller); it != persons.end()) out.back().push_back({a->seller, {it->second, a->reserve}});
      persons.clear();
      auctions.clear();
    }
    return out;
  };
  const auto expected = hand();
  row r{"NEXMark q8 (new sellers)", in.records()};
  r.hand1 = timed(r.name, "hand (1 thread)", expected, [&] { return hand_run(hand); });
  for (std::size_t threads : {1, 2}) {
    timing s = timed(r.name, "dstream", expected, [&] {
      return run_dstream(threads, in, [](ds::streaming_context&, ds::dstream<event> s) {
        ds::dstream<std::pair<std::int64_t, std::string>> persons =
            s | ds::filter([](const event& e) { return std::holds_alternative<person>(e); }) |
            ds::map([](const event& e) { return std::pair{std::get<person>(e).id, std::get<person>(e).name}; });
        ds::dstream<std::pair<std::int64_t, std::int64_t>> sellers =
            s | ds::filter([](const event& e) { return std::holds_alternative<auction>(e); }) |
            ds::map([](const event& e) { return std::pair{std::get<auction>(e).seller, std::get<auction>(e).reserve}; });
        ds::dstream<std::pair<std::int64_t, std::string>> persons_w = persons | ds::window(10s, 10s);
        ds::dstream<std::pair<std::int64_t, std::int64_t>> sellers_w = sellers | ds::window(10s, 10s);
        return persons_w | ds::join(sellers_w);
      });
    });
    (threads == 1 ? r.ds1 : r.ds2) = s;
  }
  std::size_t matches = 0;
  for (const auto& w : expected) matches += w.size();
  std::printf("q8: %zu auctions by new sellers in %zu windows\n", matches, expected.size());
  print_row(r);
  table.push_back(r);
}

void print_table() {
  auto cell = [](double v) {
    char buf[16];
    if (v > 0) {
      std::snprintf(buf, sizeof buf, "%8.2f", v);
    } else {
      std::snprintf(buf, sizeof buf, "%8s", "-");
    }
    return std::string(buf);
  };
  auto ratio = [](double a, double b) {
    char buf[16];
    if (a > 0 && b > 0) {
      std::snprintf(buf, sizeof buf, "%6.2f", a / b);
    } else {
      std::snprintf(buf, sizeof buf, "%6s", "-");
    }
    return std::string(buf);
  };
  auto header = [] {
    std::printf("%-26s %7s %8s %8s %8s %8s %8s %8s %6s %6s %6s %6s\n", "workload", "M rec", "ds 1t", "ds 2t", "hand 1t",
                "hand 2t", "views", "rv3", "ds/h1", "ds/h2", "ds/vw", "ds/rv3");
  };
  auto line = [&](const row& r, double d1, double d2, double h1, double h2, double v, double q) {
    std::printf("%-26s %7.2f %s %s %s %s %s %s %s %s %s %s\n", r.name.c_str(), static_cast<double>(r.records) / 1e6,
                cell(d1).c_str(), cell(d2).c_str(), cell(h1).c_str(), cell(h2).c_str(), cell(v).c_str(), cell(q).c_str(),
                ratio(d1, h1).c_str(), ratio(d2, h2).c_str(), ratio(d1, v).c_str(), ratio(d1, q).c_str());
  };
  std::printf("\nM records/s per core: records / wall seconds / threads (fastest of %d runs; every run checked equal)\n",
              repetitions);
  header();
  for (const row& r : table)
    line(r, rate(r.records, r.ds1, 1), rate(r.records, r.ds2, 2), rate(r.records, r.hand1, 1), rate(r.records, r.hand2, 2),
         rate(r.records, r.views, 1), rate(r.records, r.rv3, 1));
  std::printf("\nM records per CPU second: records / CPU seconds of the whole process (least of %d runs; steadier than\n"
              "the wall clock when other work shares the machine, and it counts every thread a variant keeps busy)\n",
              repetitions);
  header();
  for (const row& r : table)
    line(r, cpu_rate(r.records, r.ds1), cpu_rate(r.records, r.ds2), cpu_rate(r.records, r.hand1),
         cpu_rate(r.records, r.hand2), cpu_rate(r.records, r.views), cpu_rate(r.records, r.rv3));
  std::printf("(ds 1t, ds 2t: dstream on local[1], local[2]; hand 1t, 2t: the hand-written loop on one thread, on two;\n"
              " ds/h1: dstream on 1 thread / the hand-written loop on 1 thread; ds/h2 the same on 2 threads;\n"
              " ds/vw, ds/rv3: dstream on 1 thread / the std::views and range-v3 pipelines; above 1, dstream is faster)\n");
}

}  // namespace

int main(int argc, char** argv) {
  // Arguments, when given, choose workloads by a part of their names (`workloads_bench q5 grep`).
  const std::vector<std::pair<const char*, void (*)()>> all{
      {"grep", grep},           {"wordcount", word_count_window}, {"topkcount", top_k_count}, {"yahoo", yahoo},
      {"q0", nexmark_q0},       {"q1", nexmark_q1},               {"q2", nexmark_q2},         {"q5", nexmark_q5},
      {"q7", nexmark_q7},       {"q8", nexmark_q8}};
  try {
    auto t0 = clk::now();
    for (const auto& [name, run] : all) {
      bool chosen = argc < 2;
      for (int i = 1; i < argc; ++i) chosen = chosen || std::string_view(name).find(argv[i]) != std::string_view::npos;
      if (chosen) run();
    }
    print_table();
    std::printf("total %.1f s\n", std::chrono::duration<double>(clk::now() - t0).count());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "workloads: %s\n", e.what());
    return 1;
  }
  return 0;
}
