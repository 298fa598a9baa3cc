#include "ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace wirebook::simtest {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = beast::error_code;

struct WsClient::Impl {
  asio::io_context io;
  ssl::context ctx{ssl::context::tls_client};
  std::unique_ptr<websocket::stream<beast::tcp_stream>> plain;
  std::unique_ptr<websocket::stream<beast::ssl_stream<beast::tcp_stream>>> tls;
  beast::flat_buffer buf;
  websocket::response_type res;
  bool read_pending = false;
  bool read_done = false;
  error_code read_ec;
  int http_status = 0;
  int close_code = 0;
  std::string close_reason;
  std::string error;
  std::size_t max_message = 64U << 20U;

  template <class F>
  void with(F&& f) {
    if (plain)
      f(*plain);
    else
      f(*tls);
  }

  // Runs the io_context until `done` or the deadline.
  bool run_until(const bool& done, std::chrono::steady_clock::time_point deadline) {
    while (!done) {
      if (io.stopped()) io.restart();
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      io.run_one_for(deadline - now);
    }
    return true;
  }
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}
WsClient::~WsClient() = default;

int WsClient::http_status() const {
  return impl_->http_status;
}
int WsClient::close_code() const {
  return impl_->close_code;
}
std::string WsClient::close_reason() const {
  return impl_->close_reason;
}
std::string WsClient::error_text() const {
  return impl_->error;
}
void WsClient::set_max_message(std::size_t bytes) {
  impl_->max_message = bytes;
}

std::string WsClient::connect(const std::string& url, const std::string& ca_file,
                              std::chrono::milliseconds timeout) {
  Impl& m = *impl_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const bool secure = url.rfind("wss://", 0) == 0;
  const std::string rest = url.substr(secure ? 6 : 5);
  const std::size_t slash = rest.find('/');
  const std::string hostport = rest.substr(0, slash);
  const std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
  const std::size_t colon = hostport.rfind(':');
  const std::string host = hostport.substr(0, colon);
  const auto port = static_cast<std::uint16_t>(std::stoi(hostport.substr(colon + 1)));
  const tcp::endpoint ep(asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host), port);

  if (secure) {
    m.ctx.set_verify_mode(ssl::verify_peer);
    error_code ec;
    m.ctx.load_verify_file(ca_file, ec);
    if (ec) return "cannot load CA " + ca_file + ": " + ec.message();
    m.tls = std::make_unique<websocket::stream<beast::ssl_stream<beast::tcp_stream>>>(m.io, m.ctx);
    // Hostname (or IP) verification, as the feed handler does (DESIGN.md §1).
    m.tls->next_layer().set_verify_callback(ssl::host_name_verification(host));
    if (host != "127.0.0.1" &&
        !SSL_set_tlsext_host_name(m.tls->next_layer().native_handle(), host.c_str()))
      return "SNI failed";
  } else {
    m.plain = std::make_unique<websocket::stream<beast::tcp_stream>>(m.io);
  }
  error_code ec;
  bool done = false;
  std::string failure;
  m.with([&](auto& ws) {
    ws.read_message_max(m.max_message);
    beast::get_lowest_layer(ws).async_connect(ep, [&](error_code e) {
      ec = e;
      done = true;
    });
    if (!m.run_until(done, deadline) || ec) {
      failure = "connect: " + (ec ? ec.message() : std::string("timeout"));
      return;
    }
    if constexpr (!std::is_same_v<std::decay_t<decltype(ws.next_layer())>, beast::tcp_stream>) {
      done = false;
      ws.next_layer().async_handshake(ssl::stream_base::client, [&](error_code e) {
        ec = e;
        done = true;
      });
      if (!m.run_until(done, deadline) || ec) {
        failure = "tls handshake: " + (ec ? ec.message() : std::string("timeout"));
        return;
      }
    }
    done = false;
    ws.async_handshake(m.res, hostport, path, [&](error_code e) {
      ec = e;
      done = true;
    });
    if (!m.run_until(done, deadline) || ec) {
      m.http_status = static_cast<int>(m.res.result_int());
      failure = "ws handshake: " + (ec ? ec.message() : std::string("timeout"));
      return;
    }
    m.http_status = static_cast<int>(m.res.result_int());
  });
  if (!failure.empty()) {
    beast::error_code ignored;
    m.with([&](auto& ws) { beast::get_lowest_layer(ws).socket().close(ignored); });
    m.io.restart();
    m.io.poll();
  }
  return failure;
}

bool WsClient::send(std::string_view text) {
  Impl& m = *impl_;
  bool done = false;
  error_code ec;
  m.with([&](auto& ws) {
    ws.text(true);
    ws.async_write(asio::buffer(text.data(), text.size()), [&](error_code e, std::size_t) {
      ec = e;
      done = true;
    });
  });
  if (!m.run_until(done, std::chrono::steady_clock::now() + std::chrono::seconds(30))) return false;
  return !ec;
}

ReadStatus WsClient::read(std::string& out, std::chrono::milliseconds timeout) {
  Impl& m = *impl_;
  if (!m.read_pending) {
    m.read_pending = true;
    m.read_done = false;
    m.with([&](auto& ws) {
      ws.async_read(m.buf, [&m](error_code e, std::size_t) {
        m.read_ec = e;
        m.read_done = true;
      });
    });
  }
  if (!m.run_until(m.read_done, std::chrono::steady_clock::now() + timeout))
    return ReadStatus::timeout;
  m.read_pending = false;
  if (m.read_ec) {
    if (m.read_ec == websocket::error::closed) {
      m.with([&](auto& ws) {
        m.close_code = static_cast<int>(ws.reason().code);
        m.close_reason = std::string(ws.reason().reason.data(), ws.reason().reason.size());
      });
      return ReadStatus::closed;
    }
    m.error = m.read_ec.message();
    return ReadStatus::error;
  }
  out = beast::buffers_to_string(m.buf.data());
  m.buf.consume(m.buf.size());
  return ReadStatus::ok;
}

void WsClient::close() {
  Impl& m = *impl_;
  error_code ec;
  m.with([&](auto& ws) { beast::get_lowest_layer(ws).socket().close(ec); });
  m.io.restart();
  m.io.poll();
}

std::string await(WsClient& c, const std::string& needle, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string msg;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (c.read(msg, left) != ReadStatus::ok) return {};
    if (msg.find(needle) != std::string::npos) return msg;
  }
  return {};
}

int await_close(WsClient& c, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string msg;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const ReadStatus s = c.read(msg, left);
    if (s == ReadStatus::closed) return c.close_code();
    if (s != ReadStatus::ok) return 0;
  }
  return -1;
}

}  // namespace wirebook::simtest
