// Beast server side: accept, (TLS handshake), HTTP request, then either a
// plain GET answered by the venue's REST side, a WebSocket upgrade and a
// session with an ordered write queue, or (an SSE module) a GET on the
// module's path answered with a chunked text/event-stream: each frame is one
// chunk, written as the venue formatted it. Connection-level faults (refuse,
// HTTP 429, slow connection, abrupt close, close mid-frame) are applied here
// because they live below the venue protocol.
#include "tools/sim/server.hpp"

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <stdexcept>

#include "tools/sim/net.hpp"
#include "tools/sim/tls.hpp"
#include "tools/sim/venue.hpp"

namespace wirebook::sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = beast::error_code;

namespace {

std::uint64_t g_next_id = 1;  // io thread only

template <class Stream>
class Session final : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... Args>
  Session(Venue& venue, HttpResponder* http, int slow_ms, Args&&... args)
      : ws_(std::forward<Args>(args)...),
        venue_(venue),
        http_(http),
        slow_ms_(slow_ms),
        read_timer_(ws_.get_executor()),
        write_timer_(ws_.get_executor()),
        id_(g_next_id++) {}

  void run() {
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
    if constexpr (kTls) {
      ws_.next_layer().async_handshake(
          asio::ssl::stream_base::server,
          [self = this->shared_from_this()](error_code ec) { self->on_tls(ec); });
    } else {
      read_http();
    }
  }

  // Connection
  void send(SharedFrame frame) override {
    if (dead_ || closing_) return;
    queued_bytes_ += frame->size();
    queue_.push_back(std::move(frame));
    if (!writing_) do_write();
  }
  void close(std::uint16_t code, std::string_view reason) override {
    if (dead_ || closing_) return;
    closing_ = true;
    close_code_ = code;
    close_reason_ = std::string(reason);
    if (!writing_) do_write();
  }
  void drop_tcp() override {
    if (dead_) return;
    dead_ = true;
    clear_queue();
    error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).close();
  }
  void close_mid_frame(SharedFrame frame) override {
    if (dead_ || mid_frame_) return;
    closing_ = true;
    mid_frame_ = std::move(frame);
    clear_queue();
    if (!writing_) do_mid_frame();
  }
  [[nodiscard]] bool alive() const override { return !dead_ && !closing_; }
  [[nodiscard]] std::size_t queued_bytes() const override { return queued_bytes_; }
  [[nodiscard]] std::uint64_t id() const override { return id_; }
  [[nodiscard]] bool tls() const override { return kTls; }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  void on_tls(error_code ec) {
    if (ec) return finish();
    read_http();
  }

  void read_http() {
    http::async_read(
        ws_.next_layer(), buf_, req_,
        [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_http(ec); });
  }

  void on_http(error_code ec) {
    if (ec) return finish();
    if (venue_.module().transport == Transport::sse) return on_sse_request();
    // REST (plain GETs) first: the http429 knob is about WebSocket handshakes.
    if (http_ != nullptr && !websocket::is_upgrade(req_) && req_.method() == http::verb::get)
      return serve_get();
    venue_.note_request(/*rest=*/false);
    if (venue_.http429_next())
      return reject(http::status::too_many_requests, "too many requests\n");
    if (!websocket::is_upgrade(req_))
      return reject(http::status::bad_request, "websocket upgrade expected\n");
    const std::string_view target(req_.target().data(), req_.target().size());
    if (!target.starts_with(venue_.path()))
      return reject(http::status::not_found, "no such endpoint\n");
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "wirebook-sim"); }));
    ws_.read_message_max(1U << 20U);
    ws_.async_accept(req_, [self = this->shared_from_this()](error_code e) { self->on_accept(e); });
  }

  // ---- Server-Sent Events -----------------------------------------------------
  // A GET on the module's path opens the stream; other GETs are REST.
  void on_sse_request() {
    const std::string_view target(req_.target().data(), req_.target().size());
    if (req_.method() != http::verb::get)
      return reject(http::status::bad_request, "GET expected\n");
    const int status = venue_.stream_status(target, [this](std::string_view name) {
      const auto it = req_.find(beast::string_view(name.data(), name.size()));
      return it == req_.end() ? std::string_view()
                              : std::string_view(it->value().data(), it->value().size());
    });
    if (status == 0) {
      if (http_ != nullptr) return serve_get();
      return reject(http::status::not_found, "no such endpoint\n");
    }
    venue_.note_request(/*rest=*/false);
    if (status != 200) return reject(static_cast<http::status>(status), "stream refused\n");
    if (venue_.http429_next())
      return reject(http::status::too_many_requests, "too many requests\n");
    beast::get_lowest_layer(ws_).expires_never();
    sse_ = true;
    raw_ =
        "HTTP/1.1 200 OK\r\nServer: wirebook-sim\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n";
    writing_ = true;  // frames the venue queues on attach wait for the header
    asio::async_write(ws_.next_layer(), asio::buffer(raw_),
                      [self = this->shared_from_this()](error_code e, std::size_t) {
                        self->writing_ = false;
                        if (e) return self->drop_tcp();
                        self->do_write();
                      });
    const std::string request_target(target);
    handler_ = &venue_.attach(*this);
    // The request target is all an SSE client ever says (net.hpp).
    handler_->on_text(request_target);
    read_sse();
  }

  // The client sends nothing after its request: a read only notices it leaving.
  void read_sse() {
    ws_.next_layer().async_read_some(asio::buffer(sse_in_),
                                     [self = this->shared_from_this()](error_code ec, std::size_t) {
                                       if (ec) {
                                         self->drop_tcp();
                                         return self->finish();
                                       }
                                       self->read_sse();
                                     });
  }

  // One HTTP chunk: size in hex, CRLF, the bytes, CRLF.
  static void append_chunk(std::string& out, std::string_view bytes, bool terminated) {
    static constexpr char kHex[] = "0123456789abcdef";
    char size[20];
    int n = 0;
    std::size_t v = bytes.size();
    do {
      size[n++] = kHex[v & 0xfU];
      v >>= 4U;
    } while (v != 0);
    while (n > 0) out += size[--n];
    out += "\r\n";
    out.append(bytes);
    if (terminated) out += "\r\n";
  }

  void reject(http::status status, const char* body) {
    auto res = std::make_shared<http::response<http::string_body>>(status, req_.version());
    res->set(http::field::server, "wirebook-sim");
    res->set(http::field::content_type, "text/plain");
    if (status == http::status::too_many_requests) res->set(http::field::retry_after, "1");
    res->body() = body;
    res->keep_alive(false);
    res->prepare_payload();
    http::async_write(ws_.next_layer(), *res,
                      [self = this->shared_from_this(), res](error_code, std::size_t) {
                        self->drop_tcp();
                        self->finish();
                      });
  }

  void serve_get() {
    venue_.note_request(/*rest=*/true);
    const std::string_view target(req_.target().data(), req_.target().size());
    std::string body;
    const int status = http_->http_get(target, body);
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(status), req_.version());
    res->set(http::field::server, "wirebook-sim");
    res->set(http::field::content_type, "application/json");
    res->body() = std::move(body);
    res->keep_alive(req_.keep_alive());
    res->prepare_payload();
    req_ = {};
    http::async_write(ws_.next_layer(), *res,
                      [self = this->shared_from_this(), res](error_code ec, std::size_t) {
                        if (ec || !res->keep_alive()) {
                          self->drop_tcp();
                          return self->finish();
                        }
                        self->read_http();  // keep-alive: the next request
                      });
  }

  void on_accept(error_code ec) {
    if (ec) return finish();
    handler_ = &venue_.attach(*this);
    do_read();
  }

  void do_read() {
    if (slow_ms_ > 0) {
      read_timer_.expires_after(std::chrono::milliseconds(slow_ms_));
      read_timer_.async_wait([self = this->shared_from_this()](error_code) { self->read_now(); });
    } else {
      read_now();
    }
  }
  void read_now() {
    ws_.async_read(
        buf_, [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (ec) return finish();
    const std::string text = beast::buffers_to_string(buf_.data());
    buf_.consume(buf_.size());
    if (handler_ != nullptr && !dead_) handler_->on_text(text);
    do_read();
  }

  void do_write() {
    if (dead_) return;
    if (mid_frame_) return do_mid_frame();
    if (queue_.empty()) {
      if (closing_ && !close_sent_ && sse_) {
        // The last chunk ends the response; then the connection goes.
        close_sent_ = true;
        writing_ = true;
        raw_ = "0\r\n\r\n";
        asio::async_write(ws_.next_layer(), asio::buffer(raw_),
                          [self = this->shared_from_this()](error_code, std::size_t) {
                            self->writing_ = false;
                            self->drop_tcp();
                          });
      } else if (closing_ && !close_sent_) {
        close_sent_ = true;
        writing_ = true;
        ws_.async_close(
            websocket::close_reason(static_cast<websocket::close_code>(close_code_), close_reason_),
            [self = this->shared_from_this()](error_code) { self->writing_ = false; });
      }
      return;
    }
    writing_ = true;
    if (slow_ms_ > 0) {
      write_timer_.expires_after(std::chrono::milliseconds(slow_ms_));
      write_timer_.async_wait([self = this->shared_from_this()](error_code) { self->write_now(); });
    } else {
      write_now();
    }
  }
  void write_now() {
    if (dead_ || queue_.empty()) {
      writing_ = false;
      return;
    }
    venue_.observe_write(queue_.front());
    if (sse_) {
      raw_.clear();
      append_chunk(raw_, *queue_.front(), true);
      asio::async_write(
          ws_.next_layer(), asio::buffer(raw_),
          [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
      return;
    }
    ws_.text(true);
    ws_.async_write(
        asio::buffer(*queue_.front()),
        [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(error_code ec) {
    writing_ = false;
    if (ec) {
      drop_tcp();
      return;
    }
    if (!queue_.empty()) {
      queued_bytes_ -= queue_.front()->size();
      queue_.pop_front();
    }
    do_write();
  }

  void do_mid_frame() {
    // Header of an unmasked final text frame announcing the whole payload,
    // followed by only half of it, then TCP close: the client sees a frame cut
    // in the middle.
    const std::string& p = *mid_frame_;
    raw_.clear();
    if (sse_) {
      // A chunk announcing the whole event, half of it, then TCP close.
      append_chunk(raw_, p, false);
      raw_.resize(raw_.size() - p.size() + p.size() / 2);
      writing_ = true;
      asio::async_write(ws_.next_layer(), asio::buffer(raw_),
                        [self = this->shared_from_this()](error_code, std::size_t) {
                          self->writing_ = false;
                          self->drop_tcp();
                        });
      return;
    }
    raw_ += static_cast<char>(0x81);
    const std::size_t n = p.size();
    if (n < 126) {
      raw_ += static_cast<char>(n);
    } else if (n < 65536) {
      raw_ += static_cast<char>(126);
      raw_ += static_cast<char>((n >> 8U) & 0xffU);
      raw_ += static_cast<char>(n & 0xffU);
    } else {
      raw_ += static_cast<char>(127);
      for (int i = 7; i >= 0; --i)
        raw_ += static_cast<char>((n >> (8U * static_cast<unsigned>(i))) & 0xffU);
    }
    raw_.append(p, 0, n / 2);
    writing_ = true;
    asio::async_write(ws_.next_layer(), asio::buffer(raw_),
                      [self = this->shared_from_this()](error_code, std::size_t) {
                        self->writing_ = false;
                        self->drop_tcp();
                      });
  }

  void clear_queue() {
    // The frame being written stays owned by the write op until it completes.
    while (queue_.size() > (writing_ ? 1U : 0U)) queue_.pop_back();
    queued_bytes_ = 0;
  }

  void finish() {
    dead_ = true;
    clear_queue();
    if (handler_ != nullptr) {
      ConnectionHandler* h = handler_;
      handler_ = nullptr;
      h->on_closed();
    }
  }

  websocket::stream<Stream> ws_;
  Venue& venue_;
  HttpResponder* http_;
  int slow_ms_;
  asio::steady_timer read_timer_;
  asio::steady_timer write_timer_;
  std::uint64_t id_;
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
  std::deque<SharedFrame> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  bool dead_ = false;
  std::uint16_t close_code_ = 1000;
  std::string close_reason_;
  SharedFrame mid_frame_;
  std::string raw_;
  ConnectionHandler* handler_ = nullptr;
  bool sse_ = false;  // serving a text/event-stream
  std::array<char, 512> sse_in_{};
};

}  // namespace

struct Listener::Impl : std::enable_shared_from_this<Listener::Impl> {
  Impl(asio::io_context& io, Venue& v, const tcp::endpoint& ep, const TlsMaterial* tls,
       HttpResponder* h)
      : io_(io), venue(v), http(h), acceptor(io) {
    if (tls != nullptr) {
      ssl = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
      ssl->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1);
      ssl->use_certificate_chain(asio::buffer(tls->server_cert_pem));
      ssl->use_private_key(asio::buffer(tls->server_key_pem), asio::ssl::context::pem);
    }
    acceptor.open(ep.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen(asio::socket_base::max_listen_connections);
    port = acceptor.local_endpoint().port();
  }

  void accept() {
    acceptor.async_accept([self = shared_from_this()](error_code ec, tcp::socket s) {
      self->on_accept(ec, std::move(s));
    });
  }

  void on_accept(error_code ec, tcp::socket socket) {
    if (!acceptor.is_open()) return;
    if (!ec) {
      if (venue.refuse_next()) {
        error_code ignored;
        socket.close(ignored);  // refused: accepted, then closed before any byte
      } else {
        const int slow = venue.slow_next() ? venue.slow_ms() : 0;
        socket.set_option(tcp::no_delay(true), ec);
        if (ssl) {
          std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(venue, http, slow,
                                                                          std::move(socket), *ssl)
              ->run();
        } else {
          std::make_shared<Session<beast::tcp_stream>>(venue, http, slow, std::move(socket))->run();
        }
      }
    }
    accept();
  }

  asio::io_context& io_;
  Venue& venue;
  HttpResponder* http;
  tcp::acceptor acceptor;
  std::unique_ptr<asio::ssl::context> ssl;
  std::uint16_t port = 0;
};

Listener::Listener(asio::io_context& io, Venue& venue, const std::string& bind_address,
                   std::uint16_t port, const TlsMaterial* tls) {
  impl_ = std::make_shared<Impl>(
      io, venue, tcp::endpoint(asio::ip::make_address(bind_address), port), tls, venue.rest());
  impl_->accept();
}

Listener::~Listener() {
  stop();
}

std::uint16_t Listener::port() const noexcept {
  return impl_->port;
}

bool Listener::tls() const noexcept {
  return impl_->ssl != nullptr;
}

void Listener::stop() {
  error_code ec;
  impl_->acceptor.close(ec);
}

}  // namespace wirebook::sim
