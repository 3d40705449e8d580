#pragma once
// The status page's HTTP server (Boost.Beast): one thread, read-only (GET and HEAD), one
// request per connection; on loopback, only to a Host that names it (no DNS rebinding).
// A request whose line and headers pass 8 KiB, or that carries a body, is refused; a client that has not sent its request, or not read the answer,
// within the timeout is cut off; at most 32 connections are served at once. The handler
// renders a snapshot: this thread never runs user code and never waits for a batch.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace dstream::detail {

/// What a handler answers to a GET.
struct ui_response {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class ui_server {
 public:
  using handler = std::function<ui_response(std::string_view target)>;  // path and query
  static constexpr std::size_t header_limit = 8192;
  static constexpr int max_connections = 32;

  /// Listens on `host`:`port`; when the port is taken, on the next free one of the 16 after
  /// it (as Spark does); port 0: any free port. Throws `std::runtime_error` when none is free.
  ui_server(const std::string& host, unsigned port, handler h, std::chrono::milliseconds timeout)
      : handler_(std::move(h)), timeout_(timeout) {
    namespace net = boost::asio;
    using tcp = net::ip::tcp;
    boost::system::error_code ec;
    net::ip::address addr = net::ip::make_address(host, ec);
    if (ec) {
      tcp::resolver resolver(ioc_);
      auto found = resolver.resolve(host, "", ec);
      if (ec || found.empty())
        throw std::runtime_error("ds::streaming_context: dstream.ui.host \"" + host + "\" is not an address: " +
                                 ec.message());
      addr = found.begin()->endpoint().address();
    }
    for (unsigned p = port, tries = 0;; ++p, ++tries) {
      tcp::endpoint ep(addr, static_cast<unsigned short>(p));
      acceptor_.open(ep.protocol(), ec);
      if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec) acceptor_.bind(ep, ec);
      if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
      if (!ec) break;
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      if (ec != net::error::address_in_use || port == 0 || tries == 15 || p >= 65535)
        throw std::runtime_error("ds::streaming_context: the status page cannot listen on " + host + ":" +
                                 std::to_string(p) + ": " + ec.message() +
                                 " (set dstream.ui.port to a free port, or 0 for any)");
    }
    port_ = acceptor_.local_endpoint().port();
    loopback_ = addr.is_loopback();
    own_name_ = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ui_server(const ui_server&) = delete;
  ui_server& operator=(const ui_server&) = delete;
  ~ui_server() { stop(); }

  unsigned short port() const noexcept { return port_; }

  /// Closes the port and ends the thread; idempotent.
  void stop() {
    std::lock_guard lock(stop_m_);
    if (!thread_.joinable()) return;
    ioc_.stop();
    thread_.join();
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }

 private:
  class session : public std::enable_shared_from_this<session> {
   public:
    session(boost::asio::ip::tcp::socket s, ui_server& owner) : stream_(std::move(s)), owner_(owner) {
      ++owner_.connections_;
    }
    ~session() { --owner_.connections_; }

    void start() {
      namespace http = boost::beast::http;
      parser_.emplace();
      parser_->header_limit(header_limit);
      parser_->body_limit(0);
      stream_.expires_after(owner_.timeout_);
      http::async_read(stream_, buffer_, *parser_,
                       [self = shared_from_this()](boost::beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

   private:
    void on_read(boost::beast::error_code ec) {
      namespace http = boost::beast::http;
      if (ec == http::error::end_of_stream || ec == boost::beast::error::timeout ||
          ec == boost::asio::error::operation_aborted)
        return;  // the client left or was too slow: drop the connection
      ui_response r;
      if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
        r = {431, "text/plain; charset=utf-8", "request header fields too large\n"};
      } else if (ec) {
        r = {400, "text/plain; charset=utf-8", "bad request\n"};
      } else {
        const auto& req = parser_->get();
        if (req.method() != http::verb::get && req.method() != http::verb::head) {
          r = {405, "text/plain; charset=utf-8", "the status page is read-only: GET and HEAD only\n"};
        } else if (owner_.loopback_ && !owner_.local_host(req[http::field::host])) {
          // Listening on loopback: a page from elsewhere whose name now resolves here
          // (DNS rebinding) names its own host, and is refused.
          r = {403, "text/plain; charset=utf-8", "the status page answers only to localhost names\n"};
        } else {
          std::string_view target(req.target().data(), req.target().size());
          try {
            r = owner_.handler_(target);
          } catch (const std::exception& e) {
            std::cerr << "dstream: the status page failed to render " << target.substr(0, 200) << ": " << e.what()
                      << '\n';
            r = {500, "text/plain; charset=utf-8", "internal error\n"};
          }
          head_only_ = req.method() == http::verb::head;
        }
      }
      res_.result(r.status);
      res_.version(11);
      res_.set(http::field::server, "dstream");
      res_.set(http::field::content_type, r.content_type);
      res_.set(http::field::cache_control, "no-store");
      res_.set("X-Content-Type-Options", "nosniff");
      res_.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'");
      if (r.status == 405) res_.set(http::field::allow, "GET, HEAD");
      res_.keep_alive(false);
      res_.body() = std::move(r.body);
      res_.prepare_payload();
      if (head_only_) res_.body().clear();  // Content-Length stays that of the GET
      stream_.expires_after(owner_.timeout_);
      if (head_only_) {
        serializer_.emplace(res_);
        http::async_write_header(stream_, *serializer_, [self = shared_from_this()](boost::beast::error_code, std::size_t) {
          self->close();
        });
      } else {
        http::async_write(stream_, res_, [self = shared_from_this()](boost::beast::error_code, std::size_t) {
          self->close();
        });
      }
    }
    void close() {
      boost::beast::error_code ignored;
      stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    }

    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_{header_limit + 1024};
    std::optional<boost::beast::http::request_parser<boost::beast::http::empty_body>> parser_;
    boost::beast::http::response<boost::beast::http::string_body> res_;
    std::optional<boost::beast::http::response_serializer<boost::beast::http::string_body>> serializer_;
    bool head_only_ = false;
    ui_server& owner_;
  };

  // A Host header that names this machine's loopback: the address listened on,
  // 127.0.0.1, localhost or [::1], with any port; none at all (HTTP/1.0) too.
  bool local_host(boost::beast::string_view host) const {
    std::string_view h(host.data(), host.size());
    if (h.empty()) return true;
    if (h.front() == '[') {
      h = h.substr(0, h.find(']') == std::string_view::npos ? h.size() : h.find(']') + 1);
    } else {
      h = h.substr(0, h.find(':'));
    }
    return h == own_name_ || h == "127.0.0.1" || h == "localhost" || h == "[::1]";
  }

  void accept() {
    acceptor_.async_accept([this](boost::beast::error_code ec, boost::asio::ip::tcp::socket s) {
      if (ec == boost::asio::error::operation_aborted) return;
      if (!ec) {
        if (connections_.load() >= max_connections) {
          boost::beast::error_code ignored;
          s.close(ignored);  // full: the client may try again
        } else {
          std::make_shared<session>(std::move(s), *this)->start();
        }
      }
      accept();
    });
  }

  handler handler_;
  std::chrono::milliseconds timeout_;
  std::atomic<int> connections_{0};  // before ioc_: the sessions it still holds count down when it goes
  boost::asio::io_context ioc_{1};
  boost::asio::ip::tcp::acceptor acceptor_{ioc_};
  unsigned short port_ = 0;
  bool loopback_ = false;
  std::string own_name_;  // the address listened on, as a Host header names it
  std::mutex stop_m_;
  std::thread thread_;
};

}  // namespace dstream::detail
