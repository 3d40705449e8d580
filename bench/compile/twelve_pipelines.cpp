// Twelve small pipelines in one file (issue 14's compile-time case): word counts, filters,
// joins, windows and state on a manual-clock streaming context. Compiled, never run, by
// bench/compile_time.py, beside twelve_pipelines_plain.cpp (the same jobs without dstream).

#include <chrono>
#include <functional>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <dstream/dstream.hpp>

namespace ds = dstream;
using namespace std::chrono_literals;

int main() {
  ds::streaming_context ssc(ds::conf().master("local[2]").set("dstream.streaming.clock", "manual"), 1s);
  ssc.checkpoint("/tmp/dstream-compile-bench");
  ds::rdd_queue<std::string> q;
  auto lines = ssc.queue_stream(q);
  auto words = lines | ds::flat_map(ds::words);
  auto pairs = words | ds::map([](std::string_view w) { return std::pair{std::string(w), 1}; });
  pairs | ds::reduce_by_key(std::plus<>{}) | ds::pprint;                                          // 1
  words | ds::filter([](std::string_view w) { return w.size() > 3; }) | ds::count() | ds::pprint; // 2
  lines | ds::map([](const std::string& l) { return l.size(); }) | ds::reduce(std::plus<>{}) | ds::pprint;  // 3
  pairs | ds::group_by_key() | ds::map_values([](const std::vector<int>& v) { return v.size(); }) | ds::pprint;  // 4
  pairs | ds::join(pairs) | ds::count() | ds::pprint;                                            // 5
  pairs | ds::reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 10s, 1s) | ds::pprint;    // 6
  pairs | ds::update_state_by_key([](std::span<const int> vs, std::optional<int> s) {
    return std::optional<int>(s.value_or(0) + std::accumulate(vs.begin(), vs.end(), 0));
  }) | ds::pprint;                                                                              // 7
  words | ds::count_by_value() | ds::pprint;                                                     // 8
  pairs | ds::key_by([](const auto& p) { return p.second; }) | ds::count() | ds::pprint;        // 9
  lines | ds::window(5s, 1s) | ds::count() | ds::pprint;                                        // 10
  words | ds::map([](std::string_view w) { return std::string(w); }) | ds::distinct() | ds::count() | ds::pprint;  // 11
  pairs | ds::flat_map_values([](int v) { return std::vector<int>(static_cast<std::size_t>(v), v); }) | ds::pprint;  // 12
  ssc.start();
  ssc.stop();
}
