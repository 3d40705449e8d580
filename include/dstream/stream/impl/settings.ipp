#pragma once
// Definitions of stream/settings.hpp: inline in the header-only form, compiled once in
// dstream/impl/src.cpp with DSTREAM_SEPARATE_COMPILATION (detail/config.hpp).

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <dstream/stream/settings.hpp>

namespace dstream::detail {

DSTREAM_DECL std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

DSTREAM_DECL void check_settings(const ::dstream::conf& c) {
  for (const auto& [key, value] : c.settings()) {
    if (key.rfind("dstream.", 0) != 0) continue;  // other namespaces are the user's own
    const setting* s = nullptr;
    for (const auto& k : known_settings)
      if (k.key == key) s = &k;
    if (!s) {
      const setting* near = &known_settings[0];
      for (const auto& k : known_settings)
        if (edit_distance(key, k.key) < edit_distance(key, near->key)) near = &k;
      throw std::invalid_argument("ds::conf: unknown setting \"" + key + "\"; did you mean \"" +
                                  std::string(near->key) + "\"?");
    }
    switch (s->kind) {
      case setting_kind::boolean:
        if (value != "true" && value != "false")
          throw std::invalid_argument("ds::conf: " + key + " must be true or false, got \"" + value + "\"");
        break;
      case setting_kind::duration:
        (void)::dstream::conf::parse_duration(key, value);
        break;
      case setting_kind::rate:
        if (c.get_number(key, 0) < 0)
          throw std::invalid_argument("ds::conf: " + key + " must be a rate >= 0 (0: no limit), got \"" + value + "\"");
        break;
      case setting_kind::count:
        (void)c.get_count(key);
        break;
      case setting_kind::text:
        if (value.empty()) throw std::invalid_argument("ds::conf: " + key + " must not be empty");
        break;
      case setting_kind::choice: {
        bool ok = false;
        std::string_view rest = s->choices;
        while (!rest.empty()) {
          const auto bar = rest.find('|');
          if (rest.substr(0, bar) == value) ok = true;
          rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
        }
        if (!ok)
          throw std::invalid_argument("ds::conf: " + key + " must be one of " + std::string(s->choices) + ", got \"" +
                                      value + "\"");
        break;
      }
    }
  }
}

}  // namespace dstream::detail
