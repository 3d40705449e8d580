#pragma once
// Serialisation of state for checkpoints: one customisation point, `ds::serializer<T>`.
//
// Arithmetic types, enums, strings, pairs, tuples, optionals, vectors, maps and
// `boost::unordered_flat_map`s work out of the box. For your own types, specialise
// `ds::serializer<T>` with `static void write(ds::writer&, const T&)` and
// `static T read(ds::reader&)`:
//
//   template <> struct ds::serializer<point> {
//     static void write(ds::writer& w, const point& p) { w(p.x); w(p.y); }
//     static point read(ds::reader& r) { return {r.get<int>(), r.get<int>()}; }
//   };
//
// The format is little-endian binary with lengths as 64-bit integers; a reader that runs
// past the end throws `std::runtime_error` (a truncated checkpoint is detected, not read).

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

namespace dstream {

template <class T, class = void>
struct serializer;

/// Appends values to a byte string.
class writer {
 public:
  template <class T>
  writer& operator()(const T& x) {
    serializer<T>::write(*this, x);
    return *this;
  }
  void bytes(const void* p, std::size_t n) { out_.append(static_cast<const char*>(p), n); }
  void size(std::size_t n) {
    auto v = static_cast<std::uint64_t>(n);
    bytes(&v, sizeof v);
  }
  std::string& str() noexcept { return out_; }
  std::string take() && { return std::move(out_); }

 private:
  std::string out_;
};

/// Reads values back from a byte string written by `writer`.
class reader {
 public:
  explicit reader(std::string_view in) : in_(in) {}
  template <class T>
  T get() {
    return serializer<T>::read(*this);
  }
  void bytes(void* p, std::size_t n) {
    if (n > in_.size()) throw std::runtime_error("dstream: checkpoint data ends early (truncated or corrupt)");
    std::memcpy(p, in_.data(), n);
    in_.remove_prefix(n);
  }
  std::size_t size() {
    std::uint64_t v = 0;
    bytes(&v, sizeof v);
    if (v > in_.size() * 8 + 1024 * 1024)
      throw std::runtime_error("dstream: checkpoint data holds an impossible length (corrupt)");
    return static_cast<std::size_t>(v);
  }
  /// A count of bytes that must all follow (a string's length): never more than what is left.
  std::size_t byte_count() {
    const std::size_t n = size();
    if (n > in_.size()) throw std::runtime_error("dstream: checkpoint data ends early (truncated or corrupt)");
    return n;
  }
  /// Room to reserve for `n` elements read from here: no more than the bytes left could
  /// hold, so a corrupt count cannot make a large allocation.
  std::size_t room_for(std::size_t n) const noexcept { return n < in_.size() ? n : in_.size(); }
  std::string_view rest() const noexcept { return in_; }
  bool done() const noexcept { return in_.empty(); }

 private:
  std::string_view in_;
};

template <class T>
struct serializer<T, std::enable_if_t<(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) || std::is_enum_v<T>>> {
  static void write(writer& w, const T& x) { w.bytes(&x, sizeof x); }
  static T read(reader& r) {
    T x;
    r.bytes(&x, sizeof x);
    return x;
  }
};

// A bool is one byte that must be 0 or 1: any other byte is corruption, never a bool.
template <>
struct serializer<bool> {
  static void write(writer& w, bool b) {
    const std::uint8_t v = b ? 1 : 0;
    w.bytes(&v, 1);
  }
  static bool read(reader& r) {
    std::uint8_t v = 0;
    r.bytes(&v, 1);
    if (v > 1) throw std::runtime_error("dstream: checkpoint data holds an impossible bool (corrupt)");
    return v == 1;
  }
};

template <>
struct serializer<std::string> {
  static void write(writer& w, const std::string& s) {
    w.size(s.size());
    w.bytes(s.data(), s.size());
  }
  static std::string read(reader& r) {
    std::string s(r.byte_count(), '\0');
    r.bytes(s.data(), s.size());
    return s;
  }
};

template <class A, class B>
struct serializer<std::pair<A, B>> {
  static void write(writer& w, const std::pair<A, B>& p) {
    w(p.first);
    w(p.second);
  }
  static std::pair<A, B> read(reader& r) {
    A a = r.get<A>();
    B b = r.get<B>();
    return {std::move(a), std::move(b)};
  }
};

template <class... Ts>
struct serializer<std::tuple<Ts...>> {
  static void write(writer& w, const std::tuple<Ts...>& t) {
    std::apply([&](const auto&... xs) { (w(xs), ...); }, t);
  }
  static std::tuple<Ts...> read(reader& r) { return std::tuple<Ts...>{r.get<Ts>()...}; }
};

template <class T>
struct serializer<std::optional<T>> {
  static void write(writer& w, const std::optional<T>& o) {
    w(static_cast<std::uint8_t>(o.has_value()));
    if (o) w(*o);
  }
  static std::optional<T> read(reader& r) {
    if (r.get<std::uint8_t>() == 0) return std::nullopt;
    return r.get<T>();
  }
};

template <class T, class A>
struct serializer<std::vector<T, A>> {
  static void write(writer& w, const std::vector<T, A>& v) {
    w.size(v.size());
    for (const auto& x : v) w(x);
  }
  static std::vector<T, A> read(reader& r) {
    std::size_t n = r.size();
    std::vector<T, A> v;
    v.reserve(r.room_for(n));
    for (std::size_t i = 0; i < n; ++i) v.push_back(r.get<T>());
    return v;
  }
};

namespace detail {
template <class M>
struct map_serializer {
  static void write(writer& w, const M& m) {
    w.size(m.size());
    for (const auto& [k, v] : m) {
      w(k);
      w(v);
    }
  }
  static M read(reader& r) {
    std::size_t n = r.size();
    M m;
    if constexpr (requires { m.reserve(n); }) m.reserve(r.room_for(n));
    for (std::size_t i = 0; i < n; ++i) {
      auto k = r.get<typename M::key_type>();
      auto v = r.get<typename M::mapped_type>();
      m.emplace(std::move(k), std::move(v));
    }
    return m;
  }
};
}  // namespace detail

template <class K, class V, class C, class A>
struct serializer<std::map<K, V, C, A>> : detail::map_serializer<std::map<K, V, C, A>> {};
template <class K, class V, class H, class E, class A>
struct serializer<std::unordered_map<K, V, H, E, A>> : detail::map_serializer<std::unordered_map<K, V, H, E, A>> {};
template <class K, class V, class H, class E, class A>
struct serializer<boost::unordered_flat_map<K, V, H, E, A>>
    : detail::map_serializer<boost::unordered_flat_map<K, V, H, E, A>> {};

/// True when `T` can be written to a checkpoint.
template <class T>
concept serializable = requires(writer& w, reader& r, const T& x) {
  serializer<T>::write(w, x);
  { serializer<T>::read(r) } -> std::convertible_to<T>;
};

namespace detail {

template <class T>
struct type_tag_of {
  static std::string get() {
    if constexpr (requires { serializer<T>::name; }) {
      return std::string(serializer<T>::name);
    } else {
      return typeid(T).name();  // a user type: its name as this compiler spells it
    }
  }
};
template <class T>
  requires(std::is_arithmetic_v<T> || std::is_enum_v<T>)
struct type_tag_of<T> {
  static std::string get() {
    if constexpr (std::is_enum_v<T>) {
      return "enum " + std::string(typeid(T).name());
    } else if constexpr (std::is_same_v<T, bool>) {
      return "bool";
    } else {
      // Appended, not `"i" + std::to_string(...)`: g++ 12 raises a false -Wrestrict on that
      // operator+ once it is inlined deep enough (the windowed example, separately compiled).
      std::string tag = std::is_floating_point_v<T> ? "f" : std::is_signed_v<T> ? "i" : "u";
      tag += std::to_string(8 * sizeof(T));
      return tag;
    }
  }
};
template <>
struct type_tag_of<std::string> {
  static std::string get() { return "string"; }
};
template <class A, class B>
struct type_tag_of<std::pair<A, B>> {
  static std::string get() { return "pair<" + type_tag_of<A>::get() + "," + type_tag_of<B>::get() + ">"; }
};
template <class... Ts>
struct type_tag_of<std::tuple<Ts...>> {
  static std::string get() {
    std::string s = "tuple<";
    ((s += type_tag_of<Ts>::get() + ","), ...);
    return s + ">";
  }
};
template <class T>
struct type_tag_of<std::optional<T>> {
  static std::string get() { return "optional<" + type_tag_of<T>::get() + ">"; }
};
template <class T, class A>
struct type_tag_of<std::vector<T, A>> {
  static std::string get() { return "vector<" + type_tag_of<T>::get() + ">"; }
};
template <class M>
struct map_tag {
  static std::string get() {
    return "map<" + type_tag_of<typename M::key_type>::get() + "," + type_tag_of<typename M::mapped_type>::get() + ">";
  }
};
template <class K, class V, class C, class A>
struct type_tag_of<std::map<K, V, C, A>> : map_tag<std::map<K, V, C, A>> {};
template <class K, class V, class H, class E, class A>
struct type_tag_of<std::unordered_map<K, V, H, E, A>> : map_tag<std::unordered_map<K, V, H, E, A>> {};
template <class K, class V, class H, class E, class A>
struct type_tag_of<boost::unordered_flat_map<K, V, H, E, A>> : map_tag<boost::unordered_flat_map<K, V, H, E, A>> {};

}  // namespace detail

/// How a checkpoint names the type `T` (`i64`, `string`, `pair<string,i64>`, ...): two
/// types with the same tag are written the same way. A user type is named by
/// `serializer<T>::name` when its serializer has one, else by its compiler-given name.
template <class T>
std::string type_tag() {
  return detail::type_tag_of<T>::get();
}

/// The bytes of `x`.
template <class T>
std::string serialize(const T& x) {
  writer w;
  w(x);
  return std::move(w).take();
}

/// A `T` back from its bytes; throws `std::runtime_error` when they are not all used or run short.
template <class T>
T deserialize(std::string_view bytes) {
  reader r(bytes);
  T x = r.get<T>();
  if (!r.done()) throw std::runtime_error("dstream: checkpoint data has trailing bytes (corrupt)");
  return x;
}

}  // namespace dstream
