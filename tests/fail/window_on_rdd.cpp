// A stream-only operator applied to an rdd.
// expected-error: this operator applies to a ds::dstream only

#include <dstream/dstream.hpp>

namespace ds = dstream;
using namespace std::chrono_literals;

int main() {
  ds::context ctx{ds::conf().master("local[1]")};
  auto w = ctx.parallelize({1, 2}) | ds::window(2s, 1s);
}
