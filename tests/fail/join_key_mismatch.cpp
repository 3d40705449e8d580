// int keys cannot meet string keys.
// expected-error: ds::join / ds::cogroup: both inputs must have the same key type

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
  std::vector<std::pair<std::string, int>> right{{"1", 2}};
  auto j = ctx.parallelize(left) | ds::join(ctx.parallelize(right));
}
