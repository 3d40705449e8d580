// A wrong lambda in a streaming map, with operators after it: one message, no cascade.
// expected-error: ds::map(f): f cannot be called with the element type

#include <chrono>
#include <functional>
#include <string>
#include <utility>

#include <dstream/io/outputs.hpp>
#include <dstream/io/queue_stream.hpp>
#include <dstream/ops/map.hpp>
#include <dstream/ops/reduce_by_key.hpp>
#include <dstream/streaming_context.hpp>

namespace ds = dstream;

int main() {
  ds::streaming_context ssc{ds::conf().master("local[1]"), std::chrono::seconds(1)};
  ds::rdd_queue<int> q;
  auto lines = ssc.queue_stream(q);
  auto counts = lines | ds::map([](const std::string& w) { return std::pair{w, 1}; })
              | ds::reduce_by_key(std::plus<>{});
  counts | ds::pprint();
}
