// The update function takes the key's new values and its state; here it takes one value.
// expected-error: ds::update_state_by_key(f): f must be callable as optional<S>(values, optional<S>)

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
  s | ds::update_state_by_key([](int v, std::optional<int> st) { return std::optional<int>(st.value_or(0) + v); })
    | ds::pprint();
}
