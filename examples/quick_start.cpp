#include <algorithm>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include <dstream/dstream.hpp>

namespace ds = dstream;

int main() {
  ds::context ctx{ds::conf().app_name("quick start").master("local[2]")};
  std::vector<std::string> lines{"one stream of lines", "one line of words", "words words words"};

  auto counts = ctx.parallelize(lines)
              | ds::flat_map([](const std::string& line) { return ds::split(line, ' '); })
              | ds::map([](std::string_view word) { return std::pair{word, 1}; })
              | ds::reduce_by_key(std::plus<>{})
              | ds::collect();  // std::vector<std::pair<std::string, int>>

  std::sort(counts.begin(), counts.end());
  for (const auto& [word, n] : counts) std::cout << '(' << word << ',' << n << ")\n";
}
