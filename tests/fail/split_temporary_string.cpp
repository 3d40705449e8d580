// The pieces would point into a string destroyed at the end of the statement: refused.
// expected-error: ds::split(text, d): text is a temporary std::string

#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <dstream/batch/context.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/ops/flat_map.hpp>
#include <dstream/text/split.hpp>

namespace ds = dstream;

int main() {
  ds::context ctx{ds::conf().master("local[1]")};
  auto pieces = ds::split(std::string("a b"), ' ');
  (void)pieces;
}
