#pragma once
// The receiver of `socket_text_stream`: connects to host:port, stores each line (without
// `\n`; a `\r\n` ending is accepted), and asks for a restart when the connection is
// refused or lost, so the stream resumes when the server comes back. Connecting never
// holds up a stop: it waits in short slices and gives up when the receiver is stopped.

#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <sys/socket.h>

#include <dstream/detail/config.hpp>
#include <dstream/runtime/receiver.hpp>

namespace dstream::detail {

class socket_line_receiver final : public receiver<std::string> {
 public:
  /// `max_line`: the longest line kept, in bytes (0: no bound).
  socket_line_receiver(std::string host, int port, std::size_t max_line = std::size_t(16) << 20)
      : host_(std::move(host)), port_(port), max_line_(max_line) {}
  DSTREAM_DECL ~socket_line_receiver() override;

  DSTREAM_DECL std::string name() const override;

  DSTREAM_DECL void on_start() override;
  DSTREAM_DECL void on_stop() override;

 private:
  void run();

  // Stores the lines of one read; false once the stream takes no more.
  bool emit(std::vector<std::string>& lines);

  int connect_to();

  // Connects `fd`, waiting in slices of 100 ms so that a stop does not wait for the
  // system's connect timeout when the address does not answer. False with `error` set
  // when the connection failed or the receiver was told to stop.
  bool connect_or_quit(int fd, const sockaddr* addr, socklen_t len, std::string& error);

  void close_fd();

  std::string host_;
  int port_;
  std::size_t max_line_;
  std::atomic<bool> quit_{false};
  std::mutex m_;
  int fd_ = -1;
  std::thread thread_;
};

}  // namespace dstream::detail

#ifdef DSTREAM_HEADER_ONLY
#include <dstream/io/impl/socket_stream.ipp>
#endif
