#pragma once
// How outputs print an element, as Spark prints Scala values: pairs and tuples as
// `(a,b)`, optionals as the value or `None`, vectors as `[a, b]`, booleans as `true`,
// integral doubles as `1.0`. `pprint` and `save_as_text_files` share it.

#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <optional>
#include <ostream>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace dstream {

namespace detail {

template <class T>
concept streamable = requires(std::ostream& os, const T& x) { os << x; };

template <class T>
struct is_std_vector : std::false_type {};
template <class T, class A>
struct is_std_vector<std::vector<T, A>> : std::true_type {};

template <class T>
void format_to(std::ostream& os, const T& x);

template <class... Ts>
void format_tuple(std::ostream& os, const std::tuple<Ts...>& t) {
  os << '(';
  std::apply(
      [&](const auto&... xs) {
        std::size_t i = 0;
        ((os << (i++ ? "," : ""), format_to(os, xs)), ...);
      },
      t);
  os << ')';
}

template <class T>
void format_to(std::ostream& os, const T& x) {
  if constexpr (std::is_same_v<T, bool>) {
    os << (x ? "true" : "false");
  } else if constexpr (std::is_same_v<T, char>) {
    os << x;
  } else if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(x)) {
      os << "NaN";
    } else if (std::isinf(x)) {
      os << (x > 0 ? "Infinity" : "-Infinity");
    } else {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, x);
      std::string_view s(buf, static_cast<std::size_t>(r.ptr - buf));
      os << s;
      if (s.find_first_of(".e") == std::string_view::npos) os << ".0";
    }
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    os << std::string_view(x);
  } else if constexpr (requires { x.first; x.second; }) {
    os << '(';
    format_to(os, x.first);
    os << ',';
    format_to(os, x.second);
    os << ')';
  } else if constexpr (requires { std::tuple_size<T>::value; } && requires { std::get<0>(x); } &&
                       !requires { x.begin(); }) {
    format_tuple(os, x);
  } else if constexpr (requires { x.has_value(); *x; } && !requires { x.begin(); }) {
    if (x.has_value()) {
      format_to(os, *x);
    } else {
      os << "None";
    }
  } else if constexpr (requires { x.begin(); x.end(); } && !streamable<T>) {
    os << '[';
    bool first = true;
    for (const auto& e : x) {
      if (!first) os << ", ";
      first = false;
      format_to(os, e);
    }
    os << ']';
  } else {
    static_assert(streamable<T>,
                  "dstream output: the element type named below cannot be printed; give it an operator<< "
                  "or map it to a printable type first");
    os << x;
  }
}

}  // namespace detail

/// The text of an element as pprint and save_as_text_files print it.
template <class T>
std::string format_element(const T& x) {
  std::ostringstream os;
  detail::format_to(os, x);
  return os.str();
}

}  // namespace dstream
