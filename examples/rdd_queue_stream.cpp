// rdd_queue_stream: a stream fed from a queue of rdds (the guide's RDDQueueStream.py).
// Every second one rdd of the numbers 1..1000 (10 partitions) is pushed into the queue;
// every 2 seconds a batch takes one rdd from it, maps each x to (x % 10, 1), adds up the
// ones per key and prints the result. After a fixed time (12 s by default) the stream is
// stopped gracefully.
//
//   rdd_queue_stream [--seconds N] [--rdds N]
//
//   --seconds N  how long to run (default 12)
//   --rdds N     how many rdds to push, one per second (default 5, as the guide)

#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <exception>
#include <functional>
#include <iostream>
#include <numeric>
#include <string_view>
#include <utility>
#include <vector>

#include <dstream/dstream.hpp>

namespace ds = dstream;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view usage = "Usage: rdd_queue_stream [--seconds N] [--rdds N]\n";

volatile std::sig_atomic_t stop_requested = 0;
extern "C" void on_signal(int) { stop_requested = 1; }

template <class N>
bool parse_number(std::string_view s, N& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 12;
  int rdds = 5;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      std::cout << usage;
      return 0;
    }
    std::string_view v = i + 1 < argc ? std::string_view(argv[i + 1]) : std::string_view();
    if (a == "--seconds") {
      if (!parse_number(v, seconds) || seconds <= 0) {
        std::cerr << "rdd_queue_stream: --seconds '" << v << "' is not a number of seconds > 0\n" << usage;
        return 1;
      }
      ++i;
    } else if (a == "--rdds") {
      if (!parse_number(v, rdds) || rdds < 0) {
        std::cerr << "rdd_queue_stream: --rdds '" << v << "' is not a whole number >= 0\n" << usage;
        return 1;
      }
      ++i;
    } else {
      std::cerr << "rdd_queue_stream: unexpected argument '" << a << "'\n" << usage;
      return 1;
    }
  }

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  try {
    ds::streaming_context ssc(ds::conf().app_name("PythonStreamingQueueStream").master("local[2]"), 2s);

    ds::rdd_queue<int> rdd_queue;
    ds::dstream<int> input_stream = ssc.queue_stream(rdd_queue);
    auto mapped_stream = input_stream | ds::map([](int x) { return std::pair{x % 10, 1}; });
    auto reduced_stream = mapped_stream | ds::reduce_by_key(std::plus<>{});
    reduced_stream | ds::pprint();

    std::vector<int> numbers(1000);
    std::iota(numbers.begin(), numbers.end(), 1);

    ssc.start();
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    const auto deadline = start + std::chrono::duration<double>(seconds);
    int pushed = 0;
    while (!ssc.await_termination_or_timeout(100ms)) {
      // One rdd a second, from the moment of the start.
      if (pushed < rdds && clock::now() >= start + std::chrono::seconds(pushed)) {
        rdd_queue.push(ssc.context().parallelize(numbers, 10));
        ++pushed;
      }
      if (stop_requested || clock::now() >= deadline) ssc.stop(true, true);
    }
  } catch (const std::exception& e) {
    std::cerr << "rdd_queue_stream: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
