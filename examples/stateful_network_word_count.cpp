// stateful_network_word_count: running word totals of the lines read from a TCP server,
// kept across batches with update_state_by_key from the initial state (hello,1),
// (world,1); printed every second and saved as text files (the guide's
// NetworkWordCountStateful.py). With a checkpoint directory it survives a crash: start it
// again with the same directory and the totals continue where the last checkpoint left them.
//
//   stateful_network_word_count <hostname> <port> [--checkpoint DIR] [--output PREFIX] [--seconds N]
//
// Feed it with `line_server 9999` or `nc -lk 9999`. Ctrl-C / SIGTERM stops it gracefully.

#include <charconv>
#include <chrono>
#include <csignal>
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

namespace ds = dstream;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view usage =
    "Usage: stateful_network_word_count <hostname> <port> [--checkpoint DIR] [--output PREFIX] [--seconds N]\n";

volatile std::sig_atomic_t stop_requested = 0;
extern "C" void on_signal(int) { stop_requested = 1; }

template <class N>
bool parse_number(std::string_view s, N& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::optional<int> add_counts(std::span<const int> new_values, std::optional<int> last_sum) {
  return std::accumulate(new_values.begin(), new_values.end(), 0) + last_sum.value_or(0);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args;
  const auto tmp = std::filesystem::temp_directory_path();
  std::string checkpoint = (tmp / "dstream-stateful-checkpoint").string();
  std::string output = (tmp / "dstream-stateful" / "output").string();
  double seconds = 0;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--checkpoint" && i + 1 < argc) {
      checkpoint = argv[++i];
    } else if (a == "--output" && i + 1 < argc) {
      output = argv[++i];
    } else if (a == "--seconds") {
      if (i + 1 >= argc || !parse_number(std::string_view(argv[i + 1]), seconds) || seconds <= 0) {
        std::cerr << "stateful_network_word_count: --seconds needs a number of seconds > 0\n" << usage;
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
    std::cerr << "stateful_network_word_count: port '" << args[1] << "' is not a number in 1..65535\n";
    return 1;
  }
  const std::string host(args[0]);

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  try {
    auto ssc = ds::streaming_context::get_or_create(checkpoint, [&] {
      ds::streaming_context s(ds::conf().app_name("StatefulNetworkWordCount").master("local[2]"), 1s);
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
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!ssc.await_termination_or_timeout(100ms)) {
      if (stop_requested || (seconds > 0 && std::chrono::steady_clock::now() >= deadline)) ssc.stop(true, true);
    }
  } catch (const std::exception& e) {
    std::cerr << "stateful_network_word_count: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
