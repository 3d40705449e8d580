// The state type comes from the function's keyed_state<S>& parameter; auto& hides it.
// expected-error: ds::map_with_state(spec): cannot tell the state type

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
  s | ds::map_with_state(ds::state_spec([](const auto& k, std::optional<int> v, auto& st) { return k; }))
    | ds::pprint();
}
