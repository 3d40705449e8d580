// The status page (dstream.ui.enabled), compiled once and linked into every streaming
// example. <dstream/ui.hpp> brings in Boost.Beast, which takes longer to compile than the
// rest of a program: a program includes it in one file, and a file of its own like this
// one keeps the others fast to build. Built by hand:
//
//   g++ -std=c++20 -O2 -pthread -Iinclude examples/network_word_count.cpp examples/status_page.cpp
#include <dstream/ui.hpp>
