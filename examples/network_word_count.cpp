// network_word_count: counts the words of the lines read from a TCP server in 1 second
// batches and prints each batch's counts (the guide's NetworkWordCount.py).
//
//   network_word_count <hostname> <port> [--seconds N]
//
// Feed it with `nc -lk 9999` (type lines) or with `line_server 9999`. It runs until
// Ctrl-C / SIGTERM (or N seconds with --seconds), then stops gracefully: the lines already
// received are counted before it exits. When the server is not there (yet) or goes away,
// the receiver keeps trying to connect and says so on stderr.

#include <chrono>
#include <exception>
#include <functional>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>

#include <netdb.h>
#include <sys/socket.h>

#include <dstream/dstream.hpp>

#include "example_support.hpp"

namespace ds = dstream;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  const example::command_line args("network_word_count", "Usage: network_word_count <hostname> <port> [--seconds N]\n",
                                   argc, argv, {"--seconds"});
  args.expect_positional(2, 2);
  const double seconds = args.run_seconds();  // 0: until a signal
  const std::string host(args.positional()[0]);
  const int port = args.port(args.positional()[1]);
  // An unknown host is a mistake on the command line, not a server that is not up yet.
  {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res); rc != 0)
      args.fail("unknown host '" + host + "': " + ::gai_strerror(rc));
    ::freeaddrinfo(res);
  }

  try {
    // local[2]: the receiver reads on a thread of its own, the batches run on the pool.
    ds::streaming_context ssc(ds::conf().app_name("NetworkWordCount").master("local[2]")
                                        .set("dstream.ui.enabled", "true")  // the page: examples/status_page.cpp, linked in
                                        .set("dstream.streaming.stop_gracefully_on_shutdown", "true"), 1s);  // Ctrl-C: stop gracefully
    ds::dstream<std::string> lines = ssc.socket_text_stream(host, port);

    auto counts = lines
        | ds::flat_map([](const std::string& line) { return ds::split(line, ' '); })
        | ds::map([](std::string_view word) { return std::pair{word, 1}; })
        | ds::reduce_by_key(std::plus<>{});
    counts | ds::pprint();

    ssc.start();
    std::cerr << "network_word_count: status page at " << ssc.ui_url() << '\n';
    example::run_until_stopped(ssc, seconds);
    std::cerr << "network_word_count: stopped (the lines received were counted first)\n";
  } catch (const std::exception& e) {
    std::cerr << "network_word_count: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
