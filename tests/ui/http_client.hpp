#pragma once
// A small blocking HTTP/1.1 client for the status page tests (Boost.Beast), and a raw
// socket for requests no well-behaved client sends.

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace ui_test {

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

struct reply {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

/// The port of a `http://host:port/` URL.
inline unsigned short port_of(const std::string& url) {
  const auto colon = url.rfind(':');
  if (url.rfind("http://", 0) != 0 || colon == std::string::npos || colon < 7)
    throw std::invalid_argument("not an http URL: " + url);
  return static_cast<unsigned short>(std::stoi(url.substr(colon + 1)));
}

/// Sends one request to 127.0.0.1:`port` and reads the whole answer.
inline reply request(unsigned short port, const std::string& target, http::verb verb = http::verb::get) {
  boost::asio::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  http::request<http::empty_body> req(verb, target, 11);
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::user_agent, "dstream ui test");
  http::write(stream, req);
  boost::beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  parser.skip(verb == http::verb::head);
  http::read(stream, buf, parser);
  auto res = parser.release();
  boost::beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return {res.result_int(), std::string(res[http::field::content_type]), std::move(res.body())};
}

inline reply get(const std::string& url, const std::string& target) { return request(port_of(url), target); }

/// Writes `bytes` as they are on a fresh connection and returns everything read back
/// until the server closes it.
inline std::string raw(unsigned short port, const std::string& bytes) {
  boost::asio::io_context ioc;
  tcp::socket s(ioc);
  s.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  boost::asio::write(s, boost::asio::buffer(bytes));
  std::string out;
  boost::beast::error_code ec;
  char buf[4096];
  for (;;) {
    const std::size_t n = s.read_some(boost::asio::buffer(buf), ec);
    out.append(buf, n);
    if (ec) break;
  }
  return out;
}

}  // namespace ui_test
