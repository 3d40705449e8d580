// f takes two ints but returns a string.
// expected-error: ds::reduce_by_key(f): f must return the value type V

#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <dstream/batch/context.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/ops/reduce_by_key.hpp>
#include <dstream/text/split.hpp>

namespace ds = dstream;

int main() {
  ds::context ctx{ds::conf().master("local[1]")};
  std::vector<std::pair<std::string, int>> pairs{{"a", 1}, {"b", 2}};
  auto r = ctx.parallelize(pairs) | ds::reduce_by_key([](int a, int b) { return std::to_string(a + b); });
}
