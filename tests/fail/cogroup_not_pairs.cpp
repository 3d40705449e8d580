// cogroup needs keys too.
// expected-error: ds::join / ds::cogroup: the left input's elements must be std::pair<K, V>

#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <dstream/batch/context.hpp>
#include <dstream/ops/cogroup.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/text/split.hpp>

namespace ds = dstream;

int main() {
  ds::context ctx{ds::conf().master("local[1]")};
  std::vector<std::pair<int, int>> right{{1, 2}};
  auto j = ctx.parallelize({1, 2, 3}) | ds::cogroup(ctx.parallelize(right));
}
