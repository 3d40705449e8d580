#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace dstream {

/// Durations of batches, windows and slides: milliseconds (`1s`, `500ms` work).
using duration = std::chrono::milliseconds;

/// The time of a batch (Spark's `Time`): milliseconds since the epoch, or since 0 under
/// the manual clock. Prints as `<ms> ms`.
class batch_time {
 public:
  constexpr batch_time() = default;
  constexpr explicit batch_time(std::int64_t ms) noexcept : ms_(ms) {}

  constexpr std::int64_t milliseconds() const noexcept { return ms_; }

  friend constexpr auto operator<=>(batch_time, batch_time) = default;
  friend constexpr batch_time operator+(batch_time t, duration d) noexcept { return batch_time(t.ms_ + d.count()); }
  friend constexpr batch_time operator-(batch_time t, duration d) noexcept { return batch_time(t.ms_ - d.count()); }
  friend constexpr duration operator-(batch_time a, batch_time b) noexcept { return duration(a.ms_ - b.ms_); }
  /// True when this time lies a whole number of `d` after `zero`.
  constexpr bool is_multiple_of(duration d, batch_time zero = batch_time(0)) const noexcept {
    return d.count() > 0 && (ms_ - zero.ms_) % d.count() == 0;
  }

  std::string to_string() const { return std::to_string(ms_) + " ms"; }
  friend std::ostream& operator<<(std::ostream& os, batch_time t) { return os << t.ms_ << " ms"; }

 private:
  std::int64_t ms_ = 0;
};

namespace detail {
inline std::string format_duration(duration d) { return std::to_string(d.count()) + " ms"; }
}  // namespace detail

}  // namespace dstream
