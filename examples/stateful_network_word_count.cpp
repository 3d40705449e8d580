// stateful_network_word_count: running word totals of the lines read from a TCP server,
// kept across batches with update_state_by_key from the initial state (hello,1),
// (world,1); printed every second and saved as text files (the guide's
// NetworkWordCountStateful.py). With a checkpoint directory it survives a crash: start it
// again with the same directory and the totals continue where the last checkpoint left them.
//
//   stateful_network_word_count <hostname> <port> [--checkpoint DIR] [--output PREFIX] [--seconds N]
//
// Feed it with `line_server 9999` or `nc -lk 9999`. Ctrl-C / SIGTERM stops it gracefully.

#include <chrono>
#include <exception>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <dstream/dstream.hpp>

#include "example_support.hpp"

namespace ds = dstream;
using namespace std::chrono_literals;

namespace {

std::optional<int> add_counts(std::span<const int> new_values, std::optional<int> last_sum) {
  return std::accumulate(new_values.begin(), new_values.end(), 0) + last_sum.value_or(0);
}

}  // namespace

int main(int argc, char** argv) {
  const example::command_line args(
      "stateful_network_word_count",
      "Usage: stateful_network_word_count <hostname> <port> [--checkpoint DIR] [--output PREFIX] [--seconds N]\n", argc,
      argv, {"--checkpoint", "--output", "--seconds"});
  args.expect_positional(2, 2);
  const auto tmp = std::filesystem::temp_directory_path();
  const std::string checkpoint = args.option_or("--checkpoint", (tmp / "dstream-stateful-checkpoint").string());
  const std::string output = args.option_or("--output", (tmp / "dstream-stateful" / "output").string());
  const double seconds = args.run_seconds();  // 0: until a signal
  const std::string host(args.positional()[0]);
  const int port = args.port(args.positional()[1]);

  try {
    auto ssc = ds::streaming_context::get_or_create(checkpoint, [&] {
      ds::streaming_context s(ds::conf().app_name("StatefulNetworkWordCount").master("local[2]")
                                        .set("dstream.ui.enabled", "true")  // the page: examples/status_page.cpp, linked in
                                        .set("dstream.streaming.stop_gracefully_on_shutdown", "true"), 1s);  // Ctrl-C: stop gracefully
      s.checkpoint(checkpoint);
      auto initial = s.context().parallelize(std::vector<std::pair<std::string, int>>{{"hello", 1}, {"world", 1}});
      auto running_counts = s.socket_text_stream(host, port)
          | ds::flat_map([](const std::string& line) { return ds::split(line, ' '); })
          | ds::map([](std::string_view word) { return std::pair{word, 1}; })
          | ds::update_state_by_key(add_counts, initial)
          | ds::named("running_counts");
      running_counts | ds::save_as_text_files(output);
      running_counts | ds::pprint();
      return s;
    });
    if (ssc.recovered()) std::cerr << "stateful_network_word_count: recovered from " << checkpoint << '\n';
    ssc.start();
    std::cerr << "stateful_network_word_count: status page at " << ssc.ui_url() << '\n';
    example::run_until_stopped(ssc, seconds);
  } catch (const std::exception& e) {
    std::cerr << "stateful_network_word_count: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
