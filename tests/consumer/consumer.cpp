#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include <dstream/dstream.hpp>

namespace ds = dstream;

int main() {
  ds::context ctx{ds::conf().master("local[2]")};
  std::vector<std::string> lines{"a b", "a"};
  auto counts = ctx.parallelize(lines) | ds::flat_map([](const std::string& l) { return ds::split(l, ' '); }) |
                ds::map([](std::string_view w) { return std::pair{w, 1}; }) | ds::reduce_by_key(std::plus<>{}) |
                ds::collect();
  std::sort(counts.begin(), counts.end());
  for (const auto& [w, n] : counts) std::cout << '(' << w << ',' << n << ")\n";
}
