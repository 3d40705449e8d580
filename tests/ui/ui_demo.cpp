// A context on the manual clock with the status page on: runs the batches asked for,
// prints the page's URL on its first line, and stops when its standard input closes.
// Used by ui_check.py (headless Chromium, promtool).
//
// Usage: ui_demo APP_NAME BATCHES

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <dstream/dstream.hpp>
#include <dstream/ui.hpp>

namespace ds = dstream;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: ui_demo APP_NAME BATCHES\n";
    return 2;
  }
  const int batches = std::atoi(argv[2]);
  ds::streaming_context ssc(ds::conf()
                                .app_name(argv[1])
                                .master("local[2]")
                                .set("dstream.streaming.clock", "manual")
                                .set("dstream.ui.enabled", "true")
                                .set("dstream.ui.port", "0"),
                            std::chrono::milliseconds(1000));
  ds::rdd_queue<int> q;
  for (int i = 0; i < batches; ++i)
    q.push(ssc.context().parallelize(std::vector<int>(static_cast<std::size_t>((i * 37) % 50 + 5), i), 2));
  ssc.queue_stream(q) | ds::map([](int x) { return x % 3; }) | ds::count_by_value() |
      ds::foreach_rdd([](auto& r) { (void)(r | ds::collect()); });
  ssc.start();
  for (int i = 1; i <= batches; ++i) {
    ssc.test_clock()->advance(1000);
    if (!ssc.wait_for_batch(ds::batch_time(i * 1000))) throw std::runtime_error("a batch did not complete");
  }
  std::cout << ssc.ui_url() << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  ssc.stop();
}
