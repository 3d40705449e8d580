#pragma once
// Definitions of io/socket_stream.hpp: inline in the header-only form, compiled once in
// dstream/impl/src.cpp with DSTREAM_SEPARATE_COMPILATION (detail/config.hpp).

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <dstream/io/socket_stream.hpp>
#include <dstream/text/lines.hpp>

namespace dstream::detail {

DSTREAM_DECL socket_line_receiver::~socket_line_receiver() { on_stop(); }

DSTREAM_DECL std::string socket_line_receiver::name() const {
  return "socket_text_stream " + host_ + ":" + std::to_string(port_);
}

DSTREAM_DECL void socket_line_receiver::on_start() {
  quit_ = false;
  thread_ = std::thread([this] { run(); });
}

DSTREAM_DECL void socket_line_receiver::on_stop() {
  quit_ = true;
  {
    std::lock_guard lock(m_);
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  }
  if (thread_.joinable()) thread_.join();
}

DSTREAM_DECL void socket_line_receiver::run() {
  int fd = connect_to();
  if (fd < 0) return;
  line_splitter splitter(max_line_);
  std::vector<std::string> lines;  // the lines of one read, stored together
  std::vector<std::string> spare;  // recycled strings, overwritten by new lines
  std::size_t used = 0;
  auto fresh = [&]() -> std::string {
    if (used == spare.size()) {
      spare = recycled();
      used = 0;
      if (spare.empty()) return {};
    }
    return std::move(spare[used++]);
  };
  auto keep = [&](std::string&& line) { lines.push_back(std::move(line)); };
  auto too_long = [&](std::uint64_t bytes, std::uint64_t line) {
    report_error("line " + std::to_string(line) + " of this connection has " + std::to_string(bytes) +
                 " bytes, more than dstream.text.max_line_bytes (" + std::to_string(max_line_) +
                 "); it is skipped and the stream goes on");
  };
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = n == 0 ? std::string("the server closed the connection") : std::strerror(errno);
      splitter.finish(keep, too_long);
      emit(lines);
      close_fd();
      if (!quit_) restart("lost the connection to " + host_ + ":" + std::to_string(port_) + ": " + why);
      return;
    }
    splitter.feed(buf, buf + n, fresh, keep, too_long);
    if (!emit(lines)) {
      close_fd();
      return;
    }
  }
}

DSTREAM_DECL bool socket_line_receiver::emit(std::vector<std::string>& lines) {
  if (lines.empty()) return !quit_;
  try {
    store(std::move(lines));
  } catch (const std::logic_error&) {
    // Stopped while reading: the stream no longer takes records.
    quit_ = true;
  } catch (const std::exception& e) {
    // The lines could not be kept (the write-ahead log failed): say so and reconnect.
    report_error(e.what());
    quit_ = true;
    restart(std::string("lines could not be stored: ") + e.what());
  }
  lines.clear();
  return !quit_;
}

DSTREAM_DECL int socket_line_receiver::connect_to() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port = std::to_string(port_);
  int rc = ::getaddrinfo(host_.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) {
    restart("cannot resolve " + host_ + ":" + port + ": " + ::gai_strerror(rc));
    return -1;
  }
  std::string error = "no address";
  int fd = -1;
  for (addrinfo* a = res; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      error = std::strerror(errno);
      continue;
    }
    if (connect_or_quit(fd, a->ai_addr, a->ai_addrlen, error)) break;
    ::close(fd);
    fd = -1;
    if (quit_) break;
  }
  ::freeaddrinfo(res);
  if (fd < 0) {
    if (!quit_) restart("cannot connect to " + host_ + ":" + port + ": " + error);
    return -1;
  }
  std::lock_guard lock(m_);
  if (quit_) {
    ::close(fd);
    return -1;
  }
  fd_ = fd;
  return fd;
}

DSTREAM_DECL bool socket_line_receiver::connect_or_quit(int fd, const sockaddr* addr, socklen_t len,
                                                      std::string& error) {
  const int flags = ::fcntl(fd, F_GETFL, 0);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    error = std::strerror(errno);
    return false;
  }
  if (::connect(fd, addr, len) != 0) {
    if (errno != EINPROGRESS) {
      error = std::strerror(errno);
      return false;
    }
    for (;;) {
      if (quit_) {
        error = "the receiver was stopped";
        return false;
      }
      pollfd p{fd, POLLOUT, 0};
      const int r = ::poll(&p, 1, 100);
      if (r > 0) break;
      if (r < 0 && errno != EINTR) {
        error = std::strerror(errno);
        return false;
      }
    }
    int err = 0;
    socklen_t err_len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) err = errno;
    if (err != 0) {
      error = std::strerror(err);
      return false;
    }
  }
  if (::fcntl(fd, F_SETFL, flags) < 0) {  // reads block again
    error = std::strerror(errno);
    return false;
  }
  return true;
}

DSTREAM_DECL void socket_line_receiver::close_fd() {
  std::lock_guard lock(m_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace dstream::detail
