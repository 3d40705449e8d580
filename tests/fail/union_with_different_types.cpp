// ints and strings cannot be one rdd.
// expected-error: ds::union_with(other): both inputs must have the same element type

#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <dstream/batch/context.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/ops/map.hpp>
#include <dstream/ops/union_with.hpp>
#include <dstream/text/split.hpp>

namespace ds = dstream;

int main() {
  ds::context ctx{ds::conf().master("local[1]")};
  std::vector<std::string> words{"a"};
  auto u = ctx.parallelize({1, 2}) | ds::union_with(ctx.parallelize(words));
}
