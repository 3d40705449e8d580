#pragma once

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include <dstream/detail/closure.hpp>
#include <dstream/detail/protocol.hpp>

namespace dstream {

/// Keeps each element with probability `fraction`, independently (Spark's `sample` without
/// replacement). The choice is deterministic: the same seed, partitioning and batch time
/// keep the same elements on every run and for any number of threads, because each
/// partition draws from its own generator seeded with the seed, the partition's index and
/// (in a stream) the batch time.
///
/// Signature: `sample(fraction, seed)`, `0 <= fraction <= 1` (else `std::invalid_argument`):
/// `rdd<T>` → `rdd<T>`, `dstream<T>` → `dstream<T>`.
///
/// Example: `events | ds::sample(0.01, 42)` keeps about one event in a hundred.
class sample_t : public detail::op_base {
 public:
  using kind = detail::narrow_kind;

  sample_t(double fraction, std::uint64_t seed) : fraction_(fraction), seed_(seed) {
    if (!(fraction >= 0.0 && fraction <= 1.0)) {
      std::ostringstream text;
      text << "ds::sample(fraction, seed): fraction must be in [0, 1], got " << fraction;
      throw std::invalid_argument(text.str());
    }
  }

  template <class X>
  using out = X;

  template <class Down>
  struct sink_t {
    Down down;
    std::uint64_t state;
    double fraction;
    template <class X>
    void push(X&& x) {
      // 53 random bits as a double in [0, 1): never kept at 0, always at 1.
      if (static_cast<double>(next(state) >> 11) * 0x1.0p-53 < fraction) down.push(std::forward<X>(x));
    }
    void finish() { down.finish(); }
  };
  /// Asks for the partition's context: its generator depends on the partition.
  template <class X, class Down>
  auto sink(Down down, const partition_info& info) const {
    std::uint64_t s = seed_;
    s = next(s) ^ static_cast<std::uint64_t>(info.index);
    s = next(s) ^ static_cast<std::uint64_t>(info.time_ms);
    next(s);
    return sink_t<Down>{std::move(down), s, fraction_};
  }

  double fraction() const noexcept { return fraction_; }
  std::uint64_t seed() const noexcept { return seed_; }

 private:
  // SplitMix64: small, fast, and the same sequence on every platform (the std
  // distributions are not).
  static std::uint64_t next(std::uint64_t& s) noexcept {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  double fraction_;
  std::uint64_t seed_;
};

namespace detail {
struct sample_fn {
  sample_t operator()(double fraction, std::uint64_t seed) const { return sample_t(fraction, seed); }
};
}  // namespace detail

/// See `sample_t`.
inline constexpr detail::sample_fn sample{};

}  // namespace dstream
