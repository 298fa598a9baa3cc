// The Beast/OpenSSL Server-Sent Events client behind SseSession (see
// sse_session.hpp). Per stream, a chain of on_* handlers, each checking its
// error_code first; every failure goes to Stream::fail(), which reports,
// closes and schedules that stream's reconnect with backoff.
#include "feeds/common/sse_session.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "feeds/common/clock.hpp"
#include "feeds/common/rate_limit.hpp"

namespace wirebook::feeds {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {
// SessionLog levels: 0 debug, 1 info, 2 warn, 3 error.
constexpr int kInfo = 1;
constexpr int kWarn = 2;
// Body bytes per read; the SSE parser copies event data into its own padded buffer.
constexpr std::size_t kChunkBytes = 64U << 10U;
// A data line holds at most one event's data plus its field name.
constexpr std::size_t kLineSlack = 64;

// An SSE `retry:` in ns; any number of digits is valid there.
std::int64_t saturating_ms_to_ns(std::int64_t ms) {
  constexpr std::int64_t kMaxMs = INT64_MAX / 1'000'000;
  return ms > kMaxMs ? INT64_MAX : ms * 1'000'000;
}

bool is_text_event_stream(std::string_view content_type) {
  constexpr std::string_view kType = "text/event-stream";
  if (content_type.size() < kType.size()) return false;
  for (std::size_t i = 0; i < kType.size(); ++i) {
    const char c = content_type[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kType[i]) return false;
  }
  return true;
}

}  // namespace

struct SseSession::Impl {
  struct Stream;

  Impl(asio::io_context& io_, SessionOptions o, FrameHandler& h, SessionLog l)
      : io(io_),
        opt(std::move(o)),
        handler(h),
        log(std::move(l)),
        ssl_ctx(asio::ssl::context::tls_client),
        tick_timer(io_),
        rng(opt.seed != 0 ? opt.seed : std::random_device{}()) {
    configure_tls();
    std::vector<std::string> targets = handler.stream_targets();
    if (targets.empty()) targets.push_back(opt.target);
    streams.reserve(targets.size());
    for (std::size_t i = 0; i < targets.size(); ++i) {
      streams.push_back(std::make_unique<Stream>(*this, i, std::move(targets[i])));
    }
  }

  // TLS exactly as the WebSocket session: TLS >= 1.2, the system store or
  // ca_file, SNI and hostname verification per connection (Stream::on_connect).
  void configure_tls() {
    ssl_ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                        asio::ssl::context::no_tlsv1_1);
    if (opt.scheme != "https") return;
    if (!opt.verify) {
      ssl_ctx.set_verify_mode(asio::ssl::verify_none);
      say(kWarn, "TLS certificate verification is DISABLED for " + opt.host +
                     " (verify = false): the connection can be intercepted");
      return;
    }
    ssl_ctx.set_verify_mode(asio::ssl::verify_peer);
    if (opt.ca_file.empty()) {
      ssl_ctx.set_default_verify_paths();
    } else {
      ssl_ctx.load_verify_file(opt.ca_file);  // throws at start-up: a config error
    }
  }

  void say(int level, const std::string& msg) const {
    if (log) log(level, msg);
  }

  [[nodiscard]] bool any_connected() const noexcept;  // after Stream is complete

  // ---- the session timer: liveness, then the handler's ticks ----------------
  void arm_tick() {
    tick_timer.expires_after(std::chrono::nanoseconds(opt.timer_interval_ns));
    tick_timer.async_wait([this](error_code ec) {
      if (ec || stopped) return;
      on_tick(monotonic_ns());
      arm_tick();
    });
  }

  void on_tick(std::int64_t now);
  void stop();

  asio::io_context& io;
  SessionOptions opt;
  FrameHandler& handler;
  SessionLog log;
  asio::ssl::context ssl_ctx;
  asio::steady_timer tick_timer;
  std::mt19937_64 rng;
  SessionStats stats;
  std::vector<std::unique_ptr<Stream>> streams;
  bool stopped = true;
};

// One HTTP event stream: its connection, parser state and backoff.
struct SseSession::Impl::Stream final : SseSink {
  using TlsStream = beast::ssl_stream<beast::tcp_stream>;
  using PlainStream = beast::tcp_stream;

  Stream(Impl& o, std::size_t i, std::string t)
      : owner(o),
        index(i),
        target(std::move(t)),
        resolver(o.io),
        retry_timer(o.io),
        chunk(kChunkBytes),
        sse(SseLimits{.max_line_bytes = o.opt.max_frame_bytes + kLineSlack,
                      .max_event_bytes = o.opt.max_frame_bytes}) {}

  const SessionOptions& opt() const { return owner.opt; }
  SessionStats& stats() { return owner.stats; }
  std::string where() const { return opt().host + target; }

  template <class F>
  void with_stream(F&& f) {
    if (tls) {
      f(*tls);
    } else if (plain) {
      f(*plain);
    }
  }

  beast::tcp_stream& lowest() {
    return tls ? beast::get_lowest_layer(*tls) : beast::get_lowest_layer(*plain);
  }

  // ---- connect chain --------------------------------------------------------
  // Every stream's attempt waits for the venue's connection token first.
  void connect() {
    if (owner.stopped) return;
    if (!owner.handler.stream_enabled(index)) {
      owner.say(kWarn, where() + ": stream left down (the venue logic disabled it)");
      return;
    }
    const std::int64_t wait =
        open_when_allowed(opt().connect_gate, monotonic_ns(), retry_timer, [this] { open(); });
    if (wait > 0) {
      owner.say(kInfo, where() + ": connection attempt held " + std::to_string(wait / 1'000'000) +
                           " ms by the venue's connection rate limit");
    }
  }

  void open() {
    if (owner.stopped || !owner.handler.stream_enabled(index)) return;
    tls.reset();
    plain.reset();
    read_buffer.clear();
    parser.emplace();
    parser->body_limit(boost::none);  // an event stream never ends by itself
    sse.reset();
    if (opt().scheme == "https") {
      tls = std::make_unique<TlsStream>(owner.io, owner.ssl_ctx);
    } else {
      plain = std::make_unique<PlainStream>(owner.io);
    }
    attempt_started_ns = monotonic_ns();
    resolver.async_resolve(opt().host, std::to_string(opt().port),
                           [this](error_code ec, const tcp::resolver::results_type& results) {
                             on_resolve(ec, results);
                           });
  }

  void on_resolve(error_code ec, const tcp::resolver::results_type& results) {
    if (ec) return fail("resolve", ec);
    // The connect timeout covers TCP, TLS and the response header.
    lowest().expires_after(std::chrono::nanoseconds(opt().connect_timeout_ns));
    lowest().async_connect(results, [this](error_code e, const tcp::endpoint&) { on_connect(e); });
  }

  void on_connect(error_code ec) {
    if (ec) return fail("connect", ec);
    if (!tls) return send_request();
    // SNI: the server picks its certificate by name.
    if (SSL_set_tlsext_host_name(tls->native_handle(), opt().host.c_str()) != 1) {
      return fail("tls sni",
                  error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()));
    }
    if (opt().verify) tls->set_verify_callback(asio::ssl::host_name_verification(opt().host));
    tls->async_handshake(asio::ssl::stream_base::client, [this](error_code e) {
      if (e) {
        ++stats().tls_failures;
        return fail("tls handshake", e);
      }
      send_request();
    });
  }

  void send_request() {
    request = {http::verb::get, target, 11};
    std::string host = opt().host;
    const bool default_port = (opt().scheme == "https" && opt().port == 443) ||
                              (opt().scheme == "http" && opt().port == 80);
    if (!default_port) host += ':' + std::to_string(opt().port);
    request.set(http::field::host, host);
    request.set(http::field::user_agent, "wirebook/0.1");
    request.set(http::field::accept, "text/event-stream");
    request.set(http::field::cache_control, "no-cache");
    for (const auto& [name, value] : owner.handler.stream_headers(index)) request.set(name, value);
    with_stream([this](auto& s) {
      http::async_write(s, request, [this](error_code e, std::size_t) {
        if (e) return fail("request", e);
        read_header();
      });
    });
  }

  void read_header() {
    with_stream([this](auto& s) {
      http::async_read_header(s, read_buffer, *parser,
                              [this](error_code e, std::size_t) { on_header(e); });
    });
  }

  void on_header(error_code ec) {
    if (ec) return fail("response header", ec);
    const auto& res = parser->get();
    const unsigned status = res.result_int();
    if (status != 200) {
      if (status == 429 || status == 418) {
        ++stats().throttled;
        throttled = true;
      }
      owner.handler.on_stream_refused(index, status);
      return fail("HTTP " + std::to_string(status), {});
    }
    if (!is_text_event_stream(res[http::field::content_type])) {
      return fail("response is not text/event-stream", {});
    }
    lowest().expires_never();  // liveness is the session timer's from here on
    connected = true;
    ++stats().connects;
    connected_since_ns = monotonic_ns();
    last_rx_ns = connected_since_ns;
    owner.say(kInfo, "stream open: " + opt().scheme + "://" + opt().host + ":" +
                         std::to_string(opt().port) + target);
    owner.handler.on_stream_open(index, connected_since_ns);
    read_body();
  }

  // ---- reading --------------------------------------------------------------
  void read_body() {
    auto& body = parser->get().body();
    body.data = chunk.data();
    body.size = chunk.size();
    with_stream([this](auto& s) {
      http::async_read_some(s, read_buffer, *parser,
                            [this](error_code e, std::size_t) { on_body(e); });
    });
  }

  void on_body(error_code ec) {
    // need_buffer: the chunk is full, which is how buffer_body hands data out.
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return fail("read", ec);
    const std::size_t n = chunk.size() - parser->get().body().size;
    if (n > 0) {
      recv_rt_ns = realtime_ns();
      recv_mono_ns = monotonic_ns();
      last_rx_ns = recv_mono_ns;
      stats().bytes += n;
      const SseStatus st = sse.feed(chunk.data(), n, *this);
      if (sse.retry_ms() >= 0) retry_ns = saturating_ms_to_ns(sse.retry_ms());
      if (st == SseStatus::line_too_long || st == SseStatus::event_too_big) {
        ++stats().oversized_frames;
        return fail(std::string("event stream: ") + to_string(st), {});
      }
      if (st == SseStatus::stopped) return restart("venue logic asked for a reconnect");
    }
    if (parser->is_done()) return fail("the server ended the stream", {});
    read_body();
  }

  bool on_event(const SseEvent& event) noexcept override {
    ++stats().frames;
    return !owner.handler.on_stream_event(index, event, recv_rt_ns, recv_mono_ns);
  }

  void on_comment(std::string_view text) noexcept override {
    owner.handler.on_stream_comment(index, text, recv_mono_ns);
  }

  // ---- failure and reconnect --------------------------------------------------
  void fail(const std::string& stage, error_code ec, bool resync = false) {
    if (owner.stopped && ec == asio::error::operation_aborted) return;
    const std::int64_t now = monotonic_ns();
    close(now);
    if (owner.stopped) return;
    std::int64_t delay = backoff_delay(opt(), attempt, owner.rng());
    if (throttled) delay = std::max(delay, opt().backoff_throttled_min_ns);
    // The server's `retry:` is the least wait it asked for after a lost
    // stream (capped like the backoff). A resync the venue's own rules call
    // for ("on a gap, reconnect") does not wait for it: the book is down.
    if (!resync && retry_ns > 0) delay = std::max(delay, std::min(retry_ns, opt().backoff_cap_ns));
    delay = std::max(delay, opt().min_connect_interval_ns - (now - attempt_started_ns));
    throttled = false;
    ++attempt;
    stats().last_backoff_ns = delay;
    owner.say(kWarn, where() + ": " + stage + (ec ? ": " + ec.message() : std::string()) +
                         "; reconnecting in " + std::to_string(delay / 1'000'000) + " ms");
    retry_timer.expires_after(std::chrono::nanoseconds(delay));
    retry_timer.async_wait([this](error_code e) {
      if (!e) connect();
    });
  }

  // The venue logic restarts a healthy stream to resync its market (OCX: "on
  // a gap, reconnect and re-snapshot"): a resync, not a failure, so the
  // backoff starts over (still jittered, at most backoff_base_ns).
  void restart(const std::string& why) {
    attempt = 0;
    fail(why, {}, /*resync=*/true);
  }

  // Closes the connection (counting a disconnect or a failed attempt).
  void close(std::int64_t now) {
    if (connected) {
      connected = false;
      ++stats().disconnects;
      owner.handler.on_stream_close(index, now);
      // A connection that stayed up long enough resets the backoff.
      if (now - connected_since_ns >= opt().backoff_reset_after_ns) attempt = 0;
    } else if (!owner.stopped) {
      ++stats().connect_failures;
    }
    error_code ignore;
    if (tls || plain) lowest().socket().close(ignore);
  }

  void stop(std::int64_t now) {
    retry_timer.cancel();
    resolver.cancel();
    close(now);
  }

  Impl& owner;
  std::size_t index;
  std::string target;
  tcp::resolver resolver;
  asio::steady_timer retry_timer;
  std::int64_t retry_ns = 0;  // the stream's last `retry:` (kept across reconnects)
  std::unique_ptr<TlsStream> tls;
  std::unique_ptr<PlainStream> plain;
  beast::flat_buffer read_buffer;
  std::optional<http::response_parser<http::buffer_body>> parser;
  http::request<http::empty_body> request;
  std::vector<char> chunk;
  SseParser sse;
  std::int64_t attempt_started_ns = 0;
  std::int64_t connected_since_ns = 0;
  std::int64_t last_rx_ns = 0;
  std::int64_t recv_rt_ns = 0;
  std::int64_t recv_mono_ns = 0;
  unsigned attempt = 0;
  bool connected = false;
  bool throttled = false;
};

bool SseSession::Impl::any_connected() const noexcept {
  return std::any_of(streams.begin(), streams.end(),
                     [](const std::unique_ptr<Stream>& s) { return s->connected; });
}

void SseSession::Impl::on_tick(std::int64_t now) {
  for (auto& s : streams) {
    if (!s->connected) continue;
    if (opt.keepalive_idle_ns > 0 && now - s->last_rx_ns > opt.keepalive_idle_ns) {
      ++stats.silent_closes;
      s->fail("no bytes for " + std::to_string(opt.keepalive_idle_ns / 1'000'000) + " ms", {});
    } else if (handler.on_stream_timer(s->index, now)) {
      s->restart("venue logic asked for a reconnect");
    }
  }
  if (!any_connected() || !handler.on_timer(now)) return;
  for (auto& s : streams) {
    if (s->connected) s->fail("venue silent or stale", {});
  }
}

void SseSession::Impl::stop() {
  stopped = true;
  tick_timer.cancel();
  const std::int64_t now = monotonic_ns();
  for (auto& s : streams) s->stop(now);
}

SseSession::SseSession(asio::io_context& io, SessionOptions options, FrameHandler& handler,
                       SessionLog log)
    : impl_(std::make_unique<Impl>(io, std::move(options), handler, std::move(log))) {}

SseSession::~SseSession() = default;

void SseSession::start() {
  impl_->stopped = false;
  asio::post(impl_->io, [this] {
    for (auto& s : impl_->streams) s->connect();
    impl_->arm_tick();
  });
}

void SseSession::stop() {
  impl_->stop();
}

void SseSession::send_text(std::string_view /*frame*/) {}

const SessionStats& SseSession::stats() const noexcept {
  return impl_->stats;
}

bool SseSession::connected() const noexcept {
  return std::all_of(impl_->streams.begin(), impl_->streams.end(),
                     [](const auto& s) { return s->connected; });
}

std::size_t SseSession::streams() const noexcept {
  return impl_->streams.size();
}

bool SseSession::stream_connected(std::size_t stream) const noexcept {
  return stream < impl_->streams.size() && impl_->streams[stream]->connected;
}

}  // namespace wirebook::feeds
