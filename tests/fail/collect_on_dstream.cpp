// An rdd action has no per-batch meaning on a dstream (count and reduce do: they say how
// they lift); the message points to foreach_rdd.
// expected-error: on a dstream use ds::foreach_rdd

#include <dstream/dstream.hpp>

namespace ds = dstream;
using namespace std::chrono_literals;

int main() {
  ds::streaming_context ssc(ds::conf().master("local[1]"), 1s);
  ds::rdd_queue<int> q;
  auto s = ssc.queue_stream(q);
  auto v = s | ds::collect();
}
