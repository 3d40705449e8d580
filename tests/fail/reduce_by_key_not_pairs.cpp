// Words must become (word, 1) pairs before they can be reduced by key.
// expected-error: ds::reduce_by_key(f): the elements must be std::pair<K, V>

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
  std::vector<std::string> words{"a", "b", "a"};
  auto counts = ctx.parallelize(words) | ds::reduce_by_key(std::plus<>{});
}
