// word_count: counts the words of a text with an rdd pipeline and prints the most
// frequent ones. `scripts/dev demo` runs it without arguments.
//
//   word_count [--master local[n]] [FILE]
//
// Without FILE it counts a short built-in text. Words are the pieces of a line between
// spaces, with punctuation trimmed from both ends; case is kept. The output is the 20 most
// frequent words as `(word,count)`, most frequent first and ties in word order, then a
// line with the number of words and of distinct words. A file that cannot be read is
// reported on stderr with exit status 1; a bad command line with exit status 2.

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <dstream/dstream.hpp>

namespace ds = dstream;

namespace {

constexpr std::string_view usage = "usage: word_count [--master local[n]] [FILE]\n";

constexpr std::string_view default_text =
    "Every second the stream brings a new batch of lines, and every batch becomes a small\n"
    "collection of records split across the cores of the machine. The records of a batch\n"
    "flow through one pipeline: each line is split into words, each word is paired with\n"
    "a one, and the ones of each word are added up. The counts of a batch are ready\n"
    "before the next batch begins, so the stream never waits for the work and the work\n"
    "never waits for the stream.\n";

std::vector<std::string> lines_of(std::istream& in) {
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
  }
  return lines;
}

// The word without the punctuation around it ("batch," → "batch"); a view, no copy.
std::string_view trim_punctuation(std::string_view w) {
  auto punct = [](char c) { return std::ispunct(static_cast<unsigned char>(c)) != 0; };
  while (!w.empty() && punct(w.front())) w.remove_prefix(1);
  while (!w.empty() && punct(w.back())) w.remove_suffix(1);
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  std::string master;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--master" && i + 1 < argc) {
      master = argv[++i];
    } else if (arg == "-h" || arg == "--help") {
      std::cout << usage;
      return 0;
    } else if (arg.starts_with("-") || !path.empty()) {
      std::cerr << "word_count: unexpected argument '" << arg << "'\n" << usage;
      return 2;
    } else {
      path = arg;
    }
  }

  std::vector<std::string> lines;
  if (path.empty()) {
    std::istringstream in{std::string(default_text)};
    lines = lines_of(in);
  } else {
    std::ifstream in(path);
    if (!in) {
      std::cerr << "word_count: cannot open '" << path << "': " << std::strerror(errno) << '\n';
      return 1;
    }
    lines = lines_of(in);
    if (in.bad()) {
      std::cerr << "word_count: cannot read '" << path << "'\n";
      return 1;
    }
  }

  try {
    auto conf = ds::conf().app_name("word count");
    if (!master.empty()) conf.master(master);
    ds::context ctx{conf};

    std::vector<std::pair<std::string, std::int64_t>> counts =
        ctx.parallelize(lines)
        | ds::flat_map([](const std::string& line) { return ds::split(line, ' '); })
        | ds::map(trim_punctuation)
        | ds::filter([](std::string_view word) { return !word.empty(); })
        | ds::map([](std::string_view word) { return std::pair{word, std::int64_t{1}}; })
        | ds::reduce_by_key(std::plus<>{})
        | ds::collect();

    std::sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    std::int64_t total = 0;
    for (const auto& [word, n] : counts) total += n;
    for (std::size_t i = 0; i < counts.size() && i < 20; ++i) {
      std::cout << '(' << counts[i].first << ',' << counts[i].second << ")\n";
    }
    std::cout << "total: " << total << " words, " << counts.size() << " distinct\n";
  } catch (const std::exception& e) {
    std::cerr << "word_count: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
