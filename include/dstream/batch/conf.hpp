#pragma once
// ds::conf — the application's configuration, as Spark's SparkConf.

#include <charconv>
#include <cstddef>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace dstream {

/// The configuration of an application: its name, its master and free-form settings.
///
/// Signature: `conf().app_name(s).master(s).set(key, value)`
///
/// Example: `auto c = ds::conf().app_name("word count").master("local[2]");`
///
/// The master is `local` (one thread), `local[n]` (n threads) or `local[*]` (one thread
/// per core); anything else throws `std::invalid_argument` naming the value.
class conf {
 public:
  conf() = default;

  conf& app_name(std::string name) {
    app_name_ = std::move(name);
    return *this;
  }
  conf& master(std::string m) {
    threads_ = parse_master(m);
    master_ = std::move(m);
    return *this;
  }
  conf& set(std::string key, std::string value) {
    settings_[std::move(key)] = std::move(value);
    return *this;
  }

  const std::string& app_name() const noexcept { return app_name_; }
  const std::string& master() const noexcept { return master_; }

  /// The value of a setting, or nullopt when it was never set.
  std::optional<std::string> get(const std::string& key) const {
    auto it = settings_.find(key);
    if (it == settings_.end()) return std::nullopt;
    return it->second;
  }
  /// The value of a setting, or `fallback`.
  std::string get(const std::string& key, std::string fallback) const {
    auto it = settings_.find(key);
    return it == settings_.end() ? std::move(fallback) : it->second;
  }
  const std::map<std::string, std::string>& settings() const noexcept { return settings_; }

  /// The number of worker threads the master asks for.
  std::size_t threads() const noexcept { return threads_; }

  /// Parses a master string; returns its thread count or throws `std::invalid_argument`.
  static std::size_t parse_master(std::string_view m) {
    if (m == "local") return 1;
    constexpr std::string_view open = "local[";
    if (m.size() > open.size() + 1 && m.substr(0, open.size()) == open && m.back() == ']') {
      std::string_view inner = m.substr(open.size(), m.size() - open.size() - 1);
      if (inner == "*") return cores();
      std::size_t n = 0;
      auto [end, ec] = std::from_chars(inner.data(), inner.data() + inner.size(), n);
      if (ec == std::errc{} && end == inner.data() + inner.size() && n >= 1 && n <= 4096) return n;
    }
    throw std::invalid_argument("ds::conf::master: invalid master \"" + std::string(m) +
                                "\"; expected \"local\", \"local[n]\" with 1 <= n <= 4096, or \"local[*]\"");
  }

 private:
  static std::size_t cores() noexcept {
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : n;
  }

  std::string app_name_ = "dstream";
  std::string master_ = "local[*]";
  std::size_t threads_ = cores();
  std::map<std::string, std::string> settings_;
};

}  // namespace dstream
