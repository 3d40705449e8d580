// The floor under `#include <dstream/dstream.hpp>`: the standard and Boost headers that the
// library's templates need in every file that uses them (containers and strings for the
// records, threads, locks and clocks for receivers and block generators, `std::ostream`
// for pprint, `boost::unordered_flat_map` for the keyed operators, Boost.Hana for the fused
// operator chains), with nothing of the library. Compiled, never run, by
// bench/compile_time.py: no header diet of the library can make a file that includes it
// compile faster than this.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <variant>
#include <vector>

#include <boost/hana/append.hpp>
#include <boost/hana/at.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

int main() {}
