#pragma once
// The receiver of `socket_text_stream`: connects to host:port, stores each line (without
// `\n`; a `\r\n` ending is accepted), and asks for a restart when the connection is
// refused or lost, so the stream resumes when the server comes back.

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include <netdb.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <dstream/runtime/receiver.hpp>

namespace dstream::detail {

class socket_line_receiver final : public receiver<std::string> {
 public:
  socket_line_receiver(std::string host, int port) : host_(std::move(host)), port_(port) {}
  ~socket_line_receiver() override { on_stop(); }

  std::string name() const override { return "socket_text_stream " + host_ + ":" + std::to_string(port_); }

  void on_start() override {
    quit_ = false;
    thread_ = std::thread([this] { run(); });
  }
  void on_stop() override {
    quit_ = true;
    {
      std::lock_guard lock(m_);
      if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    int fd = connect_to();
    if (fd < 0) return;
    std::string pending;
    char buf[64 * 1024];
    for (;;) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        std::string why = n == 0 ? std::string("the server closed the connection") : std::strerror(errno);
        if (!pending.empty() && !quit_) emit(std::move(pending));
        close_fd();
        if (!quit_) restart("lost the connection to " + host_ + ":" + std::to_string(port_) + ": " + why);
        return;
      }
      std::size_t start = 0;
      for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
        if (buf[i] != '\n') continue;
        pending.append(buf + start, i - start);
        start = i + 1;
        emit(std::move(pending));
        pending.clear();
      }
      pending.append(buf + start, static_cast<std::size_t>(n) - start);
    }
  }

  void emit(std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    try {
      store(std::move(line));
    } catch (const std::logic_error&) {
      // Stopped while reading: the stream no longer takes records.
      quit_ = true;
    } catch (const std::exception& e) {
      // The record could not be kept (the write-ahead log failed): say so and reconnect.
      report_error(e.what());
      quit_ = true;
      restart(std::string("a record could not be stored: ") + e.what());
    }
  }

  int connect_to() {
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
      if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
      error = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
    ::freeaddrinfo(res);
    if (fd < 0) {
      restart("cannot connect to " + host_ + ":" + port + ": " + error);
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

  void close_fd() {
    std::lock_guard lock(m_);
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  std::string host_;
  int port_;
  std::atomic<bool> quit_{false};
  std::mutex m_;
  int fd_ = -1;
  std::thread thread_;
};

}  // namespace dstream::detail
