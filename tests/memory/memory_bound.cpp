// memory_bound: runs a socket word count against a sender that a default-configured
// stream cannot keep up with, and reports the process's peak memory (VmHWM), for
// tests/support/memory_test.py to hold against a bound.
//
//   memory_bound flood SECONDS [key=value ...]   lines as fast as TCP takes them
//   memory_bound long-line MIB [key=value ...]    one line of MIB MiB with no newline, then "after"
//   memory_bound big-file MIB [key=value ...]     a text file of MIB MiB moved into a watched directory
//
// Prints `key=value` lines: peak_mib, records, batches, max_scheduling_delay_ms, and for
// long-line `after_seen` and `input_errors`.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dstream/dstream.hpp>

namespace ds = dstream;
using namespace std::chrono_literals;

namespace {

std::int64_t peak_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) / 1024;  // kB
  return -1;
}

/// A one-client TCP server on a free loopback port, writing what `produce` gives until it
/// returns an empty view or the server is stopped.
class sender {
 public:
  explicit sender(std::function<std::string_view()> produce) : produce_(std::move(produce)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd_, 1) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error(std::string("memory_bound: cannot listen: ") + std::strerror(errno));
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~sender() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    if (client_ >= 0) ::shutdown(client_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
    if (client_ >= 0) ::close(client_);
  }
  int port() const { return port_; }
  std::int64_t bytes_sent() const { return sent_; }

 private:
  void serve() {
    client_ = ::accept(fd_, nullptr, nullptr);
    if (client_ < 0) return;
    while (!stop_) {
      std::string_view chunk = produce_();
      if (chunk.empty()) break;
      while (!chunk.empty() && !stop_) {
        ssize_t n = ::send(client_, chunk.data(), chunk.size(), MSG_NOSIGNAL);
        if (n <= 0) return;
        chunk.remove_prefix(static_cast<std::size_t>(n));
        sent_ += n;
      }
    }
    while (!stop_) std::this_thread::sleep_for(10ms);  // keep the connection open
  }

  std::function<std::string_view()> produce_;
  int fd_ = -1;
  std::atomic<int> client_{-1};
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::int64_t> sent_{0};
  std::thread thread_;
};

struct totals : ds::streaming_listener {
  std::mutex m;
  std::int64_t records = 0, batches = 0, max_delay_ms = 0, max_total_ms = 0;
  std::int64_t input_errors = 0;
  void on_batch_completed(const ds::batch_info& b) override {
    std::lock_guard lock(m);
    records += b.num_records;
    ++batches;
    if (b.scheduling_delay) max_delay_ms = std::max<std::int64_t>(max_delay_ms, b.scheduling_delay->count());
    if (b.total_delay) max_total_ms = std::max<std::int64_t>(max_total_ms, b.total_delay->count());
  }
  void on_receiver_error(const ds::receiver_info&) override {
    std::lock_guard lock(m);
    ++input_errors;
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: memory_bound flood SECONDS | long-line MIB [key=value ...]\n";
    return 2;
  }
  const std::string mode = argv[1];
  const double amount = std::stod(argv[2]);
  ds::conf conf = ds::conf().app_name("memory_bound").master("local[2]");
  for (int i = 3; i < argc; ++i) {
    std::string kv = argv[i];
    auto eq = kv.find('=');
    conf.set(kv.substr(0, eq), kv.substr(eq + 1));
  }

  // What the sender writes: a 1 MiB buffer of short lines again and again (flood), or one
  // long line in 1 MiB pieces followed by "after\n" (long-line).
  std::string buffer;
  while (buffer.size() < (1u << 20)) buffer += "the quick brown fox jumps over the lazy dog again and again\n";
  std::string piece(1u << 20, 'x');
  std::int64_t pieces_left = mode == "long-line" ? static_cast<std::int64_t>(amount) : 0;
  bool after_sent = false;
  std::function<std::string_view()> produce = [&]() -> std::string_view {
    if (mode == "flood") return buffer;
    if (pieces_left > 0) {
      --pieces_left;
      return piece;
    }
    if (!after_sent) {
      after_sent = true;
      return "\nafter\n";
    }
    return {};
  };
  sender server(produce);
  const auto dir = std::filesystem::temp_directory_path() / ("memory_bound-" + std::to_string(::getpid()));
  if (mode == "big-file") std::filesystem::create_directories(dir / "in");

  totals seen;
  std::atomic<bool> after_seen{false};
  try {
    ds::streaming_context ssc(conf, 1s);
    ssc.add_listener(seen);
    auto lines = mode == "big-file" ? ssc.text_file_stream(dir / "in") : ssc.socket_text_stream("127.0.0.1", server.port());
    if (mode == "big-file") {
      lines | ds::foreach_rdd([&](const ds::rdd<std::string>& rdd, ds::batch_time) {
        if ((rdd | ds::count()) > 0) after_seen = true;
      });
    } else if (mode == "flood") {
      // A word count whose every word costs some work: slower than the sender.
      lines | ds::flat_map([](const std::string& line) { return ds::split(line, ' '); }) |
          ds::map([](std::string_view w) {
            std::uint64_t h = 0;
            for (int round = 0; round < 24; ++round)
              for (char c : w) h = h * 131 + static_cast<unsigned char>(c);
            return std::pair{w, static_cast<long>(h & 1)};
          }) |
          ds::reduce_by_key(std::plus<>{}) | ds::foreach_rdd([](const auto& rdd, ds::batch_time) { (void)(rdd | ds::count()); });
    } else {
      lines | ds::foreach_rdd([&](const ds::rdd<std::string>& rdd, ds::batch_time) {
        for (const auto& l : rdd | ds::collect())
          if (l == "after") after_seen = true;
      });
    }
    ssc.start();
    if (mode == "big-file") {
      // Written aside, then moved in whole.
      {
        std::ofstream out(dir / "big.txt", std::ios::binary);
        for (std::int64_t i = 0; i < static_cast<std::int64_t>(amount); ++i) out << buffer;
      }
      std::filesystem::rename(dir / "big.txt", dir / "in" / "big.txt");
    }
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(mode == "flood" ? amount : 120);
    while (std::chrono::steady_clock::now() < end && !(mode != "flood" && after_seen)) std::this_thread::sleep_for(100ms);
    ssc.stop(true, false);
    std::filesystem::remove_all(dir);
  } catch (const std::exception& e) {
    std::cerr << "memory_bound: " << e.what() << '\n';
    return 1;
  }
  std::lock_guard lock(seen.m);
  std::cout << "peak_mib=" << peak_mib() << "\nrecords=" << seen.records << "\nbatches=" << seen.batches
            << "\nmax_scheduling_delay_ms=" << seen.max_delay_ms << "\nmax_total_delay_ms=" << seen.max_total_ms << "\nsent_mib=" << (server.bytes_sent() >> 20)
            << "\nafter_seen=" << (after_seen ? 1 : 0) << "\nreceiver_errors=" << seen.input_errors << '\n';
  return 0;
}
