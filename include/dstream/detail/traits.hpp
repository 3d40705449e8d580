#pragma once
// Type traits shared by the operator algebra: what a stage boundary stores, what a
// range yields, what counts as a key-value pair.

#include <concepts>
#include <cstddef>
#include <functional>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace dstream::detail {

template <class...>
inline constexpr bool always_false = false;

/// The type a stage boundary stores for an element pushed as `T`: views become owners
/// (`std::string_view` → `std::string`, recursively through pairs, tuples and optionals).
template <class T>
struct owned {
  using type = T;
};
template <class T>
using owned_t = typename owned<std::remove_cvref_t<T>>::type;

template <class C, class Tr>
struct owned<std::basic_string_view<C, Tr>> {
  using type = std::basic_string<C, Tr>;
};
template <>
struct owned<const char*> {
  using type = std::string;
};
template <>
struct owned<char*> {
  using type = std::string;
};
template <class A, class B>
struct owned<std::pair<A, B>> {
  using type = std::pair<owned_t<A>, owned_t<B>>;
};
template <class... Ts>
struct owned<std::tuple<Ts...>> {
  using type = std::tuple<owned_t<Ts>...>;
};
template <class T>
struct owned<std::optional<T>> {
  using type = std::optional<owned_t<T>>;
};

/// Converts an element to its owned form; plain forwarding when it already owns its data.
template <class T>
constexpr decltype(auto) to_owned(T&& x) {
  using O = owned_t<T>;
  if constexpr (std::is_same_v<O, std::remove_cvref_t<T>>) {
    return static_cast<T&&>(x);
  } else {
    // pair, tuple and optional have (explicit) converting constructors that recurse.
    return O(static_cast<T&&>(x));
  }
}

/// `std::forward_like` (C++23): forwards a member with the value category of its owner.
template <class Owner, class M>
constexpr decltype(auto) forward_like(M& m) noexcept {
  if constexpr (std::is_lvalue_reference_v<Owner>) {
    if constexpr (std::is_const_v<std::remove_reference_t<Owner>>) {
      return static_cast<const M&>(m);
    } else {
      return static_cast<M&>(m);
    }
  } else {
    if constexpr (std::is_const_v<std::remove_reference_t<Owner>>) {
      return static_cast<const M&&>(m);
    } else {
      return static_cast<M&&>(m);
    }
  }
}

// What iterating a range yields; works for std containers, std ranges and range-v3 views
// alike because it asks only what a range-based for loop asks.
namespace adl {
using std::begin;
using std::end;
template <class R>
auto begin_(R& r) -> decltype(begin(r));
template <class R>
auto end_(R& r) -> decltype(end(r));
}  // namespace adl

template <class R>
concept iterable = requires(R& r) {
  adl::begin_(r);
  adl::end_(r);
};

template <iterable R>
using range_ref_t = decltype(*adl::begin_(std::declval<R&>()));

/// A key-value element: `std::pair<K, V>` (possibly cv/ref-qualified).
template <class T>
struct is_pair : std::false_type {};
template <class A, class B>
struct is_pair<std::pair<A, B>> : std::true_type {};
template <class T>
concept pair_like = is_pair<std::remove_cvref_t<T>>::value;
/// `pair_like` as a plain bool, for `static_assert`s: a failed one then says its message
/// without clang's notes on why the concept was not satisfied.
template <class T>
inline constexpr bool is_pair_v = is_pair<std::remove_cvref_t<T>>::value;

template <pair_like P>
using key_t = typename std::remove_cvref_t<P>::first_type;
template <pair_like P>
using value_t = typename std::remove_cvref_t<P>::second_type;

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};

/// Whether a function result of type `R` views into the text or memory it was given (a
/// `std::string_view`, a `std::span`, `ds::split`'s pieces): returned for a copy of an
/// argument, it dangles.
template <class R>
inline constexpr bool views_into_argument = false;
template <>
inline constexpr bool views_into_argument<std::string_view> = true;
template <class T, std::size_t N>
inline constexpr bool views_into_argument<std::span<T, N>> = true;

template <class M>
struct sole_parameter {};
template <class C, class R, class A>
struct sole_parameter<R (C::*)(A) const> {
  using type = A;
};
template <class C, class R, class A>
struct sole_parameter<R (C::*)(A) const noexcept> {
  using type = A;
};
template <class C, class R, class A>
struct sole_parameter<R (C::*)(A)> {
  using type = A;
};
template <class R, class A>
struct sole_parameter<R (*)(A)> {
  using type = A;
};

/// Whether `f`, called with an `E`, takes it by value (a copy living only during the call):
/// read from its one parameter, for a plain or generic lambda (`[](auto line)`), a function
/// object or a function pointer; false when that cannot be told.
template <class F, class E>
constexpr bool takes_a_copy() {
  using D = std::decay_t<F>;
  if constexpr (requires { typename sole_parameter<D>::type; }) {
    return !std::is_reference_v<typename sole_parameter<D>::type>;
  } else if constexpr (requires { typename sole_parameter<decltype(&D::operator())>::type; }) {
    return !std::is_reference_v<typename sole_parameter<decltype(&D::operator())>::type>;
  } else if constexpr (requires { typename sole_parameter<decltype(&D::template operator()<E>)>::type; }) {
    return !std::is_reference_v<typename sole_parameter<decltype(&D::template operator()<E>)>::type>;
  } else {
    return false;
  }
}

/// Stands in for a type that could not be computed because a `static_assert` already
/// failed; it keeps a failed check from cascading into pages of unrelated errors.
struct bad_element {};

/// `std::invoke_result_t<const F&, X...>`, evaluated only when `Ok`.
template <bool Ok, class F, class... X>
struct lazy_invoke {
  using type = bad_element;
};
template <class F, class... X>
struct lazy_invoke<true, F, X...> {
  using type = std::invoke_result_t<const F&, X...>;
};

}  // namespace dstream::detail
