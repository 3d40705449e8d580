// The function wants a span of strings, the partitions hold ints.
// expected-error: ds::foreach_partition(f): f cannot be called with std::span<const T>

#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <dstream/batch/context.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/ops/foreach.hpp>
#include <dstream/text/split.hpp>

namespace ds = dstream;

int main() {
  ds::context ctx{ds::conf().master("local[1]")};
  ctx.parallelize({1, 2}) | ds::foreach_partition([](std::span<const std::string>) {});
}
