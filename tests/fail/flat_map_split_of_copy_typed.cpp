// The same with the parameter's type written out: std::string by value.
// expected-error: ds::flat_map(f): f takes the element by value and returns views into that copy

#include <string>
#include <string_view>
#include <vector>

#include <dstream/batch/context.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/ops/flat_map.hpp>
#include <dstream/text/split.hpp>

namespace ds = dstream;

int main() {
  ds::context ctx{ds::conf().master("local[1]")};
  std::vector<std::string> lines{"a b", "c"};
  auto words = ctx.parallelize(lines) | ds::flat_map([](std::string line) { return ds::split(line, ' '); })
             | ds::collect();
}
