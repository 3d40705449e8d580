// The separately compiled part of dstream (see <dstream/detail/config.hpp>): built once
// into Meson's `dstream_compiled` library (CMake: `dstream::compiled`), linked by programs
// whose files are all compiled with DSTREAM_SEPARATE_COMPILATION.

#ifndef DSTREAM_SEPARATE_COMPILATION
#define DSTREAM_SEPARATE_COMPILATION
#endif

#include <dstream/impl/src.ipp>
