// The Beast/OpenSSL websocket client behind WsSession (see ws_session.hpp).
// A chain of on_* handlers, each checking its error_code first; every failure
// goes to fail(), which reports, closes and schedules a reconnect with backoff.
#include "feeds/common/ws_session.hpp"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <deque>
#include <random>
#include <stdexcept>
#include <string>

#include "feeds/common/clock.hpp"
#include "feeds/common/rate_limit.hpp"
#include "feeds/common/sse_session.hpp"

namespace wirebook::feeds {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {
// simdjson reads up to 64 bytes past the end of a document (SIMDJSON_PADDING);
// the receive buffer always keeps this many spare bytes after a frame.
constexpr std::size_t kPadding = 64;
// SessionLog levels: 0 debug, 1 info, 2 warn, 3 error.
constexpr int kInfo = 1;
constexpr int kWarn = 2;
}  // namespace

struct WsSession::Impl {
  using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;
  using PlainWs = websocket::stream<beast::tcp_stream>;

  Impl(asio::io_context& io_, SessionOptions o, FrameHandler& h, SessionLog l)
      : io(io_),
        opt(std::move(o)),
        handler(h),
        log(std::move(l)),
        ssl_ctx(asio::ssl::context::tls_client),
        resolver(io_),
        retry_timer(io_),
        tick_timer(io_),
        rng(opt.seed != 0 ? opt.seed : std::random_device{}()) {
    buffer.max_size(opt.max_frame_bytes + kPadding + 4096);
    ssl_ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                        asio::ssl::context::no_tlsv1_1);
    if (opt.scheme == "wss") {
      if (opt.verify) {
        ssl_ctx.set_verify_mode(asio::ssl::verify_peer);
        if (opt.ca_file.empty()) {
          ssl_ctx.set_default_verify_paths();
        } else {
          ssl_ctx.load_verify_file(opt.ca_file);  // throws at start-up: a config error
        }
      } else {
        ssl_ctx.set_verify_mode(asio::ssl::verify_none);
        say(kWarn, "TLS certificate verification is DISABLED for " + opt.host +
                       " (verify = false): the connection can be intercepted");
      }
    }
  }

  void say(int level, const std::string& msg) const {
    if (log) log(level, msg);
  }

  template <class F>
  void with_ws(F&& f) {
    if (tls_ws) {
      f(*tls_ws);
    } else if (plain_ws) {
      f(*plain_ws);
    }
  }

  // ---- connect chain ------------------------------------------------------
  // Every attempt waits for the venue's connection token first.
  void connect() {
    if (stopped) return;
    const std::int64_t wait =
        open_when_allowed(opt.connect_gate, monotonic_ns(), retry_timer, [this] { open(); });
    if (wait > 0) {
      say(kInfo, opt.host + ": connection attempt held " + std::to_string(wait / 1'000'000) +
                     " ms by the venue's connection rate limit");
    }
  }

  void open() {
    if (stopped) return;
    tls_ws.reset();
    plain_ws.reset();
    buffer.clear();
    writing = false;
    outbox.clear();
    if (opt.scheme == "wss") {
      tls_ws = std::make_unique<TlsWs>(io, ssl_ctx);
    } else {
      plain_ws = std::make_unique<PlainWs>(io);
    }
    attempt_started_ns = monotonic_ns();
    resolver.async_resolve(opt.host, std::to_string(opt.port),
                           [this](error_code ec, const tcp::resolver::results_type& results) {
                             on_resolve(ec, results);
                           });
  }

  beast::tcp_stream& lowest() {
    return tls_ws ? beast::get_lowest_layer(*tls_ws) : beast::get_lowest_layer(*plain_ws);
  }

  void on_resolve(error_code ec, const tcp::resolver::results_type& results) {
    if (ec) return fail("resolve", ec);
    lowest().expires_after(std::chrono::nanoseconds(opt.connect_timeout_ns));
    lowest().async_connect(results, [this](error_code e, const tcp::endpoint&) { on_connect(e); });
  }

  void on_connect(error_code ec) {
    if (ec) return fail("connect", ec);
    if (!tls_ws) return ws_handshake();
    auto& ssl = tls_ws->next_layer();
    // SNI: the server picks its certificate by name.
    if (SSL_set_tlsext_host_name(ssl.native_handle(), opt.host.c_str()) != 1) {
      return fail("tls sni",
                  error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()));
    }
    if (opt.verify) ssl.set_verify_callback(asio::ssl::host_name_verification(opt.host));
    ssl.async_handshake(asio::ssl::stream_base::client, [this](error_code e) {
      if (e) {
        ++stats.tls_failures;
        return fail("tls handshake", e);
      }
      ws_handshake();
    });
  }

  void ws_handshake() {
    // The websocket layer has its own timeouts from here on.
    lowest().expires_never();
    with_ws([this](auto& ws) {
      auto to = websocket::stream_base::timeout::suggested(beast::role_type::client);
      to.handshake_timeout = std::chrono::nanoseconds(opt.connect_timeout_ns);
      if (opt.keepalive_idle_ns > 0) {
        // Beast sends the ping at half the idle timeout and closes at the full one.
        to.idle_timeout = std::chrono::nanoseconds(opt.keepalive_idle_ns);
        to.keep_alive_pings = true;
      }
      ws.set_option(to);
      ws.read_message_max(opt.max_frame_bytes);
      ws.auto_fragment(false);
      ws.set_option(websocket::stream_base::decorator(
          [](websocket::request_type& req) { req.set(http::field::user_agent, "wirebook/0.1"); }));
      std::string host = opt.host;
      if (!((opt.scheme == "wss" && opt.port == 443) || (opt.scheme == "ws" && opt.port == 80))) {
        host += ':' + std::to_string(opt.port);
      }
      ws.async_handshake(response, host, opt.target, [this](error_code e) { on_handshake(e); });
    });
  }

  void on_handshake(error_code ec) {
    if (ec) {
      const unsigned status = response.result_int();
      if (status == 429 || status == 418) {
        ++stats.throttled;
        throttled = true;
      }
      return fail(status != 0 ? "handshake (HTTP " + std::to_string(status) + ")" : "handshake",
                  ec);
    }
    connected = true;
    ++stats.connects;
    connected_since_ns = monotonic_ns();
    say(kInfo, "connected to " + opt.scheme + "://" + opt.host + ":" + std::to_string(opt.port) +
                   opt.target);
    handler.on_open(connected_since_ns);
    read();
    arm_tick();
    flush();
  }

  // ---- reading --------------------------------------------------------------
  void read() {
    with_ws([this](auto& ws) {
      ws.async_read(buffer, [this](error_code ec, std::size_t n) { on_read(ec, n); });
    });
  }

  void on_read(error_code ec, std::size_t n) {
    if (ec) {
      if (ec == websocket::error::message_too_big) ++stats.oversized_frames;
      return fail("read", ec);
    }
    const std::int64_t recv_rt = realtime_ns();
    const std::int64_t recv_mono = monotonic_ns();
    ++stats.frames;
    stats.bytes += n;
    // Keep SIMDJSON_PADDING writable bytes after the frame so the parser reads
    // in place; prepare() keeps the readable bytes and may move them once.
    (void)buffer.prepare(kPadding);
    const auto data = buffer.data();
    const bool reconnect = handler.on_frame(static_cast<const char*>(data.data()), data.size(),
                                            data.size() + kPadding, recv_rt, recv_mono);
    buffer.consume(buffer.size());
    if (reconnect) return fail("venue logic asked for a reconnect", {});
    read();
  }

  // ---- timers ---------------------------------------------------------------
  void arm_tick() {
    tick_timer.expires_after(std::chrono::nanoseconds(opt.timer_interval_ns));
    tick_timer.async_wait([this](error_code ec) {
      if (ec || !connected) return;
      if (handler.on_timer(monotonic_ns())) return fail("venue silent or stale", {});
      arm_tick();
    });
  }

  // ---- writing --------------------------------------------------------------
  void send(std::string_view frame) {
    if (!connected) return;  // control frames are re-sent by on_open after a reconnect
    outbox.emplace_back(frame);
    flush();
  }

  void flush() {
    if (writing || outbox.empty() || !connected) return;
    writing = true;
    with_ws([this](auto& ws) {
      ws.text(true);
      ws.async_write(asio::buffer(outbox.front()), [this](error_code ec, std::size_t) {
        writing = false;
        if (ec) return fail("write", ec);
        outbox.pop_front();
        flush();
      });
    });
  }

  // ---- failure and reconnect --------------------------------------------------
  void fail(const std::string& stage, error_code ec) {
    if (stopped && ec == asio::error::operation_aborted) return;
    const std::int64_t now = monotonic_ns();
    if (connected) {
      connected = false;
      ++stats.disconnects;
      handler.on_close(now);
      // A connection that stayed up long enough resets the backoff.
      if (now - connected_since_ns >= opt.backoff_reset_after_ns) attempt = 0;
    } else {
      ++stats.connect_failures;
    }
    tick_timer.cancel();
    error_code ignore;
    if (tls_ws || plain_ws) lowest().socket().close(ignore);
    if (stopped) return;
    std::int64_t delay = backoff_delay(opt, attempt, rng());
    if (throttled) delay = std::max(delay, opt.backoff_throttled_min_ns);
    delay = std::max(delay, opt.min_connect_interval_ns - (now - attempt_started_ns));
    throttled = false;
    ++attempt;
    stats.last_backoff_ns = delay;
    say(kWarn, opt.host + ": " + stage + (ec ? ": " + ec.message() : std::string()) +
                   "; reconnecting in " + std::to_string(delay / 1'000'000) + " ms");
    retry_timer.expires_after(std::chrono::nanoseconds(delay));
    retry_timer.async_wait([this](error_code e) {
      if (!e) connect();
    });
  }

  void stop() {
    stopped = true;
    retry_timer.cancel();
    tick_timer.cancel();
    resolver.cancel();
    if (connected) {
      connected = false;
      handler.on_close(monotonic_ns());
    }
    error_code ignore;
    if (tls_ws || plain_ws) lowest().socket().close(ignore);
  }

  asio::io_context& io;
  SessionOptions opt;
  FrameHandler& handler;
  SessionLog log;
  asio::ssl::context ssl_ctx;
  tcp::resolver resolver;
  asio::steady_timer retry_timer;
  asio::steady_timer tick_timer;
  std::unique_ptr<TlsWs> tls_ws;
  std::unique_ptr<PlainWs> plain_ws;
  beast::flat_buffer buffer;
  websocket::response_type response;
  std::deque<std::string> outbox;
  std::mt19937_64 rng;
  SessionStats stats;
  std::int64_t attempt_started_ns = 0;
  std::int64_t connected_since_ns = 0;
  unsigned attempt = 0;
  bool connected = false;
  bool writing = false;
  bool stopped = false;
  bool throttled = false;
};

WsSession::WsSession(asio::io_context& io, SessionOptions options, FrameHandler& handler,
                     SessionLog log)
    : impl_(std::make_unique<Impl>(io, std::move(options), handler, std::move(log))) {}

WsSession::~WsSession() = default;

void WsSession::start() {
  impl_->stopped = false;
  asio::post(impl_->io, [this] { impl_->connect(); });
}

void WsSession::stop() {
  impl_->stop();
}

void WsSession::send_text(std::string_view frame) {
  impl_->send(frame);
}

const SessionStats& WsSession::stats() const noexcept {
  return impl_->stats;
}

bool WsSession::connected() const noexcept {
  return impl_->connected;
}

std::int64_t backoff_delay(const SessionOptions& o, unsigned attempt,
                           std::uint64_t random) noexcept {
  // Full jitter: uniform in [0, min(cap, base * 2^attempt)].
  const unsigned shift = attempt > 30 ? 30 : attempt;
  std::int64_t ceiling = o.backoff_cap_ns;
  if (o.backoff_base_ns <= (o.backoff_cap_ns >> shift)) ceiling = o.backoff_base_ns << shift;
  if (ceiling <= 0) return 0;
  return static_cast<std::int64_t>(random % (static_cast<std::uint64_t>(ceiling) + 1));
}

const char* to_string(Transport t) noexcept {
  return t == Transport::websocket ? "websocket" : "sse";
}

std::unique_ptr<Session> make_session(Transport transport, asio::io_context& io,
                                      SessionOptions options, FrameHandler& handler,
                                      SessionLog log) {
  if (transport == Transport::sse) {
    if (options.scheme != "https" && options.scheme != "http") {
      throw std::invalid_argument("an SSE session needs an http:// or https:// url, got '" +
                                  options.scheme + "://'");
    }
    return std::make_unique<SseSession>(io, std::move(options), handler, std::move(log));
  }
  if (options.scheme != "wss" && options.scheme != "ws") {
    throw std::invalid_argument("a WebSocket session needs a ws:// or wss:// url, got '" +
                                options.scheme + "://'");
  }
  return std::make_unique<WsSession>(io, std::move(options), handler, std::move(log));
}

}  // namespace wirebook::feeds
