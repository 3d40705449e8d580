#pragma once
// The main of every benchmark binary: runs the benchmarks with the console reporter and
// then prints, from the same runs, how each library benchmark compares with its
// hand-written loop. A ratio compares the fastest repetition of each side (the one least
// disturbed by whatever else the machine was doing); the median is printed beside it.

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

namespace bench {

/// `numerator ÷ denominator` with a label and the target it should meet.
struct ratio {
  std::string label;
  std::string numerator;    // benchmark name, e.g. "word_count/dstream_1_thread"
  std::string denominator;  // benchmark name
  std::string target;       // e.g. "<= 1.25"
};

/// The statistic the ratios use: the fastest repetition. Add it to a benchmark with
/// `->ComputeStatistics("min", bench::fastest)`.
inline double fastest(const std::vector<double>& v) { return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end()); }

/// Keeps the real time per iteration of each benchmark (its fastest and its median
/// repetition) while the console reporter prints as usual.
class recording_reporter : public benchmark::ConsoleReporter {
 public:
  struct times {
    double fastest = -1;  // seconds
    double median = -1;   // seconds
  };

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      const std::string name = r.run_name.function_name;
      const double t = r.real_accumulated_time / static_cast<double>(r.iterations);
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "min") times_[name].fastest = t;
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "median") times_[name].median = t;
      if (r.run_type == Run::RT_Iteration && r.repetitions <= 1) times_[name] = {t, t};
    }
    ConsoleReporter::ReportRuns(runs);
  }

  /// The times of benchmark `name` (negative when it did not run).
  times of(const std::string& name) const {
    auto it = times_.find(name);
    return it == times_.end() ? times{} : it->second;
  }

 private:
  std::map<std::string, times> times_;
};

/// Runs the registered benchmarks (command-line flags as usual), then prints `ratios`.
/// The repetitions of the benchmarks are interleaved in random order, so that a change in
/// the machine's load weighs on both sides of a ratio alike (the flag can be overridden).
inline int run(int argc, char** argv, const std::vector<ratio>& ratios) {
  std::vector<char*> args(argv, argv + argc);
  char interleave[] = "--benchmark_enable_random_interleaving=true";
  args.insert(args.begin() + 1, interleave);
  argc = static_cast<int>(args.size());
  argv = args.data();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  recording_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  std::printf("\n%-34s %12s %12s %7s %7s  %s\n", "ratio (real time per run)", "fastest, ms", "fastest, ms",
              "ratio", "median", "target");
  for (const ratio& q : ratios) {
    auto a = reporter.of(q.numerator);
    auto b = reporter.of(q.denominator);
    if (a.fastest < 0 || b.fastest < 0) continue;  // filtered out
    std::printf("%-34s %12.1f %12.1f %7.3f %7.3f  %s\n", q.label.c_str(), a.fastest * 1e3, b.fastest * 1e3,
                a.fastest / b.fastest, a.median / b.median, q.target.c_str());
  }
  return 0;
}

}  // namespace bench
