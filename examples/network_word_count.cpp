// network_word_count: counts the words of the lines read from a TCP server in 1 second
// batches and prints each batch's counts (the guide's NetworkWordCount.py).
//
//   network_word_count <hostname> <port> [--seconds N]
//
// Feed it with `nc -lk 9999` (type lines) or with `line_server 9999`. It runs until
// Ctrl-C / SIGTERM (or N seconds with --seconds), then stops gracefully: the lines already
// received are counted before it exits. When the server is not there (yet) or goes away,
// the receiver keeps trying to connect and says so on stderr.

#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <exception>
#include <functional>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <netdb.h>
#include <sys/socket.h>

#include <dstream/dstream.hpp>

namespace ds = dstream;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view usage = "Usage: network_word_count <hostname> <port> [--seconds N]\n";

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
  double seconds = 0;  // 0: until a signal
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--seconds") {
      if (i + 1 >= argc || !parse_number(std::string_view(argv[i + 1]), seconds) || seconds <= 0) {
        std::cerr << "network_word_count: --seconds needs a number of seconds > 0\n" << usage;
        return 1;
      }
      ++i;
    } else if (a == "-h" || a == "--help") {
      std::cout << usage;
      return 0;
    } else {
      args.push_back(a);
    }
  }
  if (args.size() != 2) {
    std::cerr << usage;
    return 1;
  }
  const std::string host(args[0]);
  int port = 0;
  if (!parse_number(args[1], port) || port < 1 || port > 65535) {
    std::cerr << "network_word_count: port '" << args[1] << "' is not a number in 1..65535\n";
    return 1;
  }
  // An unknown host is a mistake on the command line, not a server that is not up yet.
  {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res); rc != 0) {
      std::cerr << "network_word_count: unknown host '" << host << "': " << ::gai_strerror(rc) << '\n';
      return 1;
    }
    ::freeaddrinfo(res);
  }

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  try {
    // local[2]: the receiver reads on a thread of its own, the batches run on the pool.
    ds::streaming_context ssc(ds::conf().app_name("NetworkWordCount").master("local[2]"), 1s);
    ds::dstream<std::string> lines = ssc.socket_text_stream(host, port);

    auto counts = lines
        | ds::flat_map([](const std::string& line) { return ds::split(line, ' '); })
        | ds::map([](std::string_view word) { return std::pair{word, 1}; })
        | ds::reduce_by_key(std::plus<>{});
    counts | ds::pprint();

    ssc.start();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!ssc.await_termination_or_timeout(100ms)) {
      if (stop_requested || (seconds > 0 && std::chrono::steady_clock::now() >= deadline)) {
        std::cerr << "network_word_count: stopping (the lines received so far are counted first)\n";
        ssc.stop(true, true);
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "network_word_count: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
