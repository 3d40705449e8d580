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

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <iostream>
#include <numeric>
#include <utility>
#include <vector>

#include <dstream/dstream.hpp>

#include "example_support.hpp"

namespace ds = dstream;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  const example::command_line args("rdd_queue_stream", "Usage: rdd_queue_stream [--seconds N] [--rdds N]\n", argc, argv,
                                   {"--seconds", "--rdds"});
  if (!args.positional().empty()) args.fail("unexpected argument '" + std::string(args.positional()[0]) + "'");
  const double seconds = args.run_seconds(12);
  const auto rdds_text = args.option("--rdds");
  const int rdds = rdds_text ? args.whole_number("--rdds", *rdds_text, 0) : 5;

  try {
    ds::streaming_context ssc(ds::conf().app_name("PythonStreamingQueueStream").master("local[2]")
                                        .set("dstream.ui.enabled", "true")  // the page: examples/status_page.cpp, linked in
                                        .set("dstream.streaming.stop_gracefully_on_shutdown", "true"), 2s);  // Ctrl-C: stop gracefully

    ds::rdd_queue<int> rdd_queue;
    ds::dstream<int> input_stream = ssc.queue_stream(rdd_queue);
    auto mapped_stream = input_stream | ds::map([](int x) { return std::pair{x % 10, 1}; });
    auto reduced_stream = mapped_stream | ds::reduce_by_key(std::plus<>{});
    reduced_stream | ds::pprint();

    std::vector<int> numbers(1000);
    std::iota(numbers.begin(), numbers.end(), 1);

    ssc.start();
    std::cerr << "rdd_queue_stream: status page at " << ssc.ui_url() << '\n';
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    int pushed = 0;
    example::run_until_stopped(ssc, seconds, [&] {
      // One rdd a second, from the moment of the start.
      if (pushed < rdds && clock::now() >= start + std::chrono::seconds(pushed)) {
        rdd_queue.push(ssc.context().parallelize(numbers, 10));
        ++pushed;
      }
    });
  } catch (const std::exception& e) {
    std::cerr << "rdd_queue_stream: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
