// file_streaming: counts the words of the text files moved into a directory, batch by
// batch (the guide's FileStreaming.py).
//
//   file_streaming <directory> [batch_seconds = 10] [--seconds N]
//
// Only files that appear after the start are read; write a file elsewhere and `mv` it in,
// so it appears complete. Files whose name starts with '.' or '_' are ignored. Runs until
// Ctrl-C / SIGTERM (or N seconds with --seconds), then stops gracefully.

#include <charconv>
#include <chrono>
#include <csignal>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <dstream/dstream.hpp>

namespace ds = dstream;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view usage = "Usage: file_streaming <directory> [batch_seconds] [--seconds N]\n";

volatile std::sig_atomic_t stop_requested = 0;
extern "C" void on_signal(int) { stop_requested = 1; }

bool parse_seconds(std::string_view s, double& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out > 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args;
  double seconds = 0;  // 0: until a signal
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--seconds") {
      if (i + 1 >= argc || !parse_seconds(argv[i + 1], seconds)) {
        std::cerr << "file_streaming: --seconds needs a number of seconds > 0\n" << usage;
        return 1;
      }
      ++i;
    } else if (a == "-h" || a == "--help") {
      std::cout << usage;
      return 0;
    } else {
      args.push_back(a);
    }
  }
  if (args.empty() || args.size() > 2) {
    std::cerr << usage;
    return 1;
  }
  const std::string directory(args[0]);
  double batch_seconds = 10;
  if (args.size() == 2 && !parse_seconds(args[1], batch_seconds)) {
    std::cerr << "file_streaming: batch_seconds '" << args[1] << "' is not a number of seconds > 0\n";
    return 1;
  }
  const auto batch = std::chrono::duration_cast<ds::duration>(std::chrono::duration<double>(batch_seconds));
  if (batch.count() <= 0) {
    std::cerr << "file_streaming: batch_seconds '" << args[1] << "' is shorter than a millisecond\n";
    return 1;
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec)) {
    std::cerr << "file_streaming: '" << directory << "' is not a directory"
              << (std::filesystem::exists(directory, ec) ? "" : " (it does not exist)") << '\n';
    return 1;
  }

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  try {
    ds::streaming_context ssc(ds::conf().app_name("TestDStream").master("local[2]"), batch);

    ds::dstream<std::string> lines = ssc.text_file_stream(directory);
    auto word_counts = lines
        | ds::flat_map([](const std::string& line) { return ds::split(line, ' '); })
        | ds::map([](std::string_view word) { return std::pair{word, 1}; })
        | ds::reduce_by_key(std::plus<>{});
    word_counts | ds::pprint();

    ssc.start();
    std::cerr << "file_streaming: watching " << directory << " every " << batch.count()
              << " ms; move text files into it\n";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!ssc.await_termination_or_timeout(100ms)) {
      if (stop_requested || (seconds > 0 && std::chrono::steady_clock::now() >= deadline)) {
        ssc.stop(true, true);
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "file_streaming: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
