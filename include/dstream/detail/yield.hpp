#pragma once
// What `flat_map`-like operators push for each element of the range their function
// returns: the elements of any range (std containers, std ranges, range-v3 views), the
// value of an optional (zero or one element), and moved elements of a container the
// function returned by value (it is a temporary nobody else sees).

#include <optional>
#include <type_traits>
#include <utility>

#include <dstream/detail/traits.hpp>

namespace dstream::detail {

template <class R>
inline constexpr bool is_owning_temporary =
    !std::is_reference_v<R> && (is_vector<std::remove_cv_t<R>>::value);

template <class R>
concept yieldable = iterable<std::remove_reference_t<R>> || is_optional<std::remove_cvref_t<R>>::value;

template <class R, bool = is_optional<std::remove_cvref_t<R>>::value>
struct yield_impl {
  using ref = range_ref_t<std::remove_reference_t<R>>;
  using type = std::conditional_t<is_owning_temporary<R>, std::remove_reference_t<ref>&&, ref>;
};
template <class R>
struct yield_impl<R, true> {
  using value = typename std::remove_cvref_t<R>::value_type;
  using type = std::conditional_t<std::is_reference_v<R>, const value&, value&&>;
};

/// The type pushed for each element of a function result of type `R` (a range or optional).
template <class R>
using yield_t = typename yield_impl<R>::type;

template <bool Ok, class R>
struct lazy_yield {
  using type = bad_element;
};
template <class R>
struct lazy_yield<true, R> {
  using type = yield_t<R>;
};

/// Calls `out(e)` for every element `e` of `r`, as `yield_t<R>`.
template <class R, class Out>
void yield_each(R&& r, Out&& out) {
  using D = std::remove_cvref_t<R>;
  if constexpr (is_optional<D>::value) {
    if (r) out(static_cast<yield_t<R>>(*r));
  } else if constexpr (requires { r.push_each(out); }) {
    // A range that pushes its elements faster than its iterators give them (ds::split).
    r.push_each(out);
  } else if constexpr (is_owning_temporary<R>) {
    for (auto& e : r) out(std::move(e));
  } else {
    for (auto&& e : r) out(static_cast<decltype(e)>(e));
  }
}

}  // namespace dstream::detail
