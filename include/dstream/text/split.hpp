#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <dstream/detail/traits.hpp>

namespace dstream {

/// The pieces of `text` between occurrences of `delimiter`, as `std::string_view`s into
/// `text`: lazy, allocation-free, empty pieces kept (`split("a  b", ' ')` is
/// `"a", "", "b"`, as Python's `str.split(" ")`). An empty text has one empty piece.
///
/// Signature: `split(std::string_view text, char delimiter)` → a forward range of
/// `std::string_view`. The text must outlive the range (a temporary `std::string` is
/// refused at compile time).
///
/// Example: `lines | ds::flat_map([](const std::string& l) { return ds::split(l, ' '); })`
class split_view {
 public:
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = std::string_view;

    iterator() = default;
    iterator(std::string_view rest, char d, bool done) : rest_(rest), d_(d), done_(done) {
      if (!done_) find();
    }

    std::string_view operator*() const noexcept { return rest_.substr(0, end_); }
    iterator& operator++() noexcept {
      if (end_ == std::string_view::npos) {
        done_ = true;
      } else {
        rest_.remove_prefix(end_ + 1);
        find();
      }
      return *this;
    }
    iterator operator++(int) noexcept {
      iterator old = *this;
      ++*this;
      return old;
    }
    friend bool operator==(const iterator& a, const iterator& b) noexcept {
      if (a.done_ || b.done_) return a.done_ == b.done_;
      return a.rest_.data() == b.rest_.data();
    }

   private:
    // A plain byte loop: words are short (a few bytes), where a call to memchr (what
    // `std::string_view::find` becomes) costs more than it saves; the word count ran
    // about 15 % faster with this loop.
    void find() noexcept {
      const char* const b = rest_.data();
      const char* const e = b + rest_.size();
      const char* p = b;
      while (p != e && *p != d_) ++p;
      end_ = p == e ? std::string_view::npos : static_cast<std::size_t>(p - b);
    }

    std::string_view rest_;
    std::size_t end_ = std::string_view::npos;
    char d_ = ' ';
    bool done_ = true;
  };

  split_view(std::string_view text, char delimiter) noexcept : text_(text), d_(delimiter) {}

  iterator begin() const noexcept { return iterator(text_, d_, false); }
  iterator end() const noexcept { return iterator(text_, d_, true); }

  /// Calls `out(piece)` for each piece, in order: what `flat_map` uses instead of the
  /// iterators. With SSE2 it finds the delimiters 16 bytes at a time (one compare and a bit
  /// mask, then one step per delimiter found), the last partial block by reading the
  /// text's last 16 bytes again; never a byte outside the text.
  template <class Out>
  void push_each(Out&& out) const {
    const char* const first = text_.data();
    const char* const end = first + text_.size();
    const char* start = first;  // of the current piece
    const char* p = first;      // bytes before p are scanned
    auto emit_from = [&](const char* block, unsigned mask) {
      while (mask != 0) {
        const char* at = block + __builtin_ctz(mask);
        out(std::string_view(start, static_cast<std::size_t>(at - start)));
        start = at + 1;
        mask &= mask - 1;
      }
    };
#if defined(__SSE2__)
    if (end - first >= 16) {
      const __m128i d = _mm_set1_epi8(d_);
      auto match = [&d](const char* at) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
        return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, d)));
      };
      for (; end - p >= 16; p += 16) emit_from(p, match(p));
      if (p != end) {
        // The last 16 bytes, without the ones the loop has seen.
        const char* block = end - 16;
        emit_from(block, match(block) & (0xffffu << (p - block)));
        p = end;
      }
    }
#endif
    for (; p != end; ++p) {
      if (*p == d_) emit_from(p, 1u);
    }
    out(std::string_view(start, static_cast<std::size_t>(end - start)));
  }

 private:
  std::string_view text_;
  char d_;
};

inline split_view split(std::string_view text, char delimiter) noexcept { return {text, delimiter}; }
inline split_view split(const char* text, char delimiter) noexcept { return {text, delimiter}; }
/// A temporary string would die before its pieces are read: refused, with a message.
template <class S>
  requires std::is_same_v<S, std::string>
split_view split(S&& text, char delimiter) {
  static_assert(!std::is_same_v<S, std::string>,
                "ds::split(text, d): text is a temporary std::string, destroyed at the end of the statement, "
                "and the pieces would point into it; keep the string in a variable, or in a flat_map use "
                "ds::flat_map(ds::split_by(d)) or ds::flat_map(ds::words)");
  return {text, delimiter};
}

/// The words of `text`: the pieces between runs of whitespace (space, tab, newline, CR,
/// FF, VT), none empty, as Python's `str.split()` without an argument; lazy views into
/// `text`.
class words_view {
 public:
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = std::string_view;

    iterator() = default;
    explicit iterator(std::string_view rest) : rest_(rest) { find(); }

    std::string_view operator*() const noexcept { return rest_.substr(0, len_); }
    iterator& operator++() noexcept {
      rest_.remove_prefix(len_);
      find();
      return *this;
    }
    iterator operator++(int) noexcept {
      iterator old = *this;
      ++*this;
      return old;
    }
    friend bool operator==(const iterator& a, const iterator& b) noexcept {
      return a.rest_.empty() == b.rest_.empty() && (a.rest_.empty() || a.rest_.data() == b.rest_.data());
    }

   private:
    static constexpr std::string_view space = " \t\n\r\f\v";
    void find() noexcept {
      auto b = rest_.find_first_not_of(space);
      rest_.remove_prefix(b == std::string_view::npos ? rest_.size() : b);
      len_ = std::min(rest_.find_first_of(space), rest_.size());
    }

    std::string_view rest_;
    std::size_t len_ = 0;
  };

  explicit words_view(std::string_view text) noexcept : text_(text) {}
  iterator begin() const noexcept { return iterator(text_); }
  iterator end() const noexcept { return iterator(); }

  /// Calls `out(word)` for each word, in order (what `flat_map` uses). With SSE2, 16 bytes
  /// at a time: a mask of the whitespace bytes gives the positions where words start and
  /// end; the last partial block is the text's last 16 bytes read again.
  template <class Out>
  void push_each(Out&& out) const {
    const char* const first = text_.data();
    const char* const end = first + text_.size();
    const char* start = nullptr;  // of the word being read, if any
    const char* p = first;        // bytes before p are scanned
#if defined(__SSE2__)
    if (end - first >= 16) {
      const __m128i blank = _mm_set1_epi8(' ');
      const __m128i nine = _mm_set1_epi8(9);
      const __m128i four = _mm_set1_epi8(4);
      // Bit i set: byte i is not whitespace (space, or \t \n \v \f \r: 9 to 13).
      auto letters = [&](const char* at) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
        const __m128i control = _mm_cmpeq_epi8(_mm_subs_epu8(_mm_sub_epi8(v, nine), four), _mm_setzero_si128());
        const __m128i space = _mm_or_si128(_mm_cmpeq_epi8(v, blank), control);
        return ~static_cast<unsigned>(_mm_movemask_epi8(space)) & 0xffffu;
      };
      // Starts: a letter after whitespace; ends: whitespace after a letter. `before` is
      // the letter bit of the byte before the block.
      auto scan = [&](const char* block, unsigned in_word, unsigned before, unsigned from) {
        const unsigned previous = ((in_word << 1) | before) & 0xffffu;
        unsigned events = (in_word ^ previous) & (0xffffu << from);
        while (events != 0) {
          const char* at = block + __builtin_ctz(events);
          if (start == nullptr) {
            start = at;
          } else {
            out(std::string_view(start, static_cast<std::size_t>(at - start)));
            start = nullptr;
          }
          events &= events - 1;
        }
      };
      for (; end - p >= 16; p += 16) scan(p, letters(p), start != nullptr ? 1u : 0u, 0);
      if (p != end) {
        const char* block = end - 16;
        const unsigned from = static_cast<unsigned>(p - block);
        // The byte before p is in this block: `previous` takes it from the block itself.
        scan(block, letters(block), 0, from);
        p = end;
      }
    }
#endif
    auto is_space = [](char ch) { return ch == ' ' || (static_cast<unsigned char>(ch) - 9u) <= 4u; };
    for (; p != end; ++p) {
      if (is_space(*p)) {
        if (start != nullptr) {
          out(std::string_view(start, static_cast<std::size_t>(p - start)));
          start = nullptr;
        }
      } else if (start == nullptr) {
        start = p;
      }
    }
    if (start != nullptr) out(std::string_view(start, static_cast<std::size_t>(end - start)));
  }

 private:
  std::string_view text_;
};

namespace detail {
/// An owned copy of a range of pieces: what a splitter gives for a string that dies with
/// the call (so `flat_map` on a stage's temporary strings stays safe).
template <class R>
std::vector<std::string> owned_pieces(const R& r) {
  std::vector<std::string> out;
  for (std::string_view p : r) out.emplace_back(p);
  return out;
}
}  // namespace detail

/// A line's words (`words_view`): the library-owned splitter for `ds::flat_map(ds::words)`,
/// Python's `line.split()`. Views into the line, or owned strings when the line is a
/// temporary `std::string` (it could not outlive the call).
///
/// Signature: `words(text)` → a range of `std::string_view` (`std::vector<std::string>`
/// for an rvalue `std::string`).
///
/// Example: `lines | ds::flat_map(ds::words) | ds::map([](auto w) { return std::pair{w, 1}; })`
struct words_t {
  words_view operator()(std::string_view text) const noexcept { return words_view(text); }
  words_view operator()(const char* text) const noexcept { return words_view(text); }
  words_view operator()(const std::string& text) const noexcept { return words_view(text); }
  std::vector<std::string> operator()(std::string&& text) const { return detail::owned_pieces(words_view(text)); }
};
inline constexpr words_t words{};

/// A splitter on `delimiter` (`split(text, delimiter)`, Python's `line.split(" ")`): the
/// library-owned form for `ds::flat_map(ds::split_by(' '))`; owned strings for an rvalue
/// `std::string`, as `words`.
///
/// Signature: `split_by(char delimiter)` → a function object `(text) -> range of std::string_view`.
///
/// Example: `lines | ds::flat_map(ds::split_by(','))`
struct split_by {
  char delimiter;
  explicit constexpr split_by(char d) noexcept : delimiter(d) {}
  split_view operator()(std::string_view text) const noexcept { return {text, delimiter}; }
  split_view operator()(const char* text) const noexcept { return {text, delimiter}; }
  split_view operator()(const std::string& text) const noexcept { return {text, delimiter}; }
  std::vector<std::string> operator()(std::string&& text) const {
    return detail::owned_pieces(split_view(text, delimiter));
  }
};

namespace detail {
// The pieces point into the text given to split: a function returning them for a copy it
// made of its argument returns dangling views (flat_map refuses that).
template <>
inline constexpr bool views_into_argument<split_view> = true;
template <>
inline constexpr bool views_into_argument<words_view> = true;
}  // namespace detail

}  // namespace dstream
