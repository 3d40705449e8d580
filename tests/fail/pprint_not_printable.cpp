// pprint prints each element with operator<<; a type without one must say so, once.
// expected-error: ds::pprint: the element type named below cannot be printed

#include <chrono>
#include <utility>

#include <dstream/io/outputs.hpp>
#include <dstream/io/queue_stream.hpp>
#include <dstream/ops/map.hpp>
#include <dstream/streaming_context.hpp>

namespace ds = dstream;

struct reading {
  int sensor;
  double value;
};

int main() {
  ds::streaming_context ssc{ds::conf().master("local[1]"), std::chrono::seconds(1)};
  ds::rdd_queue<int> q;
  auto s = ssc.queue_stream(q) | ds::map([](int x) { return reading{x, 1.0}; });
  s | ds::pprint();
}
