// The twelve jobs of twelve_pipelines.cpp on one batch of lines, written without dstream:
// the standard library and boost::unordered_flat_map, as bench/word_count.bench.cpp's
// hand-written loop. Compiled, never run, by bench/compile_time.py.

#include <cstddef>
#include <iostream>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

namespace {
std::vector<std::string_view> words_of(std::string_view l) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < l.size()) {
    auto b = l.find_first_not_of(" \t", i);
    if (b == std::string_view::npos) break;
    auto e = l.find_first_of(" \t", b);
    if (e == std::string_view::npos) e = l.size();
    out.push_back(l.substr(b, e - b));
    i = e;
  }
  return out;
}
template <class M>
void print(const M& m) {
  for (const auto& [k, v] : m) std::cout << '(' << k << ',' << v << ")\n";
}
}  // namespace

int main() {
  std::vector<std::string> lines{"a b c", "a b", "c d e f"};
  std::vector<std::string_view> words;
  for (auto& l : lines)
    for (auto w : words_of(l)) words.push_back(w);
  boost::unordered_flat_map<std::string, int> counts;                         // 1
  for (auto w : words) ++counts[std::string(w)];
  print(counts);
  std::size_t long_words = 0;                                                 // 2
  for (auto w : words) long_words += w.size() > 3;
  std::cout << long_words << '\n';
  std::size_t chars = 0;                                                      // 3
  for (auto& l : lines) chars += l.size();
  std::cout << chars << '\n';
  std::map<std::string, std::vector<int>> groups;                             // 4
  for (auto w : words) groups[std::string(w)].push_back(1);
  for (auto& [k, v] : groups) std::cout << k << ' ' << v.size() << '\n';
  std::size_t joined = 0;                                                     // 5
  for (auto& [k, v] : groups) joined += v.size() * v.size();
  std::cout << joined << '\n';
  std::map<std::string, int> window = {counts.begin(), counts.end()};         // 6
  print(window);
  std::map<std::string, int> state;                                           // 7
  for (auto& [k, v] : counts) state[k] += v;
  print(state);
  print(counts);                                                              // 8
  std::map<int, std::size_t> by_count;                                        // 9
  for (auto& [k, v] : counts) ++by_count[v];
  print(by_count);
  std::cout << lines.size() << '\n';                                          // 10
  std::set<std::string> distinct(words.begin(), words.end());                 // 11
  std::cout << distinct.size() << '\n';
  for (auto& [k, v] : counts)                                                 // 12
    for (int i = 0; i < v; ++i) std::cout << '(' << k << ',' << v << ")\n";
}
