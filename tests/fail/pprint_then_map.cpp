// An output ends a pipeline: nothing can follow pprint.
// expected-error: an output (pprint, foreach_rdd, save_as_text_files) ends a pipeline

#include <chrono>

#include <dstream/io/outputs.hpp>
#include <dstream/io/queue_stream.hpp>
#include <dstream/ops/map.hpp>
#include <dstream/streaming_context.hpp>

namespace ds = dstream;

int main() {
  ds::streaming_context ssc{ds::conf().master("local[1]"), std::chrono::seconds(1)};
  ds::rdd_queue<int> q;
  auto s = ssc.queue_stream(q);
  s | ds::pprint() | ds::map([](int x) { return x + 1; });
}
