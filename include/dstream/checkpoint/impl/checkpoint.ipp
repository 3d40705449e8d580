#pragma once
// Definitions of checkpoint/checkpoint.hpp: inline in the header-only form, compiled once
// in dstream/impl/src.cpp with DSTREAM_SEPARATE_COMPILATION (detail/config.hpp).

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <dstream/checkpoint/checkpoint.hpp>

namespace dstream::detail {

DSTREAM_DECL std::uint64_t checksum(std::string_view bytes) noexcept {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

DSTREAM_DECL std::string encode_checkpoint(const checkpoint_data& d) {
  writer payload;
  payload(checkpoint_version);
  payload(d.time_ms);
  payload(d.zero_ms);
  payload(d.batch_ms);
  payload(d.pending_ms);
  payload(d.states);
  payload(d.positions);
  payload(d.fingerprints);
  std::string body = std::move(payload).take();
  writer out;
  out.bytes(checkpoint_magic.data(), checkpoint_magic.size());
  out.size(body.size());
  out.bytes(body.data(), body.size());
  out(checksum(body));
  return std::move(out).take();
}

DSTREAM_DECL checkpoint_data decode_checkpoint(std::string_view bytes) {
  if (bytes.size() < checkpoint_magic.size() || bytes.substr(0, checkpoint_magic.size()) != checkpoint_magic)
    throw std::runtime_error("not a dstream checkpoint (bad magic)");
  reader r(bytes.substr(checkpoint_magic.size()));
  std::size_t n = r.size();
  if (r.rest().size() < n + sizeof(std::uint64_t)) throw std::runtime_error("truncated");
  std::string_view body = r.rest().substr(0, n);
  reader tail(r.rest().substr(n));
  if (tail.get<std::uint64_t>() != checksum(body)) throw std::runtime_error("checksum mismatch (corrupt)");
  if (!tail.done()) throw std::runtime_error("trailing bytes");
  reader p(body);
  auto version = p.get<std::uint32_t>();
  if (version != checkpoint_version && version != 1)
    throw std::runtime_error("format version " + std::to_string(version) + ", this build reads version " +
                             std::to_string(checkpoint_version));
  checkpoint_data d;
  d.time_ms = p.get<std::int64_t>();
  d.zero_ms = p.get<std::int64_t>();
  d.batch_ms = p.get<std::int64_t>();
  d.pending_ms = p.get<std::vector<std::int64_t>>();
  d.states = p.get<std::map<std::string, std::string>>();
  d.positions = p.get<std::map<std::string, std::string>>();
  if (version >= 2) d.fingerprints = p.get<std::map<std::string, std::string>>();
  if (!p.done()) throw std::runtime_error("trailing bytes in the payload");
  return d;
}

DSTREAM_DECL void write_file_durably(const std::string& path_name, std::string_view bytes) {
  const std::filesystem::path path(path_name);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot write " + path.string() + ": " + std::generic_category().message(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      throw std::runtime_error("cannot write " + path.string() + ": " + std::generic_category().message(e));
    }
    done += static_cast<std::size_t>(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    throw std::runtime_error("cannot flush " + path.string() + ": " + std::generic_category().message(errno));
}

DSTREAM_DECL void sync_directory(const std::string& dir_name) {
  const std::filesystem::path dir(dir_name);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

DSTREAM_DECL std::optional<std::int64_t> checkpoint_time_of(const std::string& p_name) {
  const std::filesystem::path p(p_name);
  std::string name = p.filename().string();
  constexpr std::string_view prefix = "checkpoint-";
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  try {
    std::size_t used = 0;
    long long v = std::stoll(name.substr(prefix.size()), &used);
    if (used != name.size() - prefix.size()) return std::nullopt;
    return v;
  } catch (...) {
    return std::nullopt;
  }
}

DSTREAM_DECL void write_checkpoint(const std::string& dir_name, const checkpoint_data& d) {
  const std::filesystem::path dir(dir_name);
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create the checkpoint directory " + dir.string() + ": " + ec.message());
  const std::string name = "checkpoint-" + std::to_string(d.time_ms);
  const fs::path tmp = dir / (".tmp-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(tmp, ec);
  const fs::path final_dir = dir / name;
  try {
    fs::create_directory(tmp, ec);
    if (ec) throw std::runtime_error("cannot create " + tmp.string() + ": " + ec.message());
    write_file_durably(tmp / "data", encode_checkpoint(d));
    sync_directory(tmp);
    fs::remove_all(final_dir, ec);
    fs::rename(tmp, final_dir, ec);
    if (ec) throw std::runtime_error("cannot rename " + tmp.string() + " to " + final_dir.string() + ": " + ec.message());
  } catch (...) {
    // What a failed write leaves would hold disk space every later write needs.
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    throw;
  }
  sync_directory(dir);
  // Keep the newest few complete ones.
  std::vector<std::pair<std::int64_t, fs::path>> all;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (auto t = checkpoint_time_of(it->path())) all.emplace_back(*t, it->path());
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = checkpoints_kept; i < all.size(); ++i) fs::remove_all(all[i].second, ec);
}

DSTREAM_DECL void write_generated(const std::string& dir_name, const checkpoint_data& d) {
  const std::filesystem::path dir(dir_name);
  const std::filesystem::path tmp = dir / (".tmp-checkpoint-generated-" + std::to_string(::getpid()));
  write_file_durably(tmp, encode_checkpoint(d));
  std::error_code ec;
  std::filesystem::rename(tmp, dir / "generated", ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw std::runtime_error("cannot rename " + tmp.string() + " to " + (dir / "generated").string());
  }
}

DSTREAM_DECL std::optional<checkpoint_data> read_generated(const std::string& dir_name) {
  const std::filesystem::path dir(dir_name);
  const std::filesystem::path file = dir / "generated";
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  try {
    return decode_checkpoint(ss.str());
  } catch (const std::exception& e) {
    throw std::runtime_error("dstream: " + file.string() + " (the batches generated since the last checkpoint) is " +
                             "unusable: " + e.what() + "; move it aside to recover from the checkpoint alone");
  }
}

DSTREAM_DECL void remove_leftovers(const std::string& dir_name) {
  const std::filesystem::path dir(dir_name);
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> gone;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(".tmp-checkpoint-", 0) == 0 || name.rfind(".probe-", 0) == 0) gone.push_back(it->path());
  }
  for (auto& p : gone) fs::remove_all(p, ec);
}

DSTREAM_DECL std::optional<checkpoint_data> read_latest_checkpoint(const std::string& dir_name,
                                                          std::vector<std::string>* errors) {
  const std::filesystem::path dir(dir_name);
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return std::nullopt;
  std::vector<std::pair<std::int64_t, fs::path>> all;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (auto t = checkpoint_time_of(it->path())) all.emplace_back(*t, it->path());
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::pair<fs::path, std::string>> bad;  // newest first
  for (auto& [t, p] : all) {
    const fs::path file = p / "data";
    std::optional<checkpoint_data> d;
    try {
      std::ifstream in(file, std::ios::binary);
      if (!in) throw std::runtime_error("cannot be opened");
      std::ostringstream ss;
      ss << in.rdbuf();
      d = decode_checkpoint(ss.str());
    } catch (const std::exception& e) {
      bad.emplace_back(p, e.what());
      continue;
    }
    for (auto& [q, why] : bad) {
      const fs::path aside = q.parent_path() / ("corrupt-" + q.filename().string());
      fs::remove_all(aside, ec);
      fs::rename(q, aside, ec);
      std::string msg = "dstream: checkpoint " + (q / "data").string() + " is unusable (" + why + "); it is kept as " +
                        aside.string() + " and the previous one, " + p.string() + ", is used";
      std::cerr << msg << '\n';
      if (errors) errors->push_back(msg);
    }
    return d;
  }
  if (bad.empty()) return std::nullopt;
  std::string msg = "dstream: no checkpoint in " + dir.string() + " can be used, so the context cannot be recovered:";
  for (auto& [q, why] : bad) msg += " " + (q / "data").string() + " (" + why + ");";
  msg += " nothing was changed; move the directory aside to start afresh";
  throw std::runtime_error(msg);
}

}  // namespace dstream::detail
