#pragma once
// The library's main types declared, not defined: for a header of yours that only names
// them (a function taking a `ds::dstream<std::string>` by reference, a class holding a
// `ds::streaming_context&`). It includes nothing, so such a header costs its includers
// nothing; include <dstream/dstream.hpp> in the files that use the types.
//
// Example (word_counts.hpp):
//   #include <dstream/fwd.hpp>
//   #include <string>
//   #include <utility>
//   dstream::dstream<std::pair<std::string, long>> word_counts(dstream::dstream<std::string>& lines);

namespace dstream {

class conf;
class context;
class streaming_context;
class batch_time;
struct batch_info;
class streaming_listener;
template <class T>
class rdd;
template <class T>
class dstream;
template <class T>
class receiver;

}  // namespace dstream
