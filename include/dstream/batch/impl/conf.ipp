#pragma once
// Definitions of batch/conf.hpp: inline in the header-only form, compiled once in
// dstream/impl/src.cpp with DSTREAM_SEPARATE_COMPILATION (detail/config.hpp).

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include <dstream/batch/conf.hpp>

namespace dstream {

DSTREAM_DECL conf& conf::master(std::string m) {
  threads_ = parse_master(m);
  master_ = std::move(m);
  return *this;
}

DSTREAM_DECL std::optional<std::string> conf::get(const std::string& key) const {
  auto it = settings_.find(key);
  if (it == settings_.end()) return std::nullopt;
  return it->second;
}

DSTREAM_DECL double conf::get_number(const std::string& key, double fallback) const {
  auto v = get(key);
  if (!v) return fallback;
  double d = 0;
  if (!parse_number(*v, d)) throw std::invalid_argument("ds::conf: " + key + " must be a number, got \"" + *v + "\"");
  return d;
}

DSTREAM_DECL std::size_t conf::get_count(const std::string& key) const {
  const double d = get_number(key, 0);
  if (d < 0 || d > 1e15 || d != static_cast<double>(static_cast<std::int64_t>(d)))
    throw std::invalid_argument("ds::conf: " + key + " must be a whole number >= 0, got \"" + *get(key) + "\"");
  return static_cast<std::size_t>(d);
}

DSTREAM_DECL std::chrono::milliseconds conf::parse_duration(const std::string& key, const std::string& v) {
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

DSTREAM_DECL std::size_t conf::parse_master(std::string_view m) {
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

DSTREAM_DECL bool conf::parse_number(std::string_view s, double& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size() && std::isfinite(out);
}

DSTREAM_DECL std::string conf::get(const std::string& key, std::string fallback) const {
  auto it = settings_.find(key);
  return it == settings_.end() ? std::move(fallback) : it->second;
}

DSTREAM_DECL std::chrono::milliseconds conf::get_duration(const std::string& key,
                                                       std::chrono::milliseconds fallback) const {
  auto v = get(key);
  return v ? parse_duration(key, *v) : fallback;
}

DSTREAM_DECL std::size_t conf::cores() noexcept {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

}  // namespace dstream
