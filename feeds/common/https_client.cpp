// Beast/OpenSSL behind the HTTPS client (https_client.hpp). One io_context
// per request: start-up and the worker thread are cold paths, and a fresh
// context keeps every request's timeout and failure independent.
#include "feeds/common/https_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <memory>

namespace wirebook::feeds {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr std::size_t kPadding = 64;  // SIMDJSON_PADDING
constexpr std::size_t kMaxBody = 64U << 20U;

// The exchange over one stream type: resolve, connect, (TLS), write, read.
template <class Stream>
struct Exchange {
  Exchange(asio::io_context& io, Stream& s, const RestEndpoint& e, std::string_view target,
           std::chrono::milliseconds t, RestResult& r)
      : resolver(io), stream(s), ep(e), timeout(t), out(r) {
    req.method(http::verb::get);
    req.target(std::string(target));
    req.version(11);
    std::string host = ep.host;
    if (!((ep.scheme == "https" && ep.port == 443) || (ep.scheme == "http" && ep.port == 80))) {
      host += ':' + std::to_string(ep.port);
    }
    req.set(http::field::host, host);
    req.set(http::field::user_agent, "wirebook/0.1");
    req.set(http::field::accept, "application/json");
    req.keep_alive(false);
    parser.body_limit(kMaxBody);
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream); }

  void fail(const char* stage, error_code ec) {
    if (out.error.empty()) out.error = std::string(stage) + ": " + ec.message();
  }

  void start() {
    resolver.async_resolve(ep.host, std::to_string(ep.port),
                           [this](error_code ec, const tcp::resolver::results_type& results) {
                             if (ec) return fail("resolve", ec);
                             lowest().expires_after(timeout);
                             lowest().async_connect(results,
                                                    [this](error_code e, const tcp::endpoint&) {
                                                      if (e) return fail("connect", e);
                                                      handshake();
                                                    });
                           });
  }

  void handshake() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      write();
    } else {
      if (SSL_set_tlsext_host_name(stream.native_handle(), ep.host.c_str()) != 1) {
        return fail("tls sni", error_code(static_cast<int>(::ERR_get_error()),
                                          asio::error::get_ssl_category()));
      }
      if (ep.verify) stream.set_verify_callback(asio::ssl::host_name_verification(ep.host));
      stream.async_handshake(asio::ssl::stream_base::client, [this](error_code e) {
        if (e) return fail("tls handshake", e);
        write();
      });
    }
  }

  void write() {
    http::async_write(stream, req, [this](error_code e, std::size_t) {
      if (e) return fail("write", e);
      http::async_read(stream, buffer, parser, [this](error_code e2, std::size_t) {
        if (e2) return fail("read", e2);
        out.status = static_cast<int>(parser.get().result_int());
        out.body = std::move(parser.get().body());
      });
    });
  }

  tcp::resolver resolver;
  Stream& stream;
  const RestEndpoint& ep;
  std::chrono::milliseconds timeout;
  RestResult& out;
  http::request<http::empty_body> req;
  http::response_parser<http::string_body> parser;
  beast::flat_buffer buffer;
};

}  // namespace

std::string parse_rest_base(std::string_view url, RestEndpoint& out) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return "has no scheme";
  out.scheme = std::string(url.substr(0, sep));
  if (out.scheme != "https" && out.scheme != "http") return "must be https:// (or http://)";
  std::string_view rest = url.substr(sep + 3);
  const auto slash = rest.find('/');
  if (slash != std::string_view::npos) {
    if (rest.substr(slash) != "/") return "must be a base without a path";
    rest = rest.substr(0, slash);
  }
  out.port = out.scheme == "https" ? 443 : 80;
  const auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && rest.find(']') == std::string_view::npos) {
    unsigned p = 0;
    const std::string_view ps = rest.substr(colon + 1);
    const auto [end, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), p);
    if (ec != std::errc{} || end != ps.data() + ps.size() || p == 0 || p > 65535) {
      return "has a bad port";
    }
    out.port = static_cast<std::uint16_t>(p);
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return "has no host";
  out.host = std::string(rest);
  return {};
}

RestResult https_get(const RestEndpoint& ep, std::string_view target,
                     std::chrono::milliseconds timeout) {
  RestResult r;
  try {
    asio::io_context io(1);
    if (ep.scheme == "http") {
      beast::tcp_stream s(io);
      Exchange<beast::tcp_stream> x(io, s, ep, target, timeout, r);
      x.start();
      io.run_for(timeout);
    } else {
      asio::ssl::context ctx(asio::ssl::context::tls_client);
      ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1);
      if (ep.verify) {
        ctx.set_verify_mode(asio::ssl::verify_peer);
        if (ep.ca_file.empty()) {
          ctx.set_default_verify_paths();
        } else {
          ctx.load_verify_file(ep.ca_file);
        }
      } else {
        ctx.set_verify_mode(asio::ssl::verify_none);
      }
      beast::ssl_stream<beast::tcp_stream> s(io, ctx);
      Exchange<beast::ssl_stream<beast::tcp_stream>> x(io, s, ep, target, timeout, r);
      x.start();
      io.run_for(timeout);
    }
    if (r.status == 0 && r.error.empty()) r.error = "timed out";
  } catch (const std::exception& e) {
    r.status = 0;
    r.error = e.what();  // e.g. an unreadable ca_file
  }
  return r;
}

RestWorker::RestWorker(RestEndpoint ep, std::chrono::milliseconds timeout)
    : ep_(std::move(ep)), timeout_(timeout), thread_([this] { run(); }) {}

RestWorker::~RestWorker() {
  {
    const std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool RestWorker::get(std::string_view target, std::uint64_t tag) {
  {
    const std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= kMaxQueued) return false;
    queue_.push_back(Request{std::string(target), tag});
  }
  cv_.notify_one();
  return true;
}

void RestWorker::run() {
  for (;;) {
    Request req;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      req = std::move(queue_.front());
      queue_.pop_front();
    }
    RestResult r = https_get(ep_, req.target, timeout_);
    Reply rep{req.tag, r.status, std::vector<char>(r.body.size() + kPadding, '\0'), r.body.size()};
    std::copy(r.body.begin(), r.body.end(), rep.body.begin());
    const std::lock_guard<std::mutex> lock(mu_);
    done_.push_back(std::move(rep));
  }
}

void RestWorker::poll(RestReplies& replies, std::int64_t recv_realtime_ns,
                      std::int64_t recv_mono_ns) noexcept {
  // try_lock: the venue thread never waits for the worker.
  if (!mu_.try_lock()) return;
  if (!done_.empty()) taken_.swap(done_);  // swapping vectors never allocates
  mu_.unlock();
  for (const Reply& r : taken_) {
    replies.on_rest_reply(r.tag, r.status, r.body.data(), r.len, r.body.size(), recv_realtime_ns,
                          recv_mono_ns);
  }
  taken_.clear();
}

namespace {

class LiveRest final : public RestSource {
 public:
  RestResult get(const RestEndpoint& ep, std::string_view target,
                 std::chrono::milliseconds timeout) override {
    return https_get(ep, target, timeout);
  }
  std::unique_ptr<RestChannel> channel(const RestEndpoint& ep,
                                       std::chrono::milliseconds timeout) override {
    return std::make_unique<RestWorker>(ep, timeout);
  }
};

}  // namespace

RestSource& live_rest() noexcept {
  static LiveRest live;  // stateless
  return live;
}

}  // namespace wirebook::feeds
