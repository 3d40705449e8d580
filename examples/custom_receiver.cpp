// custom_receiver: a receiver of your own (Spark's CustomReceiver), passed to
// `ssc.receiver_stream(std::make_unique<your_receiver>(...))`, counted in 1 second batches.
//
//   custom_receiver [--seconds N] [--rate LINES_PER_SECOND]
//
// The receiver here makes its own lines (a sensor's readings, say) on a thread it starts
// in on_start() and ends in on_stop(); a real one would read a device, a queue or a
// socket the same way. store() hands lines to the stream; restart(reason) asks for a stop
// and a new start after dstream.receiver.restart_delay. It runs until Ctrl-C / SIGTERM (or
// N seconds), then stops gracefully: every line stored is counted first.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include <dstream/dstream.hpp>

#include "example_support.hpp"

namespace ds = dstream;
using namespace std::chrono_literals;

/// Readings of three made-up sensors, `rate` lines a second: "sensor-2 21".
class sensor_receiver final : public ds::receiver<std::string> {
 public:
  explicit sensor_receiver(int rate) : rate_(rate) {}
  ~sensor_receiver() override { on_stop(); }

  std::string name() const override { return "sensor_receiver"; }

  void on_start() override {
    quit_ = false;
    thread_ = std::thread([this] { run(); });  // on_start must return at once
  }
  void on_stop() override {
    quit_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    const auto pause = std::chrono::microseconds(1'000'000 / rate_);
    for (std::uint64_t i = 0; !quit_ && !is_stopped(); ++i) {
      try {
        store("sensor-" + std::to_string(i % 3) + " " + std::to_string(20 + i % 7));
      } catch (const std::exception& e) {
        // The stream no longer takes lines (it is stopping), or could not keep them: ask
        // for a restart, which is what a receiver does when its source fails.
        restart(std::string("store failed: ") + e.what());
        return;
      }
      std::this_thread::sleep_for(pause);
    }
  }

  int rate_;
  std::atomic<bool> quit_{false};
  std::thread thread_;
};

int main(int argc, char** argv) {
  const example::command_line args("custom_receiver", "Usage: custom_receiver [--seconds N] [--rate LINES_PER_SECOND]\n",
                                   argc, argv, {"--seconds", "--rate"});
  args.expect_positional(0, 0);
  const double seconds = args.run_seconds();  // 0: until a signal
  int rate = 100;
  if (auto r = args.option("--rate"); r && (!example::parse_number(*r, rate) || rate < 1 || rate > 1'000'000))
    args.fail("--rate must be a whole number of lines a second from 1 to 1000000, got '" + std::string(*r) + "'");

  try {
    ds::streaming_context ssc(ds::conf().app_name("CustomReceiver").master("local[2]")
                                        .set("dstream.ui.enabled", "true")  // the page: examples/status_page.cpp, linked in
                                        .set("dstream.streaming.stop_gracefully_on_shutdown", "true"), 1s);  // Ctrl-C: stop gracefully
    // The receiver's type is yours: the stream's element type comes from its base.
    ds::dstream<std::string> readings = ssc.receiver_stream(std::make_unique<sensor_receiver>(rate));

    readings
        | ds::map([](const std::string& line) { return std::pair{line.substr(0, line.find(' ')), 1}; })
        | ds::reduce_by_key(std::plus<>{})
        | ds::pprint;

    ssc.start();
    std::cerr << "custom_receiver: status page at " << ssc.ui_url() << '\n';
    example::run_until_stopped(ssc, seconds);
    std::cerr << "custom_receiver: stopped (the lines stored were counted first)\n";
  } catch (const std::exception& e) {
    std::cerr << "custom_receiver: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
