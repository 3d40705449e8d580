// map_values needs pairs.
// expected-error: ds::map_values(f): the elements must be std::pair<K, V>

#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <dstream/batch/context.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/ops/map_values.hpp>
#include <dstream/text/split.hpp>

namespace ds = dstream;

int main() {
  ds::context ctx{ds::conf().master("local[1]")};
  auto v = ctx.parallelize({1, 2}) | ds::map_values([](int x) { return x; }) | ds::collect();
}
