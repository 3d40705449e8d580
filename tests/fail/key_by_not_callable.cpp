// The key function wants a string, the elements are ints.
// expected-error: ds::key_by(f): f cannot be called with the element type

#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <dstream/batch/context.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/ops/key_by.hpp>
#include <dstream/text/split.hpp>

namespace ds = dstream;

int main() {
  ds::context ctx{ds::conf().master("local[1]")};
  auto v = ctx.parallelize({1, 2}) | ds::key_by([](const std::string& s) { return s.size(); }) | ds::collect();
}
