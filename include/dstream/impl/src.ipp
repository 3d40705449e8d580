#pragma once
// The separately compiled part of dstream: every non-template definition of the core
// library, for one file of a program that defines DSTREAM_SEPARATE_COMPILATION (as every
// file of that program does). dstream/impl/src.cpp is that file for Meson's
// `dstream_compiled_dep` and CMake's `dstream::compiled`; without them:
//
//   // dstream_impl.cpp, compiled once with -DDSTREAM_SEPARATE_COMPILATION
//   #include <dstream/impl/src.ipp>

#if !defined(DSTREAM_SEPARATE_COMPILATION)
#error "<dstream/impl/src.ipp> is for programs built with DSTREAM_SEPARATE_COMPILATION"
#endif

#include <dstream/batch/impl/conf.ipp>
#include <dstream/batch/impl/context.ipp>
#include <dstream/batch/impl/stage.ipp>
#include <dstream/checkpoint/impl/checkpoint.ipp>
#include <dstream/checkpoint/impl/wal.ipp>
#include <dstream/io/impl/file_stream.ipp>
#include <dstream/io/impl/format.ipp>
#include <dstream/io/impl/outputs.ipp>
#include <dstream/io/impl/receiver_stream.ipp>
#include <dstream/io/impl/socket_stream.ipp>
#include <dstream/runtime/impl/listener.ipp>
#include <dstream/runtime/impl/pool.ipp>
#include <dstream/stream/impl/node.ipp>
#include <dstream/stream/impl/recovery.ipp>
#include <dstream/stream/impl/scheduler.ipp>
#include <dstream/stream/impl/settings.ipp>
#include <dstream/stream/impl/shutdown.ipp>
#include <dstream/impl/streaming_context.ipp>
