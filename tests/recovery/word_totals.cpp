// The program the crash test kills and restarts: word totals over the files moved into a
// directory, kept with update_state_by_key and recovered with get_or_create. After each
// batch it writes the whole state to <result> (atomically), one "word count" a line.
//
// usage: word_totals <checkpoint dir> <input dir> <result file> [batch ms]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <dstream/dstream.hpp>

namespace ds = dstream;

namespace {
std::atomic<bool> stop_requested{false};
void on_signal(int) { stop_requested = true; }
}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: word_totals <checkpoint dir> <input dir> <result file> [batch ms]\n";
    return 1;
  }
  const std::string checkpoint = argv[1], input = argv[2], result = argv[3];
  const auto batch = std::chrono::milliseconds(argc > 4 ? std::stoll(argv[4]) : 100);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  auto ssc = ds::streaming_context::get_or_create(checkpoint, [&] {
    ds::streaming_context s(ds::conf().app_name("word totals").master("local[2]").set(
                                "dstream.checkpoint.interval", std::to_string(batch.count()) + "ms"),
                            batch);
    s.checkpoint(checkpoint);
    auto totals = s.text_file_stream(input) | ds::flat_map([](const std::string& l) { return ds::split(l, ' '); }) |
                  ds::filter([](std::string_view w) { return !w.empty(); }) |
                  ds::map([](std::string_view w) { return std::pair{w, std::int64_t(1)}; }) |
                  ds::update_state_by_key([](std::span<const std::int64_t> vs, std::optional<std::int64_t> s) {
                    return std::optional<std::int64_t>(s.value_or(0) + std::accumulate(vs.begin(), vs.end(), std::int64_t(0)));
                  }) |
                  ds::named("totals");
    totals | ds::foreach_rdd([result](ds::rdd<std::pair<std::string, std::int64_t>>& r) {
      auto all = r | ds::collect();
      std::sort(all.begin(), all.end());
      const std::string tmp = result + ".tmp";
      {
        std::ofstream out(tmp);
        for (auto& [w, n] : all) out << w << ' ' << n << '\n';
      }
      std::filesystem::rename(tmp, result);
    });
    return s;
  });
  std::cerr << (ssc.recovered() ? "recovered from " : "fresh start in ") << checkpoint << '\n';
  ssc.start();
  while (!stop_requested) {
    if (ssc.await_termination_or_timeout(std::chrono::milliseconds(50))) return 0;
  }
  ssc.stop(true, true);
  return 0;
}
