// dstream.streaming.stop_gracefully_on_shutdown=true: run until SIGTERM (or SIGINT), then
// say whether every record the receiver stored reached the output. Run by
// tests/support/check_shutdown.py, which sends the signal.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include <dstream/dstream.hpp>

namespace ds = dstream;
using namespace std::chrono_literals;

namespace {

std::atomic<std::int64_t> stored{0};

// Stores 0, 1, 2, ... about every millisecond until stopped.
class counter_receiver final : public ds::receiver<std::int64_t> {
 public:
  ~counter_receiver() override { on_stop(); }
  std::string name() const override { return "counter_receiver"; }
  void on_start() override {
    quit_ = false;
    thread_ = std::thread([this] {
      for (std::int64_t i = 0; !quit_ && !is_stopped(); ++i) {
        try {
          store(i);
        } catch (const std::exception&) {
          return;  // stopping
        }
        stored.fetch_add(1);
        std::this_thread::sleep_for(1ms);
      }
    });
  }
  void on_stop() override {
    quit_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> quit_{false};
  std::thread thread_;
};

}  // namespace

int main() {
  std::int64_t processed = 0;  // written by the outputs, one batch at a time
  try {
    ds::streaming_context ssc(ds::conf().app_name("graceful_stop").master("local[2]")
                                  .set("dstream.streaming.stop_gracefully_on_shutdown", "true"), 200ms);
    auto s = ssc.receiver_stream(std::make_unique<counter_receiver>());
    s | ds::count() | ds::foreach_rdd([&](auto& r) {
      for (auto n : r | ds::collect()) {
        processed += static_cast<std::int64_t>(n);
        std::cout << "batch: " << n << " records\n" << std::flush;
      }
    });
    ssc.start();
    std::cout << "started\n" << std::flush;
    ssc.await_termination();
  } catch (const std::exception& e) {
    std::cout << "error: " << e.what() << '\n';
    return 1;
  }
  std::cout << "stopped: stored " << stored.load() << ", processed " << processed << '\n';
  return stored.load() == processed ? 0 : 2;
}
