#pragma once
// Header-only or separately compiled. By default dstream is header-only: the runtime's
// non-template functions are `inline` and defined in `impl/*.ipp` files that their
// headers include at their end. With `DSTREAM_SEPARATE_COMPILATION` defined (for every
// file of a program), the headers only declare them, and one file of the program defines
// them: `dstream/impl/src.cpp` (built by Meson's `dstream_compiled_dep` and CMake's
// `dstream::compiled`), or any file that includes <dstream/impl/src.ipp> with the macro. A program then
// compiles the scheduler, the checkpoints and the receivers once, not in every file.

#if defined(DSTREAM_SEPARATE_COMPILATION)
#define DSTREAM_DECL
#else
#define DSTREAM_HEADER_ONLY 1
#define DSTREAM_DECL inline
#endif
