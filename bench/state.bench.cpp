// Stateful streams: three figures, each measured in one run on the manual clock (no
// waiting for wall time; each batch runs as soon as the clock is advanced).
//
//  1. reduce_by_key_and_window(+, -, W, 1 s) with W = 10 s and W = 300 s over the same
//     input: per-batch time in steady state, ratio 300 s ÷ 10 s (target <= 1.2: the
//     incremental window costs what enters and leaves, not its length).
//  2. map_with_state with 1 M keys in state and 10 k keys a batch ÷ update_state_by_key on
//     the same data (target <= 5 %: one touches the batch's keys, the other every key).
//  3. Checkpoint cost: writing 1 M keys of (string, int64) state, in MB/s.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include <dstream/dstream.hpp>

namespace ds = dstream;
using namespace std::chrono_literals;
using clk = std::chrono::steady_clock;
using kv = std::pair<std::int64_t, std::int64_t>;

namespace {

std::string temp_dir(const char* name) {
  auto p = std::filesystem::temp_directory_path() / (std::string(name) + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

ds::conf manual(const std::string& master) {
  return ds::conf().master(master).set("dstream.streaming.clock", "manual").set("dstream.checkpoint.interval", "1000000s");
}

// Runs `batches` batches of `build`'s graph fed from `input(b)`; returns seconds per batch
// over the last `measured` batches.
template <class Build, class Input>
double per_batch(std::size_t batches, std::size_t measured, Build build, Input input) {
  const std::string dir = temp_dir("dstream-state-bench");
  ds::streaming_context ssc(manual("local[2]"), 1s);
  ssc.checkpoint(dir);
  ds::rdd_queue<kv> q;
  for (std::size_t b = 0; b < batches; ++b) q.push(ssc.context().make_rdd(input(b)));
  build(ssc, ssc.queue_stream(q));
  ssc.start();
  double total = 0;
  for (std::size_t b = 0; b < batches; ++b) {
    auto t0 = clk::now();
    ssc.test_clock()->advance(1000);
    ssc.wait_for_batch(ds::batch_time(static_cast<std::int64_t>(b + 1) * 1000), 600s);
    if (b >= batches - measured) total += std::chrono::duration<double>(clk::now() - t0).count();
  }
  ssc.stop();
  std::filesystem::remove_all(dir);
  return total / static_cast<double>(measured);
}

std::vector<std::vector<kv>> spread(std::size_t n, std::size_t keys, std::size_t salt) {
  std::vector<std::vector<kv>> parts(2);
  for (std::size_t i = 0; i < n; ++i)
    parts[i % 2].emplace_back(static_cast<std::int64_t>((i * 7919 + salt * 104729) % keys), 1);
  return parts;
}

}  // namespace

int main() {
  // 1. Windows.
  auto window_run = [](std::chrono::seconds w) {
    return per_batch(
        320, 20,
        [w](ds::streaming_context&, ds::dstream<kv> s) {
          s | ds::reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, w, 1s) |
              ds::foreach_rdd([](ds::rdd<kv>& r) { (void)r.size(); });
        },
        [](std::size_t b) { return spread(20000, 10000, b); });
  };
  double w10 = window_run(10s);
  double w300 = window_run(300s);
  std::printf("reduce_by_key_and_window(+, -, W, 1s), 20 k records / 10 k keys a batch, steady state\n");
  std::printf("  W = 10 s : %8.3f ms a batch\n  W = 300 s: %8.3f ms a batch\n  ratio 300 s / 10 s: %.3f (target <= 1.2)\n\n",
              w10 * 1e3, w300 * 1e3, w300 / w10);

  // 2. State: 1 M keys, 10 k keys a batch.
  constexpr std::size_t keys = 1000000;
  auto initial = [](ds::streaming_context& ssc) {
    std::vector<std::vector<kv>> parts(2);
    for (std::size_t k = 0; k < keys; ++k) parts[k % 2].emplace_back(static_cast<std::int64_t>(k), 0);
    return ssc.context().make_rdd(std::move(parts));
  };
  auto batch_of = [](std::size_t b) {
    std::vector<std::vector<kv>> parts(2);
    for (std::size_t i = 0; i < 10000; ++i)
      parts[i % 2].emplace_back(static_cast<std::int64_t>((i * 97 + b * 10007) % keys), 1);
    return parts;
  };
  double mws = per_batch(
      13, 10,
      [&](ds::streaming_context& ssc, ds::dstream<kv> s) {
        auto spec = ds::state_spec([](const std::int64_t&, std::optional<std::int64_t> v, ds::keyed_state<std::int64_t>& st) {
                      std::int64_t n = (st.exists() ? st.get() : 0) + v.value_or(0);
                      st.update(n);
                      return n;
                    }).initial_state(initial(ssc));
        s | ds::map_with_state(spec) | ds::foreach_rdd([](ds::rdd<std::int64_t>& r) { (void)r.size(); });
      },
      batch_of);
  double usbk = per_batch(
      13, 10,
      [&](ds::streaming_context& ssc, ds::dstream<kv> s) {
        s | ds::update_state_by_key(
                [](std::span<const std::int64_t> vs, std::optional<std::int64_t> st) {
                  return std::optional<std::int64_t>(st.value_or(0) + std::accumulate(vs.begin(), vs.end(), std::int64_t(0)));
                },
                initial(ssc)) |
            ds::foreach_rdd([](ds::rdd<kv>& r) { (void)r.size(); });
      },
      batch_of);
  std::printf("state of 1 M keys, 10 k keys a batch (local[2])\n");
  std::printf("  map_with_state     : %9.3f ms a batch\n  update_state_by_key: %9.3f ms a batch\n  ratio: %.2f %% (target <= 5 %%)\n\n",
              mws * 1e3, usbk * 1e3, 100 * mws / usbk);

  // 3. Checkpoint write of 1 M (string, int64) keys.
  std::vector<ds::detail::key_map<std::string, std::int64_t>> state(2);
  for (std::size_t k = 0; k < keys; ++k) state[k % 2].emplace("word-" + std::to_string(k), static_cast<std::int64_t>(k));
  const std::string dir = temp_dir("dstream-checkpoint-bench");
  double best = 1e9;
  std::size_t bytes = 0;
  for (int rep = 0; rep < 3; ++rep) {
    auto t0 = clk::now();
    ds::detail::checkpoint_data d;
    d.time_ms = 1000 * (rep + 1);
    d.batch_ms = 1000;
    d.states["totals"] = ds::serialize(state);
    bytes = d.states["totals"].size();
    ds::detail::write_checkpoint(dir, d);
    best = std::min(best, std::chrono::duration<double>(clk::now() - t0).count());
  }
  std::filesystem::remove_all(dir);
  std::printf("checkpoint of 1 M (string, int64) keys: %.1f MB in %.1f ms (best of 3, fsync included): %.0f MB/s\n",
              bytes / 1e6, best * 1e3, bytes / 1e6 / best);
  return 0;
}
