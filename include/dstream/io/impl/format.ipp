#pragma once
// Definitions of io/format.hpp: inline in the header-only form, compiled once in
// dstream/impl/src.cpp with DSTREAM_SEPARATE_COMPILATION (detail/config.hpp).

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <ostream>
#include <string>
#include <string_view>

#include <dstream/io/format.hpp>

namespace dstream::detail {

DSTREAM_DECL void python_repr(std::ostream& os, std::string_view s) {
  const char q = s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos ? '"' : '\'';
  os << q;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == q || c == '\\') {
      os << '\\' << c;
    } else if (c == '\n') {
      os << "\\n";
    } else if (c == '\r') {
      os << "\\r";
    } else if (c == '\t') {
      os << "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      constexpr char hex[] = "0123456789abcdef";
      os << "\\x" << hex[u >> 4] << hex[u & 15];
    } else {
      os << c;
    }
  }
  os << q;
}

DSTREAM_DECL std::string python_time(std::int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  ::localtime_r(&secs, &tm);
  char buf[48];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::string s(buf, n);
  if (const auto frac = ms - static_cast<std::int64_t>(secs) * 1000; frac != 0) {
    char f[16];
    std::snprintf(f, sizeof f, ".%03d000", static_cast<int>(frac));
    s += f;
  }
  return s;
}

}  // namespace dstream::detail
