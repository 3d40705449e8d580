#pragma once
// ds::conf — the application's configuration, as Spark's SparkConf.

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
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

  /// A number setting, or `fallback` when unset; anything that is not a number throws
  /// `std::invalid_argument` naming the key and the value.
  double get_number(const std::string& key, double fallback) const {
    auto v = get(key);
    if (!v) return fallback;
    double d = 0;
    if (!parse_number(*v, d)) throw std::invalid_argument("ds::conf: " + key + " must be a number, got \"" + *v + "\"");
    return d;
  }
  /// A count setting: a whole number >= 0 (0 when unset, which callers read as "no bound").
  std::size_t get_count(const std::string& key) const {
    const double d = get_number(key, 0);
    if (d < 0 || d > 1e15 || d != static_cast<double>(static_cast<std::int64_t>(d)))
      throw std::invalid_argument("ds::conf: " + key + " must be a whole number >= 0, got \"" + *get(key) + "\"");
    return static_cast<std::size_t>(d);
  }
  /// A duration setting, or `fallback` when unset: `parse_duration`'s forms.
  std::chrono::milliseconds get_duration(const std::string& key, std::chrono::milliseconds fallback) const {
    auto v = get(key);
    return v ? parse_duration(key, *v) : fallback;
  }

  /// The one duration syntax of settings: milliseconds (`200`), or a number with a unit
  /// (`200ms`, `1.5s`); not negative. Throws `std::invalid_argument` naming `key` and `v`.
  static std::chrono::milliseconds parse_duration(const std::string& key, const std::string& v) {
    std::string_view s = v;
    double scale = 1;
    if (s.size() > 2 && s.substr(s.size() - 2) == "ms") {
      s.remove_suffix(2);
    } else if (s.size() > 1 && s.back() == 's') {
      s.remove_suffix(1);
      scale = 1000;
    }
    double d = 0;
    if (!parse_number(s, d) || d < 0 || d * scale > 1e15)
      throw std::invalid_argument("ds::conf: " + key + " must be a duration such as 200ms or 2s, got \"" + v + "\"");
    return std::chrono::milliseconds(static_cast<std::int64_t>(d * scale + 0.5));
  }

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
  // The whole text is a finite decimal number.
  static bool parse_number(std::string_view s, double& out) {
    if (s.empty()) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size() && std::isfinite(out);
  }

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
