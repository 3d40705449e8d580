// The mapping function takes the key's value as std::optional<V>; here it takes int.
// expected-error: ds::map_with_state(spec): the function must be callable as

#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include <dstream/io/outputs.hpp>
#include <dstream/io/queue_stream.hpp>
#include <dstream/stream/state.hpp>
#include <dstream/streaming_context.hpp>

namespace ds = dstream;

int main() {
  ds::streaming_context ssc{ds::conf().master("local[1]"), std::chrono::seconds(1)};
  ds::rdd_queue<std::pair<std::string, int>> q;
  auto s = ssc.queue_stream(q);
  s | ds::map_with_state(ds::state_spec([](const std::string& k, int v, ds::keyed_state<int>& st) { return k; }))
    | ds::pprint();
}
