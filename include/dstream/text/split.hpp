#pragma once

#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>

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
    void find() noexcept { end_ = rest_.find(d_); }

    std::string_view rest_;
    std::size_t end_ = std::string_view::npos;
    char d_ = ' ';
    bool done_ = true;
  };

  split_view(std::string_view text, char delimiter) noexcept : text_(text), d_(delimiter) {}

  iterator begin() const noexcept { return iterator(text_, d_, false); }
  iterator end() const noexcept { return iterator(text_, d_, true); }

 private:
  std::string_view text_;
  char d_;
};

inline split_view split(std::string_view text, char delimiter) noexcept { return {text, delimiter}; }
inline split_view split(const char* text, char delimiter) noexcept { return {text, delimiter}; }
/// A temporary string would die before its pieces are read.
split_view split(std::string&& text, char delimiter) = delete;

}  // namespace dstream
