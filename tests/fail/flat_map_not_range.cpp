// flat_map needs a range (or an optional) per element, not a single value.
// expected-error: ds::flat_map(f): f must return a range

#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <dstream/batch/context.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/ops/flat_map.hpp>
#include <dstream/text/split.hpp>

namespace ds = dstream;

int main() {
  ds::context ctx{ds::conf().master("local[1]")};
  auto v = ctx.parallelize({1, 2, 3}) | ds::flat_map([](int x) { return x * 2; }) | ds::collect();
}
