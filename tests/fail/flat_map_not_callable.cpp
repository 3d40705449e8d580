// The function takes a string, the elements are ints.
// expected-error: ds::flat_map(f): f cannot be called with the element type

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
  auto v = ctx.parallelize({1, 2, 3}) | ds::flat_map([](const std::string& s) { return ds::split(s, ' '); }) |
           ds::collect();
}
