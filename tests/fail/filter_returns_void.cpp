// A predicate returning nothing.
// expected-error: ds::filter(pred): pred must return something convertible to bool

#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <dstream/batch/context.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/ops/count.hpp>
#include <dstream/ops/filter.hpp>
#include <dstream/text/split.hpp>

namespace ds = dstream;

int main() {
  ds::context ctx{ds::conf().master("local[1]")};
  auto n = ctx.parallelize({1, 2, 3}) | ds::filter([](int) {}) | ds::count();
}
