// line_server: serves lines of text on a TCP port, as `nc -lk <port>` does in the Spark
// Streaming guide, so that network_word_count has something to read.
//
//   line_server <port> [FILE] [--rate N] [--count N]
//
// Every client that connects gets its own copy of the text: the lines of FILE over and
// over, or (without FILE) lines of words drawn from a fixed vocabulary by a generator with
// a fixed seed, so each run and each client sees the same text.
//   --rate N   lines per second to each client (default 1000; 0 = as fast as possible)
//   --count N  lines sent to each client before its connection is closed (default: no end)
// Port 0 asks the system for a free port. The first line written to stdout is the port
// listened on; the rest of the log goes to stderr. SIGINT or SIGTERM stops the server.

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "example_support.hpp"

namespace {

constexpr std::string_view usage = "usage: line_server <port> [FILE] [--rate LINES_PER_SECOND] [--count LINES]\n";

bool quitting() { return example::stop_requested(); }

constexpr std::string_view vocabulary[] = {
    "spark", "stream", "batch", "record", "window", "state", "key", "value", "count", "word",
    "line", "socket", "file", "queue", "time", "second", "slide", "join", "map", "reduce",
    "filter", "partition", "core", "thread", "driver", "receiver", "block", "output", "print", "data",
    "the", "a", "of", "and", "to", "in", "is", "it", "for", "on",
    "river", "stone", "cloud", "light", "paper", "green", "quiet", "north", "apple", "storm"};

// Where the lines come from: a file's lines (repeated) or generated text.
class line_source {
 public:
  explicit line_source(const std::vector<std::string>* file) : file_(file), rng_(20210117) {}

  // Appends the next line and its '\n' to `out`.
  void next(std::string& out) {
    if (file_) {
      out += (*file_)[pos_];
      pos_ = (pos_ + 1) % file_->size();
    } else {
      std::uniform_int_distribution<int> len(4, 12);
      std::uniform_int_distribution<std::size_t> pick(0, std::size(vocabulary) - 1);
      int n = len(rng_);
      for (int i = 0; i < n; ++i) {
        if (i) out += ' ';
        out += vocabulary[pick(rng_)];
      }
    }
    out += '\n';
  }

 private:
  const std::vector<std::string>* file_;
  std::size_t pos_ = 0;
  std::mt19937 rng_;
};

struct options {
  int port = -1;
  std::string file;
  double rate = 1000;
  std::optional<std::uint64_t> count;
};

// Sends all of `data`; false when the client has gone or the server is stopping.
bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    if (quitting()) return false;
    pollfd p{fd, POLLOUT, 0};
    int r = ::poll(&p, 1, 200);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return false;
    if (r == 0) continue;
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void serve(int fd, std::string peer, const options& opt, const std::vector<std::string>* file) {
  using clock = std::chrono::steady_clock;
  line_source source(file);
  std::uint64_t sent = 0;
  const auto start = clock::now();
  std::string buf;
  bool ok = true;
  while (ok && !quitting() && (!opt.count || sent < *opt.count)) {
    // How many lines are due now: all of a 64 KiB buffer when unlimited, else by the clock.
    std::uint64_t due = 0;
    if (opt.rate <= 0) {
      due = 1024;
    } else {
      double elapsed = std::chrono::duration<double>(clock::now() - start).count();
      auto target = static_cast<std::uint64_t>(elapsed * opt.rate) + 1;
      if (target <= sent) {
        auto wait = std::chrono::duration<double>((static_cast<double>(sent) + 1) / opt.rate - elapsed);
        std::this_thread::sleep_for(std::min<std::chrono::duration<double>>(wait, std::chrono::milliseconds(100)));
        continue;
      }
      due = target - sent;
    }
    if (opt.count) due = std::min(due, *opt.count - sent);
    // Lines go out in writes of about 64 KiB.
    buf.clear();
    std::uint64_t in_buf = 0;
    while (ok && due > 0) {
      source.next(buf);
      ++in_buf;
      --due;
      if (buf.size() >= 64 * 1024 || due == 0) {
        ok = send_all(fd, buf);
        if (ok) sent += in_buf;
        in_buf = 0;
        buf.clear();
      }
    }
  }
  ::close(fd);
  std::cerr << "line_server: " << peer << " done after " << sent << " lines"
            << (ok ? "" : " (the client went away or the server stopped)") << '\n';
}

// A listening socket on every address (IPv6 with IPv4 mapped, else IPv4 only).
int listen_on(int port, int& actual, std::string& error) {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1, zero = 0;
  if (fd >= 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_any;
    a.sin6_port = htons(static_cast<std::uint16_t>(port));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(fd, 16) == 0) {
      socklen_t len = sizeof a;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
      actual = ntohs(a.sin6_port);
      return fd;
    }
    error = std::strerror(errno);
    ::close(fd);
  }
  fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::strerror(errno);
    return -1;
  }
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 16) != 0) {
    error = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  actual = ntohs(a.sin_port);
  return fd;
}

std::string peer_name(const sockaddr_storage& s) {
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (s.ss_family == AF_INET6) {
    auto& a = reinterpret_cast<const sockaddr_in6&>(s);
    ::inet_ntop(AF_INET6, &a.sin6_addr, host, sizeof host);
    port = ntohs(a.sin6_port);
  } else if (s.ss_family == AF_INET) {
    auto& a = reinterpret_cast<const sockaddr_in&>(s);
    ::inet_ntop(AF_INET, &a.sin_addr, host, sizeof host);
    port = ntohs(a.sin_port);
  }
  return std::string(host) + " port " + std::to_string(port);
}

}  // namespace

int main(int argc, char** argv) {
  const example::command_line args("line_server", usage, argc, argv, {"--rate", "--count"});
  const auto& positional = args.positional();
  for (auto a : positional)
    if (a.starts_with("-") && a.size() > 1) args.fail("unknown option '" + std::string(a) + "'");
  args.expect_positional(1, 2);
  options opt;
  if (auto v = args.option("--rate"); v && (!example::parse_number(*v, opt.rate) || opt.rate < 0))
    args.fail("--rate '" + std::string(*v) + "' is not a number of lines per second >= 0");
  if (auto v = args.option("--count")) {
    std::uint64_t n = 0;
    if (!example::parse_number(*v, n)) args.fail("--count '" + std::string(*v) + "' is not a whole number >= 0");
    opt.count = n;
  }
  if (!example::parse_number(positional[0], opt.port) || opt.port < 0 || opt.port > 65535)
    args.fail("port '" + std::string(positional[0]) + "' is not a number in 0..65535");

  std::vector<std::string> file_lines;
  if (positional.size() == 2) {
    opt.file = positional[1];
    std::ifstream in(opt.file);
    if (!in) {
      std::cerr << "line_server: cannot open '" << opt.file << "': " << std::strerror(errno) << '\n';
      return 1;
    }
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      file_lines.push_back(std::move(line));
    }
    if (file_lines.empty()) {
      std::cerr << "line_server: '" << opt.file << "' has no lines to serve\n";
      return 1;
    }
  }

  std::signal(SIGPIPE, SIG_IGN);
  example::stop_on_signals();

  int port = 0;
  std::string error;
  int listener = listen_on(opt.port, port, error);
  if (listener < 0) {
    std::cerr << "line_server: cannot listen on port " << opt.port << ": " << error << '\n';
    return 1;
  }
  std::cout << port << std::endl;
  std::cerr << "line_server: serving " << (opt.file.empty() ? std::string("generated text") : "'" + opt.file + "'")
            << " on port " << port << " at "
            << (opt.rate > 0 ? std::to_string(static_cast<long long>(opt.rate)) + " lines/s" : std::string("full speed"))
            << (opt.count ? " (" + std::to_string(*opt.count) + " lines per client)" : std::string()) << '\n';

  const std::vector<std::string>* file = opt.file.empty() ? nullptr : &file_lines;
  struct client {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<client> clients;
  auto reap = [&clients](bool all) {
    for (auto it = clients.begin(); it != clients.end();) {
      if (all || *it->done) {
        it->thread.join();
        it = clients.erase(it);
      } else {
        ++it;
      }
    }
  };
  while (!quitting()) {
    reap(false);
    pollfd p{listener, POLLIN, 0};
    int r = ::poll(&p, 1, 200);
    if (r <= 0) continue;  // timeout, or EINTR from a signal: check the flag again
    sockaddr_storage from{};
    socklen_t len = sizeof from;
    int fd = ::accept4(listener, reinterpret_cast<sockaddr*>(&from), &len, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::string peer = peer_name(from);
    std::cerr << "line_server: client " << peer << " connected\n";
    auto done = std::make_shared<std::atomic<bool>>(false);
    clients.push_back(client{std::thread([fd, peer = std::move(peer), &opt, file, done] {
                               serve(fd, peer, opt, file);
                               *done = true;
                             }),
                             done});
  }
  ::close(listener);
  reap(true);
  std::cerr << "line_server: stopped\n";
  return 0;
}
