// update_state_by_key keeps a state per key: the elements must be pairs.
// expected-error: ds::update_state_by_key(f): the elements must be std::pair<K, V>

#include <chrono>
#include <optional>
#include <span>

#include <dstream/io/outputs.hpp>
#include <dstream/io/queue_stream.hpp>
#include <dstream/stream/state.hpp>
#include <dstream/streaming_context.hpp>

namespace ds = dstream;

int main() {
  ds::streaming_context ssc{ds::conf().master("local[1]"), std::chrono::seconds(1)};
  ds::rdd_queue<int> q;
  auto s = ssc.queue_stream(q);
  s | ds::update_state_by_key([](std::span<const int> vs, std::optional<int> st) { return st; }) | ds::pprint();
}
