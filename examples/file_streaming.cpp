// file_streaming: counts the words of the text files moved into a directory, batch by
// batch (the guide's FileStreaming.py).
//
//   file_streaming <directory> [batch_seconds = 10] [--seconds N]
//
// Only files that appear after the start are read; write a file elsewhere and `mv` it in,
// so it appears complete. Files whose name starts with '.' or '_' are ignored. Runs until
// Ctrl-C / SIGTERM (or N seconds with --seconds), then stops gracefully.

#include <chrono>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <dstream/dstream.hpp>

#include "example_support.hpp"

namespace ds = dstream;

int main(int argc, char** argv) {
  const example::command_line args("file_streaming", "Usage: file_streaming <directory> [batch_seconds] [--seconds N]\n",
                                   argc, argv, {"--seconds"});
  args.expect_positional(1, 2);
  const double seconds = args.run_seconds();  // 0: until a signal
  const std::string directory(args.positional()[0]);
  const double batch_seconds = args.positional().size() == 2 ? args.seconds("batch_seconds", args.positional()[1]) : 10;
  const auto batch = std::chrono::duration_cast<ds::duration>(std::chrono::duration<double>(batch_seconds));
  if (batch.count() <= 0) args.fail("batch_seconds '" + std::string(args.positional()[1]) + "' is shorter than a millisecond");
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec))
    args.fail("'" + directory + "' is not a directory" +
              (std::filesystem::exists(directory, ec) ? "" : " (it does not exist)"));

  try {
    ds::streaming_context ssc(ds::conf().app_name("TestDStream").master("local[2]")
                                        .set("dstream.ui.enabled", "true")  // the page: examples/status_page.cpp, linked in
                                        .set("dstream.streaming.stop_gracefully_on_shutdown", "true"), batch);  // Ctrl-C: stop gracefully

    ds::dstream<std::string> lines = ssc.text_file_stream(directory);
    auto word_counts = lines
        | ds::flat_map([](const std::string& line) { return ds::split(line, ' '); })
        | ds::map([](std::string_view word) { return std::pair{word, 1}; })
        | ds::reduce_by_key(std::plus<>{});
    word_counts | ds::pprint();

    ssc.start();
    std::cerr << "file_streaming: status page at " << ssc.ui_url() << '\n';
    std::cerr << "file_streaming: watching " << directory << " every " << batch.count()
              << " ms; move text files into it\n";
    example::run_until_stopped(ssc, seconds);
  } catch (const std::exception& e) {
    std::cerr << "file_streaming: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
