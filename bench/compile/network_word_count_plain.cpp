// network_word_count without dstream: lines from a TCP server, words counted per 1 s
// batch and printed as pprint does (POSIX sockets, one thread, a poll deadline per batch).
// Compiled, never run, by bench/compile_time.py beside examples/network_word_count.cpp.

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include <boost/unordered/unordered_flat_map.hpp>

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 3) return 1;
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (::getaddrinfo(argv[1], argv[2], &hints, &res) != 0) return 1;
  int fd = ::socket(res->ai_family, res->ai_socktype, res->ai_protocol);
  if (fd < 0 || ::connect(fd, res->ai_addr, res->ai_addrlen) != 0) return 1;
  ::freeaddrinfo(res);
  std::string buf;
  boost::unordered_flat_map<std::string, long> counts;
  auto next = std::chrono::system_clock::now() + std::chrono::seconds(1);
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - std::chrono::system_clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<long>(0, wait.count()))) > 0) {
      char chunk[65536];
      auto n = ::read(fd, chunk, sizeof chunk);
      if (n <= 0) break;
      buf.append(chunk, static_cast<std::size_t>(n));
      std::size_t start = 0, nl;
      while ((nl = buf.find('\n', start)) != std::string::npos) {
        std::string_view line(buf.data() + start, nl - start);
        std::size_t i = 0;
        while (i <= line.size()) {
          auto e = line.find(' ', i);
          if (e == std::string_view::npos) e = line.size();
          ++counts[std::string(line.substr(i, e - i))];
          i = e + 1;
        }
        start = nl + 1;
      }
      buf.erase(0, start);
    }
    if (std::chrono::system_clock::now() >= next) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next.time_since_epoch()).count();
      std::cout << "-------------------------------------------\nTime: " << ms
                << " ms\n-------------------------------------------\n";
      int shown = 0;
      for (auto& [w, c] : counts) {
        if (shown++ == 10) {
          std::cout << "...\n";
          break;
        }
        std::cout << '(' << w << ',' << c << ")\n";
      }
      std::cout << '\n' << std::flush;
      counts.clear();
      next += std::chrono::seconds(1);
    }
  }
  ::close(fd);
}
