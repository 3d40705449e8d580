// The function takes a pair, the elements are strings.
// expected-error: ds::foreach(f): f cannot be called with the element type

#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <dstream/batch/context.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/ops/foreach.hpp>
#include <dstream/text/split.hpp>

namespace ds = dstream;

int main() {
  ds::context ctx{ds::conf().master("local[1]")};
  std::vector<std::string> words{"a"};
  ctx.parallelize(words) | ds::foreach([](const std::pair<int, int>&) {});
}
