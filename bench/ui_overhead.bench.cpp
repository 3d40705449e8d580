// ui_overhead: what the status page costs a batch.
//
// 1. The listener alone: the four hooks the status page runs per batch (submitted, started,
//    one output completed, completed), called back to back with 1000 batches retained,
//    while another thread renders /metrics every 100 ms and the page every second.
// 2. End to end: empty 1 ms batches (queue_stream, one foreach_rdd) on the system clock,
//    first with the UI off, then on with a client fetching /metrics every 100 ms over
//    HTTP; per batch: processing time (started -> completed, as listeners see it, the
//    status page's hooks included) and the process's CPU time.
//
//   ui_overhead_bench [seconds per end-to-end run = 5]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <dstream/dstream.hpp>
#include <dstream/ui.hpp>

namespace ds = dstream;
using namespace std::chrono_literals;

namespace {

using steady = std::chrono::steady_clock;

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/// Fetches http://127.0.0.1:port/metrics every 100 ms until stopped; counts the answers.
class poller {
 public:
  explicit poller(unsigned short port) : thread_([this, port] { run(port); }) {}
  ~poller() {
    stop_ = true;
    thread_.join();
  }
  int fetched() const { return fetched_; }

 private:
  void run(unsigned short port) {
    namespace http = boost::beast::http;
    while (!stop_) {
      try {
        boost::asio::io_context ioc;
        boost::beast::tcp_stream s(ioc);
        s.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
        http::request<http::empty_body> req(http::verb::get, "/metrics", 11);
        req.set(http::field::host, "127.0.0.1");
        http::write(s, req);
        boost::beast::flat_buffer buf;
        http::response<http::string_body> res;
        http::read(s, buf, res);
        if (res.result_int() == 200) ++fetched_;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(100ms);
    }
  }
  std::atomic<bool> stop_{false};
  std::atomic<int> fetched_{0};
  std::thread thread_;
};

class timing_listener final : public ds::streaming_listener {
 public:
  void on_batch_started(const ds::batch_info&) override { started_ = steady::now(); }
  void on_batch_completed(const ds::batch_info&) override {
    if (started_ == steady::time_point()) return;  // added between this batch's start and end
    const double us = std::chrono::duration<double, std::micro>(steady::now() - started_).count();
    std::lock_guard lock(m_);
    us_.push_back(us);
  }
  std::vector<double> samples() {
    std::lock_guard lock(m_);
    return us_;
  }

 private:
  steady::time_point started_;
  std::mutex m_;
  std::vector<double> us_;
};

struct run_result {
  std::size_t batches = 0;
  double mean_us = 0, p50_us = 0, p99_us = 0, cpu_us_per_batch = 0;
  int fetched = 0;
};

run_result end_to_end(bool ui, double seconds) {
  auto c = ds::conf().app_name("ui overhead").master("local[2]");
  if (ui) c.set("dstream.ui.enabled", "true").set("dstream.ui.port", "0");
  timing_listener timing;
  run_result r;
  double cpu = 0;
  {
    ds::streaming_context ssc(c, 1ms);
    ds::rdd_queue<int> queue;
    std::int64_t records = 0;
    ssc.queue_stream(queue) |
        ds::foreach_rdd([&records](ds::rdd<int>& x) { records += static_cast<std::int64_t>(x | ds::count()); });
    ssc.start();
    // Added after start: it then hears each event after the status page's listener, so
    // "started -> completed" includes the page's hooks for that batch.
    ssc.add_listener(timing);
    std::unique_ptr<poller> p;
    if (ui) {
      const std::string url = ssc.ui_url();
      p = std::make_unique<poller>(static_cast<unsigned short>(std::stoi(url.substr(url.rfind(':') + 1))));
    }
    const double cpu0 = cpu_seconds();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    cpu = cpu_seconds() - cpu0;
    if (p) r.fetched = p->fetched();
    p.reset();
    ssc.stop(true, false);
  }
  auto v = timing.samples();
  std::sort(v.begin(), v.end());
  r.batches = v.size();
  if (v.empty()) return r;
  double sum = 0;
  for (double x : v) sum += x;
  r.mean_us = sum / static_cast<double>(v.size());
  r.p50_us = v[v.size() / 2];
  r.p99_us = v[std::min(v.size() - 1, v.size() * 99 / 100)];
  r.cpu_us_per_batch = cpu * 1e6 / static_cast<double>(v.size());
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 5.0;

  // 1. The listener's hooks alone.
  {
    ds::detail::ui_status status("bench", 1ms, 1000);
    std::atomic<bool> stop{false};
    std::atomic<int> renders{0};
    std::thread reader([&] {
      int i = 0;
      while (!stop) {
        auto s = status.snapshot();
        std::string text = ds::detail::ui_metrics(s);
        if (++i % 10 == 0) text += ds::detail::ui_page(s);
        ++renders;
        std::this_thread::sleep_for(100ms);
      }
    });
    const int n = 1'000'000;
    ds::batch_info b;
    ds::output_operation_info o;
    o.name = "foreach_rdd";
    const auto t0 = steady::now();
    for (int i = 1; i <= n; ++i) {
      b.time = ds::batch_time(i);
      b.num_records = i % 7;
      b.stream_records = {};
      if (b.num_records) b.stream_records[0] = b.num_records;
      b.scheduling_delay = ds::duration(0);
      status.on_batch_submitted(b);
      status.on_batch_started(b);
      o.time = b.time;
      o.duration_taken = ds::duration(0);
      status.on_output_operation_completed(o);
      b.processing_delay = ds::duration(0);
      b.total_delay = ds::duration(0);
      status.on_batch_completed(b);
    }
    const double ns = std::chrono::duration<double, std::nano>(steady::now() - t0).count() / n;
    stop = true;
    reader.join();
    std::printf("ui_overhead: the status page's listener, %d batches, 1000 retained, rendering every 100 ms (%d renders)\n",
                n, renders.load());
    std::printf("  hooks per batch       %.0f ns (submitted + started + output completed + completed)\n", ns);
  }

  // 2. End to end.
  const auto off = end_to_end(false, seconds);
  const auto on = end_to_end(true, seconds);
  std::printf("ui_overhead: empty 1 ms batches, %.1f s each, local[2]\n", seconds);
  std::printf("  ui off                %zu batches, processing mean %.1f us (p50 %.1f, p99 %.1f), CPU %.1f us/batch\n",
              off.batches, off.mean_us, off.p50_us, off.p99_us, off.cpu_us_per_batch);
  std::printf("  ui on, /metrics/100ms %zu batches, processing mean %.1f us (p50 %.1f, p99 %.1f), CPU %.1f us/batch, "
              "%d scrapes\n",
              on.batches, on.mean_us, on.p50_us, on.p99_us, on.cpu_us_per_batch, on.fetched);
  std::printf("  difference            processing mean %+.2f us, p50 %+.2f us, CPU %+.2f us a batch (target: < 1 us)\n",
              on.mean_us - off.mean_us, on.p50_us - off.p50_us, on.cpu_us_per_batch - off.cpu_us_per_batch);
  return 0;
}
