#pragma once
// Definitions of stream/shutdown.hpp: inline in the header-only form, compiled once in
// dstream/impl/src.cpp with DSTREAM_SEPARATE_COMPILATION (detail/config.hpp).

#include <cerrno>
#include <csignal>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <dstream/stream/shutdown.hpp>

namespace dstream::detail {

DSTREAM_DECL void shutdown_hook::stop_on_signals(const std::shared_ptr<scheduler>& s) {
  auto& h = instance();
  std::lock_guard lock(h.m_);
  h.watched_.push_back(s);
  h.arm();
}

DSTREAM_DECL shutdown_hook& shutdown_hook::instance() {
  static shutdown_hook* h = new shutdown_hook();  // never destroyed: the watcher may outlive main
  return *h;
}

DSTREAM_DECL int& shutdown_hook::write_end() {
  static int fd = -1;
  return fd;
}

DSTREAM_DECL void shutdown_hook::on_signal(int) {
  const int saved = errno;
  const char c = 1;
  [[maybe_unused]] auto n = ::write(write_end(), &c, 1);
  errno = saved;
}

DSTREAM_DECL void shutdown_hook::arm() {
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

DSTREAM_DECL void shutdown_hook::watch(int rd) {
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

}  // namespace dstream::detail
