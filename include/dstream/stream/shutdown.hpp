#pragma once
// `dstream.streaming.stop_gracefully_on_shutdown=true` (Spark's
// `spark.streaming.stopGracefullyOnShutdown`): SIGINT and SIGTERM stop every started
// streaming context that asked for it gracefully (what was received is processed and
// output first), so `await_termination()` returns and the program ends normally.
//
// A signal handler may do almost nothing: it writes one byte to a pipe, and a watcher
// thread (started with the first context that asks) reads it and calls `stop(true, true)`
// as any other thread would. The handler is installed with SA_RESETHAND: a second Ctrl-C
// while the last batches run ends the program at once, as without the setting. POSIX only.

#include <memory>
#include <mutex>
#include <vector>

#include <dstream/detail/config.hpp>
#include <dstream/stream/scheduler.hpp>

namespace dstream::detail {

class shutdown_hook {
 public:
  /// Stops `s` gracefully on the next SIGINT or SIGTERM (while it lives).
  static void stop_on_signals(const std::shared_ptr<scheduler>& s);

 private:
  static shutdown_hook& instance();
  static int& write_end();
  static void on_signal(int);

  // Installs the handlers (again, after a signal was handled) and starts the watcher once.
  void arm();

  void watch(int rd);

  std::mutex m_;
  std::vector<std::weak_ptr<scheduler>> watched_;
  bool watcher_started_ = false;
};

}  // namespace dstream::detail

#ifdef DSTREAM_HEADER_ONLY
#include <dstream/stream/impl/shutdown.ipp>
#endif
