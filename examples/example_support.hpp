#pragma once
// What the example programs share: reading their command line (positional arguments,
// `--name value` options, `--seconds N`, `--help`), and the loop that keeps a started
// streaming context running for N seconds, then stops it gracefully (everything received
// is processed first). Ctrl-C and SIGTERM are the library's own:
// `dstream.streaming.stop_gracefully_on_shutdown=true` in each streaming example's conf.
// `stop_on_signals` is for line_server, which has no streaming context.

#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace example {

/// Parses all of `s` as a number; false when `s` is not exactly one.
template <class N>
bool parse_number(std::string_view s, N& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

/// A program's arguments: `--name value` for each name in `options`, `-h`/`--help`
/// (prints the usage, exits 0), everything else positional. A mistake prints
/// "<program>: <what is wrong>" and the usage, and exits with status 1.
class command_line {
 public:
  command_line(std::string_view program, std::string_view usage, int argc, char** argv,
               std::initializer_list<std::string_view> options)
      : program_(program), usage_(usage) {
    for (int i = 1; i < argc; ++i) {
      std::string_view a = argv[i];
      if (a == "-h" || a == "--help") {
        std::cout << usage_;
        std::exit(0);
      }
      bool is_option = false;
      for (auto o : options) is_option = is_option || a == o;
      if (!is_option) {
        positional_.push_back(a);
        continue;
      }
      if (i + 1 >= argc) fail(std::string(a) + " needs a value");
      values_.emplace_back(a, argv[++i]);
    }
  }

  const std::vector<std::string_view>& positional() const noexcept { return positional_; }
  /// Fails unless there are between `least` and `most` positional arguments.
  void expect_positional(std::size_t least, std::size_t most) const {
    if (positional_.size() < least || positional_.size() > most) {
      std::cerr << usage_;
      std::exit(1);
    }
  }

  /// The last value given for `name`, if any.
  std::optional<std::string_view> option(std::string_view name) const {
    std::optional<std::string_view> v;
    for (const auto& [n, value] : values_)
      if (n == name) v = value;
    return v;
  }
  std::string option_or(std::string_view name, std::string fallback) const {
    auto v = option(name);
    return v ? std::string(*v) : std::move(fallback);
  }

  /// `text` as a number of seconds > 0, or a failure naming `what`.
  double seconds(std::string_view what, std::string_view text) const {
    double s = 0;
    if (!parse_number(text, s) || s <= 0) fail(std::string(what) + " '" + std::string(text) + "' is not a number of seconds > 0");
    return s;
  }
  /// `--seconds N` (N > 0), or `fallback` without it (0: run until a signal).
  double run_seconds(double fallback = 0) const {
    auto v = option("--seconds");
    return v ? seconds("--seconds", *v) : fallback;
  }
  /// `text` as a whole number >= `least`, or a failure naming `what`.
  int whole_number(std::string_view what, std::string_view text, int least) const {
    int n = 0;
    if (!parse_number(text, n) || n < least)
      fail(std::string(what) + " '" + std::string(text) + "' is not a whole number >= " + std::to_string(least));
    return n;
  }
  /// `text` as a TCP port 1..65535, or a failure.
  int port(std::string_view text) const {
    int p = 0;
    if (!parse_number(text, p) || p < 1 || p > 65535) fail("port '" + std::string(text) + "' is not a number in 1..65535");
    return p;
  }

  [[noreturn]] void fail(const std::string& what) const {
    std::cerr << program_ << ": " << what << '\n' << usage_;
    std::exit(1);
  }

 private:
  std::string_view program_;
  std::string_view usage_;
  std::vector<std::string_view> positional_;
  std::vector<std::pair<std::string_view, std::string_view>> values_;
};

namespace detail {
inline volatile std::sig_atomic_t stop_requested = 0;
extern "C" inline void on_stop_signal(int) { stop_requested = 1; }
}  // namespace detail

/// From now on SIGINT and SIGTERM ask the program to stop (see `stop_requested`); for a
/// program without a streaming context (line_server).
inline void stop_on_signals() {
  struct sigaction sa {};
  sa.sa_handler = detail::on_stop_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}
inline bool stop_requested() noexcept { return detail::stop_requested != 0; }

/// Waits on the started streaming context `ssc` until it stops (on a signal, with
/// `dstream.streaming.stop_gracefully_on_shutdown=true`) or for `seconds` (0: no limit),
/// calling `tick` every 100 ms meanwhile, then stops it gracefully; rethrows what failed
/// a batch.
template <class StreamingContext>
void run_until_stopped(StreamingContext& ssc, double seconds, const std::function<void()>& tick = {}) {
  using namespace std::chrono_literals;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!ssc.await_termination_or_timeout(100ms)) {
    if (tick) tick();
    if (seconds > 0 && std::chrono::steady_clock::now() >= deadline) ssc.stop(true, true);
  }
}

}  // namespace example
