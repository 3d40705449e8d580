// batch_overhead: what one batch costs the runtime when there is nothing to process.
//
// A queue_stream with an empty queue, one foreach_rdd output (counting the empty rdd),
// a 1 ms batch interval, run for 10 s on the system clock. A listener takes steady-clock
// timestamps at each batch's submission, start and completion, so the figures have
// microsecond resolution (batch_info's delays are whole milliseconds; their maxima are
// printed too). Reported:
//   - batches run (ideally 10,000),
//   - processing time per batch (start -> completed): mean, p50, p99, max; target mean < 50 µs,
//   - scheduling delay (submitted -> started) and lag behind the batch time (batch time ->
//     started, wall clock) in the first and in the last second: equal when nothing drifts,
//   - CPU time the process used.
//
//   batch_overhead_bench [seconds = 10] [master = local[2]]

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include <dstream/dstream.hpp>

namespace ds = dstream;
using namespace std::chrono_literals;

namespace {

using steady = std::chrono::steady_clock;

double micros(steady::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct sample {
  std::int64_t batch_ms = 0;
  double scheduling_us = 0;  // submitted -> started
  double processing_us = 0;  // started -> completed
  double lag_us = 0;         // batch time -> started (wall clock)
};

class timing_listener final : public ds::streaming_listener {
 public:
  void on_batch_submitted(const ds::batch_info& b) override {
    std::lock_guard lock(m_);
    submitted_[b.time.milliseconds()] = steady::now();
  }
  void on_batch_started(const ds::batch_info& b) override {
    auto now = steady::now();
    auto wall = wall_us();
    std::lock_guard lock(m_);
    started_ = now;
    started_lag_us_ = static_cast<double>(wall - b.time.milliseconds() * 1000);
    auto it = submitted_.find(b.time.milliseconds());
    started_sched_us_ = it == submitted_.end() ? 0 : micros(now - it->second);
    if (it != submitted_.end()) submitted_.erase(it);
  }
  void on_batch_completed(const ds::batch_info& b) override {
    auto now = steady::now();
    std::lock_guard lock(m_);
    samples_.push_back(sample{b.time.milliseconds(), started_sched_us_, micros(now - started_), started_lag_us_});
    if (b.processing_delay) max_reported_processing_ms_ = std::max(max_reported_processing_ms_, b.processing_delay->count());
    if (b.scheduling_delay) max_reported_scheduling_ms_ = std::max(max_reported_scheduling_ms_, b.scheduling_delay->count());
  }

  std::vector<sample> samples() {
    std::lock_guard lock(m_);
    return samples_;
  }
  std::int64_t max_reported_processing_ms() {
    std::lock_guard lock(m_);
    return max_reported_processing_ms_;
  }
  std::int64_t max_reported_scheduling_ms() {
    std::lock_guard lock(m_);
    return max_reported_scheduling_ms_;
  }

 private:
  std::mutex m_;
  std::map<std::int64_t, steady::time_point> submitted_;
  steady::time_point started_;
  double started_sched_us_ = 0;
  double started_lag_us_ = 0;
  std::vector<sample> samples_;
  std::int64_t max_reported_processing_ms_ = 0;
  std::int64_t max_reported_scheduling_ms_ = 0;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

double mean(const std::vector<double>& v) {
  if (v.empty()) return 0;
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 10.0;
  const std::string master = argc > 2 ? argv[2] : "local[2]";
  if (seconds <= 0) {
    std::fprintf(stderr, "usage: batch_overhead_bench [seconds = 10] [master = local[2]]\n");
    return 1;
  }

  timing_listener listener;
  std::int64_t records = 0;
  double cpu_before = 0, cpu_after = 0;
  {
    ds::streaming_context ssc(ds::conf().app_name("batch overhead").master(master), 1ms);
    ds::rdd_queue<int> queue;  // stays empty
    ds::dstream<int> s = ssc.queue_stream(queue);
    s | ds::foreach_rdd([&records](ds::rdd<int>& r) { records += static_cast<std::int64_t>(r | ds::count()); });
    ssc.add_listener(listener);

    cpu_before = cpu_seconds();
    ssc.start();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    ssc.stop(true, false);
    cpu_after = cpu_seconds();
  }

  auto all = listener.samples();
  std::vector<double> processing, sched_first, sched_last, lag_first, lag_last;
  if (all.empty()) {
    std::printf("no batch ran\n");
    return 1;
  }
  const std::int64_t t0 = all.front().batch_ms, t1 = all.back().batch_ms;
  for (const auto& s : all) {
    processing.push_back(s.processing_us);
    if (s.batch_ms < t0 + 1000) {
      sched_first.push_back(s.scheduling_us);
      lag_first.push_back(s.lag_us);
    }
    if (s.batch_ms > t1 - 1000) {
      sched_last.push_back(s.scheduling_us);
      lag_last.push_back(s.lag_us);
    }
  }
  // Batch times are consecutive multiples of 1 ms: a gap would be a skipped batch.
  std::int64_t gaps = 0;
  for (std::size_t i = 1; i < all.size(); ++i) gaps += all[i].batch_ms - all[i - 1].batch_ms != 1;

  const double expected = seconds * 1000;
  const double mean_processing = mean(processing);
  std::printf("batch_overhead: queue_stream (empty), foreach_rdd(count), 1 ms batches, %.1f s, %s\n", seconds,
              master.c_str());
  std::printf("  batches run           %zu (%.0f expected), %lld gaps in batch times, %lld records\n", all.size(),
              expected, static_cast<long long>(gaps), static_cast<long long>(records));
  std::printf("  processing per batch  mean %.1f us, p50 %.1f us, p99 %.1f us, max %.1f us  (target: mean < 50 us: %s)\n",
              mean_processing, percentile(processing, 0.5), percentile(processing, 0.99),
              percentile(processing, 1.0), mean_processing < 50 ? "met" : "NOT met");
  std::printf("  scheduling delay      first second mean %.1f us (p99 %.1f), last second mean %.1f us (p99 %.1f)\n",
              mean(sched_first), percentile(sched_first, 0.99), mean(sched_last), percentile(sched_last, 0.99));
  std::printf("  lag behind batch time first second mean %.1f us, last second mean %.1f us (%s)\n", mean(lag_first),
              mean(lag_last),
              mean(lag_last) < mean(lag_first) + 1000 ? "no drift" : "DRIFTS: the generator falls behind");
  std::printf("  batch_info maxima     processing_delay %lld ms, scheduling_delay %lld ms\n",
              static_cast<long long>(listener.max_reported_processing_ms()),
              static_cast<long long>(listener.max_reported_scheduling_ms()));
  std::printf("  CPU time              %.2f s in %.1f s (%.0f %% of one core)\n", cpu_after - cpu_before, seconds,
              100 * (cpu_after - cpu_before) / seconds);
  return 0;
}
