// An action ends a pipeline: collect gives a std::vector, not an rdd.
// expected-error: an action (collect, count, reduce, take, ...)

#include <dstream/batch/context.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/ops/map.hpp>

namespace ds = dstream;

int main() {
  ds::context ctx{ds::conf().master("local[1]")};
  auto v = ctx.parallelize({1, 2, 3}) | ds::collect() | ds::map([](int x) { return x + 1; });
}
