// examples/quick_start.cpp without dstream: the same word count of three lines, printed
// sorted. Compiled by bench/compile_time.py.

#include <algorithm>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

int main() {
  std::vector<std::string> lines{"one stream of lines", "one line of words", "words words words"};
  boost::unordered_flat_map<std::string, int> m;
  for (const auto& l : lines) {
    std::size_t i = 0;
    while (i <= l.size()) {
      auto e = l.find(' ', i);
      if (e == std::string::npos) e = l.size();
      ++m[l.substr(i, e - i)];
      i = e + 1;
    }
  }
  std::vector<std::pair<std::string, int>> counts(m.begin(), m.end());
  std::sort(counts.begin(), counts.end());
  for (const auto& [word, n] : counts) std::cout << '(' << word << ',' << n << ")\n";
}
