#pragma once
// Definitions of io/outputs.hpp: inline in the header-only form, compiled once in
// dstream/impl/src.cpp with DSTREAM_SEPARATE_COMPILATION (detail/config.hpp).

#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

#include <dstream/io/outputs.hpp>

namespace dstream::detail {

DSTREAM_DECL std::string begin_text_files(const std::string& dir_name) {
  namespace fs = std::filesystem;
  const fs::path dir(dir_name);
  const fs::path parent = dir.has_parent_path() ? dir.parent_path() : fs::path(".");
  const fs::path tmp = parent / ("._temporary-" + dir.filename().string());
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) throw std::runtime_error("ds::save_as_text_files: cannot create " + parent.string() + ": " + ec.message());
  fs::remove_all(tmp, ec);
  if (!fs::create_directory(tmp, ec) || ec)
    throw std::runtime_error("ds::save_as_text_files: cannot create " + tmp.string() + ": " +
                             (ec ? ec.message() : std::string("it exists")));
  return tmp.string();
}

DSTREAM_DECL std::string text_file_part(const std::string& tmp, std::size_t i) {
  char name[32];
  std::snprintf(name, sizeof name, "part-%05zu", i);
  return (std::filesystem::path(tmp) / name).string();
}

DSTREAM_DECL void commit_text_files(const std::string& tmp_name, const std::string& dir_name) {
  namespace fs = std::filesystem;
  const fs::path tmp(tmp_name);
  const fs::path dir(dir_name);
  {
    std::ofstream ok(tmp / "_SUCCESS");
    if (!ok) throw std::runtime_error("ds::save_as_text_files: cannot write " + (tmp / "_SUCCESS").string());
  }
  // A batch run again after recovery replaces its earlier output.
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::rename(tmp, dir, ec);
  if (ec)
    throw std::runtime_error("ds::save_as_text_files: cannot rename " + tmp.string() + " to " + dir.string() + ": " +
                             ec.message());
}

}  // namespace dstream::detail
