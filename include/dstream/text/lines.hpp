#pragma once
// Cutting a stream of bytes into lines, with a bound on a line's length: the socket and
// file sources read through this, so one endless line cannot take all the memory.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

namespace dstream::detail {

/// Lines end at '\n' (a '\r' before it is dropped). A line longer than `max_bytes` is not
/// kept: its bytes are passed over as they arrive, and `on_long(bytes, line_number)` hears
/// of it once its end is seen (or the input ends). `max_bytes == 0` means no bound.
class line_splitter {
 public:
  explicit line_splitter(std::size_t max_bytes) : max_(max_bytes) {}

  /// Feeds the bytes [p, end): `fresh()` gives a string to fill (a recycled one keeps its
  /// buffer), `emit(std::string&&)` takes each complete line.
  template <class Fresh, class Emit, class Long>
  void feed(const char* p, const char* end, Fresh&& fresh, Emit&& emit, Long&& on_long) {
    while (const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)))) {
      const auto piece = static_cast<std::size_t>(nl - p);
      ++line_;
      if (skipping_ || too_long(pending_.size() + piece)) {
        on_long(skipped_ + pending_.size() + piece, line_);
        drop_pending();
      } else {
        std::string line = fresh();
        if (pending_.empty()) {
          line.assign(p, nl);
        } else {
          line.assign(pending_);
          line.append(p, nl);
          pending_.clear();
        }
        if (!line.empty() && line.back() == '\r') line.pop_back();
        emit(std::move(line));
      }
      p = nl + 1;
    }
    const auto rest = static_cast<std::size_t>(end - p);
    if (skipping_) {
      skipped_ += rest;
    } else if (too_long(pending_.size() + rest)) {
      skipped_ = pending_.size() + rest;
      skipping_ = true;
      pending_ = std::string();  // gives the memory back
    } else {
      pending_.append(p, end);
    }
  }

  /// The input ended: its last line, if it had no '\n'.
  template <class Emit, class Long>
  void finish(Emit&& emit, Long&& on_long) {
    if (skipping_) {
      on_long(skipped_, ++line_);
    } else if (!pending_.empty()) {
      ++line_;
      if (pending_.back() == '\r') pending_.pop_back();
      emit(std::move(pending_));
    }
    drop_pending();
    line_ = 0;
  }

 private:
  bool too_long(std::size_t n) const noexcept { return max_ != 0 && n > max_; }
  void drop_pending() {
    pending_ = std::string();
    skipping_ = false;
    skipped_ = 0;
  }

  std::size_t max_;
  std::string pending_;  // the start of a line whose end has not arrived
  bool skipping_ = false;
  std::uint64_t skipped_ = 0;  // bytes of the long line passed over so far
  std::uint64_t line_ = 0;     // lines seen so far (the number of the current one - 1)
};

}  // namespace dstream::detail
