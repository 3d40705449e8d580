// f takes a single element instead of a partition.
// expected-error: ds::map_partitions(f): f cannot be called with std::span<const T>

#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <dstream/batch/context.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/ops/map_partitions.hpp>
#include <dstream/text/split.hpp>

namespace ds = dstream;

int main() {
  ds::context ctx{ds::conf().master("local[1]")};
  auto v = ctx.parallelize({1, 2}) | ds::map_partitions([](int x) { return std::vector<int>{x}; }) | ds::collect();
}
