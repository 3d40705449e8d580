// The right-hand side has no keys.
// expected-error: ds::join / ds::cogroup: the right input's elements must be std::pair<K, W>

#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <dstream/batch/context.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/ops/join.hpp>
#include <dstream/text/split.hpp>

namespace ds = dstream;

int main() {
  ds::context ctx{ds::conf().master("local[1]")};
  std::vector<std::pair<int, int>> left{{1, 2}};
  auto j = ctx.parallelize(left) | ds::left_outer_join(ctx.parallelize({1, 2, 3}));
}
