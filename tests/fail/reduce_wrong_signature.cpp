// The elements are ints; f takes strings.
// expected-error: ds::reduce(f): f must be callable as T(T, T)

#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <dstream/batch/context.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/ops/reduce.hpp>
#include <dstream/text/split.hpp>

namespace ds = dstream;

int main() {
  ds::context ctx{ds::conf().master("local[1]")};
  auto s = ctx.parallelize({1, 2}) | ds::reduce([](const std::string& a, const std::string& b) { return a + b; });
}
