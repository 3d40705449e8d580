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

#include <cerrno>
#include <csignal>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <dstream/stream/scheduler.hpp>

namespace dstream::detail {

class shutdown_hook {
 public:
  /// Stops `s` gracefully on the next SIGINT or SIGTERM (while it lives).
  static void stop_on_signals(const std::shared_ptr<scheduler>& s) {
    auto& h = instance();
    std::lock_guard lock(h.m_);
    h.watched_.push_back(s);
    h.arm();
  }

 private:
  static shutdown_hook& instance() {
    static shutdown_hook* h = new shutdown_hook();  // never destroyed: the watcher may outlive main
    return *h;
  }
  static int& write_end() {
    static int fd = -1;
    return fd;
  }
  static void on_signal(int) {
    const int saved = errno;
    const char c = 1;
    [[maybe_unused]] auto n = ::write(write_end(), &c, 1);
    errno = saved;
  }

  // Installs the handlers (again, after a signal was handled) and starts the watcher once.
  void arm() {
    if (!watcher_started_) {
      int fds[2];
      if (::pipe(fds) != 0) return;
      ::fcntl(fds[0], F_SETFD, FD_CLOEXEC);
      ::fcntl(fds[1], F_SETFD, FD_CLOEXEC);
      ::fcntl(fds[1], F_SETFL, O_NONBLOCK);
      write_end() = fds[1];
      std::thread([this, rd = fds[0]] { watch(rd); }).detach();
      watcher_started_ = true;
    }
    struct sigaction sa {};
    sa.sa_handler = &shutdown_hook::on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
  }

  void watch(int rd) {
    for (;;) {
      char c;
      const auto n = ::read(rd, &c, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      std::vector<std::weak_ptr<scheduler>> watched;
      {
        std::lock_guard lock(m_);
        watched.swap(watched_);
        // The next signal, of either kind, acts as without the setting (until another
        // context asks again).
        struct sigaction sa {};
        sa.sa_handler = SIG_DFL;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGINT, &sa, nullptr);
        ::sigaction(SIGTERM, &sa, nullptr);
      }
      for (auto& w : watched) {
        if (auto s = w.lock()) {
          try {
            s->stop(true, true);
          } catch (...) {
            // A failed batch is rethrown to the program by await_termination.
          }
        }
      }
    }
  }

  std::mutex m_;
  std::vector<std::weak_ptr<scheduler>> watched_;
  bool watcher_started_ = false;
};

}  // namespace dstream::detail
