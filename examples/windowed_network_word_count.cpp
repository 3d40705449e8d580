// windowed_network_word_count: word counts over the last 30 seconds of lines read from a
// TCP server, every 10 seconds (the guide's WindowedNetworkWordCount.py). The window is
// incremental: each slide adds the counts of the batch entering the window and subtracts
// (with the inverse function) those of the batch leaving it.
//
//   windowed_network_word_count <hostname> <port> [--checkpoint DIR] [--seconds N]
//
// Feed it with `line_server 9999` or `nc -lk 9999`. Ctrl-C / SIGTERM stops it gracefully.

#include <chrono>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>

#include <dstream/dstream.hpp>

#include "example_support.hpp"

namespace ds = dstream;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  const example::command_line args("windowed_network_word_count",
                                   "Usage: windowed_network_word_count <hostname> <port> [--checkpoint DIR] [--seconds N]\n",
                                   argc, argv, {"--checkpoint", "--seconds"});
  args.expect_positional(2, 2);
  const std::string checkpoint =
      args.option_or("--checkpoint", (std::filesystem::temp_directory_path() / "dstream-windowed-checkpoint").string());
  const double seconds = args.run_seconds();  // 0: until a signal
  const int port = args.port(args.positional()[1]);

  try {
    ds::streaming_context ssc(ds::conf().app_name("WindowedNetworkWordCount").master("local[2]")
                                        .set("dstream.ui.enabled", "true")  // the page: examples/status_page.cpp, linked in
                                        .set("dstream.streaming.stop_gracefully_on_shutdown", "true"), 10s);  // Ctrl-C: stop gracefully
    ssc.checkpoint(checkpoint);
    auto counts = ssc.socket_text_stream(std::string(args.positional()[0]), port)
        | ds::flat_map([](const std::string& line) { return ds::split(line, ' '); })
        | ds::map([](std::string_view word) { return std::pair{word, 1}; });
    ds::dstream<std::pair<std::string, int>> pairs = counts;
    pairs | ds::reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 30s, 10s) | ds::pprint();

    ssc.start();
    std::cerr << "windowed_network_word_count: status page at " << ssc.ui_url() << '\n';
    example::run_until_stopped(ssc, seconds);
  } catch (const std::exception& e) {
    std::cerr << "windowed_network_word_count: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
