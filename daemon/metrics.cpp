#include "daemon/metrics.hpp"

#include <array>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "daemon/recorder.hpp"
#include "daemon/venue_runner.hpp"

namespace wirebook::daemon {

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr std::array<const char*, kStatusCount> kStatusNames = {"syncing", "live", "stale",
                                                                "resyncing", "disconnected"};

std::uint64_t get(const std::atomic<std::uint64_t>& a) {
  return a.load(std::memory_order_relaxed);
}

struct Counter {
  const char* name;
  const char* help;
  std::uint64_t (*value)(const VenueRunner&);
};

// One row per exported counter; the venue label is added per venue.
const Counter kCounters[] = {
    {"wirebook_frames_total", "Websocket frames received",
     [](const VenueRunner& v) { return get(v.counters().frames); }},
    {"wirebook_bytes_total", "Websocket payload bytes received",
     [](const VenueRunner& v) { return get(v.counters().bytes); }},
    {"wirebook_parse_errors_total", "Malformed frames or fields",
     [](const VenueRunner& v) { return get(v.counters().malformed); }},
    {"wirebook_unexpected_total", "Valid JSON messages not understood",
     [](const VenueRunner& v) { return get(v.counters().unexpected); }},
    {"wirebook_gaps_total", "Sequence chain breaks detected",
     [](const VenueRunner& v) { return get(v.counters().gaps); }},
    {"wirebook_resyncs_total", "Book resynchronisations started",
     [](const VenueRunner& v) { return get(v.counters().resyncs); }},
    {"wirebook_drift_alarms_total",
     "Books resynced because a REST cross-check disagreed twice in a row",
     [](const VenueRunner& v) { return get(v.counters().drift_alarms); }},
    {"wirebook_snapshots_total", "Snapshots applied",
     [](const VenueRunner& v) { return get(v.counters().snapshots); }},
    {"wirebook_reconnects_total", "Reconnects",
     [](const VenueRunner& v) { return get(v.counters().reconnects); }},
    {"wirebook_venue_errors_total", "Venue error replies",
     [](const VenueRunner& v) { return get(v.counters().errors); }},
    {"wirebook_venue_notices_total", "Venue notices (logged at info: e.g. sequence jumps)",
     [](const VenueRunner& v) { return get(v.counters().notices); }},
    {"wirebook_positions_full_total", "Positions dropped: the positions section was full",
     [](const VenueRunner& v) { return get(v.counters().positions_full); }},
    {"wirebook_reference_updates_total",
     "Reference data updates published (mark, index, funding, open interest)",
     [](const VenueRunner& v) { return get(v.counters().references); }},
    {"wirebook_connects_total", "Websocket handshakes completed",
     [](const VenueRunner& v) { return get(v.summary().connects); }},
    {"wirebook_connect_failures_total", "Failed connection attempts",
     [](const VenueRunner& v) { return get(v.summary().connect_failures); }},
    {"wirebook_disconnects_total", "Connections lost",
     [](const VenueRunner& v) { return get(v.summary().disconnects); }},
    {"wirebook_oversized_frames_total", "Frames above max_frame_bytes",
     [](const VenueRunner& v) { return get(v.summary().oversized_frames); }},
    {"wirebook_tls_failures_total", "TLS handshake or verification failures",
     [](const VenueRunner& v) { return get(v.summary().tls_failures); }},
    {"wirebook_venue_loop_ticks_total",
     "Housekeeping ticks of the venue thread (stops growing when the thread hangs)",
     [](const VenueRunner& v) { return get(v.summary().ticks); }},
    {"wirebook_venue_warmings_total",
     "Hot-path warmings of a spinning venue thread while no frame arrived (warm_us)",
     [](const VenueRunner& v) { return get(v.summary().warmings); }},
};

}  // namespace

std::string stats_line(const VenueRunner& v) {
  const auto& c = v.counters();
  const auto& s = v.summary();
  std::string books;
  for (std::size_t i = 0; i < kStatusCount; ++i) {
    const auto n = s.books_by_status[i].load(std::memory_order_relaxed);
    if (n > 0) books += fmt::format(" {}={}", kStatusNames[i], n);
  }
  return fmt::format(
      "{}: {} frames={} bytes={} malformed={} gaps={} resyncs={} reconnects={} "
      "venue_errors={} connects={} connect_failures={} books{}",
      v.name(), s.connected.load(std::memory_order_relaxed) ? "connected" : "not connected",
      get(c.frames), get(c.bytes), get(c.malformed), get(c.gaps), get(c.resyncs), get(c.reconnects),
      get(c.errors), get(s.connects), get(s.connect_failures), books);
}

std::string prometheus_text(const std::vector<std::unique_ptr<VenueRunner>>& venues,
                            std::uint64_t log_drops) {
  std::string out;
  for (const Counter& k : kCounters) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", k.name, k.help, k.name);
    for (const auto& v : venues) {
      out += fmt::format("{}{{venue=\"{}\"}} {}\n", k.name, v->name(), k.value(*v));
    }
  }
  out +=
      "# HELP wirebook_recv_to_publish_seconds Frame receive to shared-memory publication\n"
      "# TYPE wirebook_recv_to_publish_seconds histogram\n";
  for (const auto& v : venues) {
    const auto& h = v->counters().recv_to_publish;
    std::uint64_t cumulative = 0;
    for (std::size_t k = 0; k < feeds::LatencyHistogram::kBuckets; ++k) {
      cumulative += get(h.buckets[k]);
      const bool last = k + 1 == feeds::LatencyHistogram::kBuckets;
      const std::string le =
          last
              ? std::string("+Inf")
              : fmt::format("{}",  // shortest exact text: adjacent bounds differ by 1/16
                            static_cast<double>(feeds::LatencyHistogram::upper_bound_ns(k)) * 1e-9);
      out += fmt::format("wirebook_recv_to_publish_seconds_bucket{{venue=\"{}\",le=\"{}\"}} {}\n",
                         v->name(), le, cumulative);
    }
    // _count is the last bucket's cumulative value so the exposition is
    // self-consistent even while the venue thread keeps recording.
    out += fmt::format("wirebook_recv_to_publish_seconds_sum{{venue=\"{}\"}} {:g}\n", v->name(),
                       static_cast<double>(get(h.sum_ns)) * 1e-9);
    out += fmt::format("wirebook_recv_to_publish_seconds_count{{venue=\"{}\"}} {}\n", v->name(),
                       cumulative);
  }
  out +=
      "# HELP wirebook_venue_thread_cpu_seconds_total CPU time of the venue thread (idle = spin: "
      "one core's worth)\n"
      "# TYPE wirebook_venue_thread_cpu_seconds_total counter\n";
  for (const auto& v : venues) {
    out += fmt::format("wirebook_venue_thread_cpu_seconds_total{{venue=\"{}\"}} {}\n", v->name(),
                       static_cast<double>(get(v->summary().cpu_ns)) * 1e-9);
  }
  out +=
      "# HELP wirebook_feed_latency_seconds Venue timestamp of each book update to its receive "
      "time, over the last 10 s (bucket upper bounds; includes the venue's clock offset)\n"
      "# TYPE wirebook_feed_latency_seconds gauge\n";
  for (const auto& v : venues) {
    const VenueSummary& s = v->summary();
    for (const auto& [q, ns] :
         {std::pair{"0.5", &s.feed_p50_ns}, std::pair{"0.99", &s.feed_p99_ns}})
      out += fmt::format("wirebook_feed_latency_seconds{{venue=\"{}\",quantile=\"{}\"}} {}\n",
                         v->name(), q,
                         static_cast<double>(ns->load(std::memory_order_relaxed)) * 1e-9);
  }
  out +=
      "# HELP wirebook_feed_latency_samples Book updates with a venue timestamp in the feed "
      "latency window (ahead=\"1\": the venue's timestamp was ahead of our receive time)\n"
      "# TYPE wirebook_feed_latency_samples gauge\n";
  for (const auto& v : venues) {
    // Two words the venue thread stores one after the other: never negative.
    const std::uint64_t ahead = get(v->summary().feed_ahead);
    const std::uint64_t samples = get(v->summary().feed_samples);
    out += fmt::format("wirebook_feed_latency_samples{{venue=\"{}\",ahead=\"0\"}} {}\n", v->name(),
                       samples > ahead ? samples - ahead : 0);
    out += fmt::format("wirebook_feed_latency_samples{{venue=\"{}\",ahead=\"1\"}} {}\n", v->name(),
                       ahead);
  }
  out += "# HELP wirebook_books Books per state\n# TYPE wirebook_books gauge\n";
  for (const auto& v : venues) {
    for (std::size_t i = 0; i < kStatusCount; ++i) {
      out += fmt::format("wirebook_books{{venue=\"{}\",state=\"{}\"}} {}\n", v->name(),
                         kStatusNames[i],
                         v->summary().books_by_status[i].load(std::memory_order_relaxed));
    }
  }
  out +=
      "# HELP wirebook_connected 1 while the venue's websocket is open\n"
      "# TYPE wirebook_connected gauge\n";
  for (const auto& v : venues) {
    out += fmt::format("wirebook_connected{{venue=\"{}\"}} {}\n", v->name(),
                       v->summary().connected.load(std::memory_order_relaxed) ? 1 : 0);
  }
  out +=
      "# HELP wirebook_rate_limited_total Connection attempts (kind=connect) and REST calls "
      "(kind=rest) delayed by the venue's rate limit\n"
      "# TYPE wirebook_rate_limited_total counter\n";
  for (const auto& v : venues) {
    out += fmt::format("wirebook_rate_limited_total{{venue=\"{}\",kind=\"connect\"}} {}\n",
                       v->name(), v->connect_gate().delayed());
    out += fmt::format("wirebook_rate_limited_total{{venue=\"{}\",kind=\"rest\"}} {}\n", v->name(),
                       v->rest_gate().delayed());
  }
  out +=
      "# HELP wirebook_recorder_dropped_total Records the recorder lost (queue or buffer full; "
      "a gap record marks the place)\n# TYPE wirebook_recorder_dropped_total counter\n";
  for (const auto& v : venues) {
    if (v->recorder() == nullptr) continue;
    out += fmt::format("wirebook_recorder_dropped_total{{venue=\"{}\"}} {}\n", v->name(),
                       get(v->recorder()->counters().dropped));
  }
  out += fmt::format(
      "# HELP wirebook_log_queue_drops_total Log records dropped (queue full)\n"
      "# TYPE wirebook_log_queue_drops_total counter\nwirebook_log_queue_drops_total {}\n",
      log_drops);
  return out;
}

struct MetricsServer::Impl {
  asio::io_context& io;
  tcp::acceptor acceptor;
  std::function<std::string()> render;

  Impl(asio::io_context& ctx, const config::HostPort& listen, std::function<std::string()> r)
      : io(ctx), acceptor(ctx), render(std::move(r)) {
    const auto address =
        asio::ip::make_address(listen.host == "localhost" ? "127.0.0.1" : listen.host);
    const tcp::endpoint ep(address, listen.port);
    acceptor.open(ep.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen();
  }

  void accept() {
    acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) serve(std::make_shared<tcp::socket>(std::move(socket)));
      accept();
    });
  }

  void serve(const std::shared_ptr<tcp::socket>& socket) {
    auto buf = std::make_shared<asio::streambuf>(8192);  // caps the request size
    asio::async_read_until(
        *socket, *buf, "\r\n\r\n",
        [this, socket, buf](const boost::system::error_code& ec, std::size_t) {
          if (ec) return;  // closed or oversized request: drop the connection
          std::string_view head(static_cast<const char*>(buf->data().data()), buf->size());
          head = head.substr(0, head.find("\r\n"));
          const bool metrics = head.starts_with("GET /metrics ") || head == "GET /metrics";
          const std::string body = metrics ? render() : "not found\n";
          auto response = std::make_shared<std::string>(
              fmt::format("HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: "
                          "close\r\n\r\n{}",
                          metrics ? "200 OK" : "404 Not Found",
                          metrics ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain",
                          body.size(), body));
          asio::async_write(*socket, asio::buffer(*response),
                            [socket, response](const boost::system::error_code&, std::size_t) {
                              boost::system::error_code ignored;
                              socket->shutdown(tcp::socket::shutdown_both, ignored);
                            });
        });
  }
};

MetricsServer::MetricsServer(asio::io_context& io, const config::HostPort& listen,
                             std::function<std::string()> render)
    : impl_(std::make_unique<Impl>(io, listen, std::move(render))) {
  impl_->accept();
}

MetricsServer::~MetricsServer() {
  close();
}

void MetricsServer::close() noexcept {
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

std::uint16_t MetricsServer::port() const noexcept {
  try {
    boost::system::error_code ec;
    const auto ep = impl_->acceptor.local_endpoint(ec);
    return ec ? 0 : ep.port();
  } catch (...) {
    return 0;
  }
}

}  // namespace wirebook::daemon
