// Combining by key needs keys.
// expected-error: ds::combine_by_key(...): the elements must be std::pair<K, V>

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
  auto c = ctx.parallelize({1, 2, 3}) |
           ds::combine_by_key([](int v) { return v; }, std::plus<>{}, std::plus<>{});
}
