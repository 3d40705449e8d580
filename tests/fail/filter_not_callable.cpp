// The predicate wants pairs, the elements are ints.
// expected-error: ds::filter(pred): pred cannot be called with the element type

#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <dstream/batch/context.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/ops/filter.hpp>
#include <dstream/text/split.hpp>

namespace ds = dstream;

int main() {
  ds::context ctx{ds::conf().master("local[1]")};
  auto v = ctx.parallelize({1, 2, 3}) | ds::filter([](const std::pair<int, int>& p) { return p.first > 0; }) |
           ds::collect();
}
