// The lambda takes the line by value: split's pieces would point into that copy, destroyed
// when the lambda returns (issue 14). Refused; `const auto&` or ds::words is the fix.
// expected-error: ds::flat_map(f): f takes the element by value and returns views into that copy

#include <string>
#include <vector>

#include <dstream/batch/context.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/ops/flat_map.hpp>
#include <dstream/text/split.hpp>

namespace ds = dstream;

int main() {
  ds::context ctx{ds::conf().master("local[1]")};
  std::vector<std::string> lines{"a b", "c"};
  auto words = ctx.parallelize(lines) | ds::flat_map([](auto line) { return ds::split(line, ' '); }) | ds::collect();
}
