// windowed_network_word_count: word counts over the last 30 seconds of lines read from a
// TCP server, every 10 seconds (the guide's WindowedNetworkWordCount.py). The window is
// incremental: each slide adds the counts of the batch entering the window and subtracts
// (with the inverse function) those of the batch leaving it.
//
//   windowed_network_word_count <hostname> <port> [--checkpoint DIR] [--seconds N]
//
// Feed it with `line_server 9999` or `nc -lk 9999`. Ctrl-C / SIGTERM stops it gracefully.

#include <charconv>
#include <chrono>
#include <csignal>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <dstream/dstream.hpp>

namespace ds = dstream;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view usage =
    "Usage: windowed_network_word_count <hostname> <port> [--checkpoint DIR] [--seconds N]\n";

volatile std::sig_atomic_t stop_requested = 0;
extern "C" void on_signal(int) { stop_requested = 1; }

template <class N>
bool parse_number(std::string_view s, N& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args;
  std::string checkpoint = (std::filesystem::temp_directory_path() / "dstream-windowed-checkpoint").string();
  double seconds = 0;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--checkpoint" && i + 1 < argc) {
      checkpoint = argv[++i];
    } else if (a == "--seconds") {
      if (i + 1 >= argc || !parse_number(std::string_view(argv[i + 1]), seconds) || seconds <= 0) {
        std::cerr << "windowed_network_word_count: --seconds needs a number of seconds > 0\n" << usage;
        return 1;
      }
      ++i;
    } else {
      args.push_back(a);
    }
  }
  int port = 0;
  if (args.size() != 2) {
    std::cerr << usage;
    return 1;
  }
  if (!parse_number(args[1], port) || port < 1 || port > 65535) {
    std::cerr << "windowed_network_word_count: port '" << args[1] << "' is not a number in 1..65535\n";
    return 1;
  }

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  try {
    ds::streaming_context ssc(ds::conf().app_name("WindowedNetworkWordCount").master("local[2]"), 10s);
    ssc.checkpoint(checkpoint);
    auto counts = ssc.socket_text_stream(std::string(args[0]), port)
        | ds::flat_map([](const std::string& line) { return ds::split(line, ' '); })
        | ds::map([](std::string_view word) { return std::pair{word, 1}; });
    ds::dstream<std::pair<std::string, int>> pairs = counts;
    pairs | ds::reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 30s, 10s) | ds::pprint();

    ssc.start();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!ssc.await_termination_or_timeout(100ms)) {
      if (stop_requested || (seconds > 0 && std::chrono::steady_clock::now() >= deadline)) ssc.stop(true, true);
    }
  } catch (const std::exception& e) {
    std::cerr << "windowed_network_word_count: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
