// create takes a string, the values are ints.
// expected-error: ds::combine_by_key(create, ...): create must be callable as C(V)

#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <dstream/batch/context.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/ops/combine_by_key.hpp>
#include <dstream/text/split.hpp>

namespace ds = dstream;

int main() {
  ds::context ctx{ds::conf().master("local[1]")};
  std::vector<std::pair<int, int>> pairs{{1, 2}};
  auto c = ctx.parallelize(pairs) |
           ds::combine_by_key([](const std::string& s) { return s.size(); }, std::plus<>{}, std::plus<>{});
}
