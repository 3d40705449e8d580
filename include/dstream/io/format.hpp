#pragma once
// How outputs print an element, as Spark prints Scala values: pairs and tuples as
// `(a,b)`, optionals as the value or `None`, vectors as `[a, b]`, booleans as `true`,
// integral doubles as `1.0`. `pprint` and `save_as_text_files` share it. `pprint` can also
// speak Python, as PySpark prints: `('hello', 1)`, `True`, `None`, `[1, 2]`, strings quoted.

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <ctime>
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

#include <dstream/detail/config.hpp>

namespace dstream {

/// Selects PySpark's text in `pprint`: `ds::pprint(n, ds::python_style)`.
struct python_style_t {};
inline constexpr python_style_t python_style{};

namespace detail {

/// Scala's text (Spark's, the default) or Python's (PySpark's).
enum class text_style { scala, python };

template <class T>
concept streamable = requires(std::ostream& os, const T& x) { os << x; };

template <class T>
struct is_std_vector : std::false_type {};
template <class T, class A>
struct is_std_vector<std::vector<T, A>> : std::true_type {};

template <class T>
void format_to(std::ostream& os, const T& x, text_style style = text_style::scala);

template <class T>
constexpr bool printable();

template <class Tuple, std::size_t... I>
constexpr bool printable_elements(std::index_sequence<I...>) {
  return (printable<std::remove_cvref_t<std::tuple_element_t<I, Tuple>>>() && ...);
}

/// Whether `format_to` can print a `T`: the same cases, in the same order, as it tries.
template <class T>
constexpr bool printable() {
  if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, char> || std::is_floating_point_v<T> ||
                std::is_convertible_v<const T&, std::string_view>) {
    return true;
  } else if constexpr (requires(const T& x) { x.first; x.second; }) {
    return printable<std::remove_cvref_t<decltype(std::declval<const T&>().first)>>() &&
           printable<std::remove_cvref_t<decltype(std::declval<const T&>().second)>>();
  } else if constexpr (requires(const T& x) { std::tuple_size<T>::value; std::get<0>(x); } &&
                       !requires(const T& x) { x.begin(); }) {
    return printable_elements<T>(std::make_index_sequence<std::tuple_size_v<T>>{});
  } else if constexpr (requires(const T& x) { x.has_value(); *x; } && !requires(const T& x) { x.begin(); }) {
    return printable<std::remove_cvref_t<decltype(*std::declval<const T&>())>>();
  } else if constexpr (requires(const T& x) { x.begin(); x.end(); } && !streamable<T>) {
    return printable<std::remove_cvref_t<decltype(*std::declval<const T&>().begin())>>();
  } else {
    return streamable<T>;
  }
}

template <class... Ts>
void format_tuple(std::ostream& os, const std::tuple<Ts...>& t, text_style style) {
  const char* sep = style == text_style::python ? ", " : ",";
  os << '(';
  std::apply(
      [&](const auto&... xs) {
        std::size_t i = 0;
        ((os << (i++ ? sep : ""), format_to(os, xs, style)), ...);
      },
      t);
  if (style == text_style::python && sizeof...(Ts) == 1) os << ',';
  os << ')';
}

/// A string as Python's repr writes it: single quotes unless the text holds one and no
/// double quote; backslash escapes for the quote, `\\`, `\n`, `\r`, `\t` and other
/// control bytes; other bytes (UTF-8 text included) as they are.
DSTREAM_DECL void python_repr(std::ostream& os, std::string_view s);

template <class T>
void format_to(std::ostream& os, const T& x, text_style style) {
  const bool py = style == text_style::python;
  if constexpr (std::is_same_v<T, bool>) {
    os << (x ? (py ? "True" : "true") : (py ? "False" : "false"));
  } else if constexpr (std::is_same_v<T, char>) {
    if (py) {
      python_repr(os, std::string_view(&x, 1));
    } else {
      os << x;
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(x)) {
      os << (py ? "nan" : "NaN");
    } else if (std::isinf(x)) {
      os << (x > 0 ? (py ? "inf" : "Infinity") : (py ? "-inf" : "-Infinity"));
    } else {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, x);
      std::string_view s(buf, static_cast<std::size_t>(r.ptr - buf));
      os << s;
      if (s.find_first_of(".e") == std::string_view::npos) os << ".0";
    }
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    if (py) {
      python_repr(os, std::string_view(x));
    } else {
      os << std::string_view(x);
    }
  } else if constexpr (requires { x.first; x.second; }) {
    os << '(';
    format_to(os, x.first, style);
    os << (py ? ", " : ",");
    format_to(os, x.second, style);
    os << ')';
  } else if constexpr (requires { std::tuple_size<T>::value; } && requires { std::get<0>(x); } &&
                       !requires { x.begin(); }) {
    format_tuple(os, x, style);
  } else if constexpr (requires { x.has_value(); *x; } && !requires { x.begin(); }) {
    if (x.has_value()) {
      format_to(os, *x, style);
    } else {
      os << "None";
    }
  } else if constexpr (requires { x.begin(); x.end(); } && !streamable<T>) {
    os << '[';
    bool first = true;
    for (const auto& e : x) {
      if (!first) os << ", ";
      first = false;
      format_to(os, e, style);
    }
    os << ']';
  } else {
    static_assert(streamable<T>,
                  "dstream output: the element type named below cannot be printed; give it an operator<< "
                  "or map it to a printable type first");
    if constexpr (streamable<T>) os << x;
  }
}

}  // namespace detail

/// The text of an element as pprint and save_as_text_files print it (Scala's text), or
/// as PySpark's pprint prints it with `ds::python_style`.
template <class T>
std::string format_element(const T& x) {
  std::ostringstream os;
  detail::format_to(os, x);
  return os.str();
}
template <class T>
std::string format_element(const T& x, python_style_t) {
  std::ostringstream os;
  detail::format_to(os, x, detail::text_style::python);
  return os.str();
}

namespace detail {
/// A batch time as PySpark's pprint prints it: `2021-01-17 10:00:10` in local time, with
/// `.mmm000` when the time is not a whole second (Python's datetime).
DSTREAM_DECL std::string python_time(std::int64_t ms);
}  // namespace detail

}  // namespace dstream

#ifdef DSTREAM_HEADER_ONLY
#include <dstream/io/impl/format.ipp>
#endif
