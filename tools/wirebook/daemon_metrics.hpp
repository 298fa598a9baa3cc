#pragma once
// The daemon's own receive->publish histogram, read from its /metrics
// endpoint (`wirebook status --metrics HOST:PORT`): the daemon keeps it with
// 16 sub-buckets per power of two (feeds::LatencyHistogram), so percentiles
// interpolated inside a bucket are within 1/16 of the true value.
//
// Cold code: blocking sockets with timeouts, allocation.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wirebook::cli {

// The body of GET http://HOST:PORT/metrics; throws std::runtime_error with a
// clear message (unreachable, timeout after `timeout_ms`, not HTTP 200).
[[nodiscard]] std::string fetch_metrics(const std::string& host_port, int timeout_ms = 3000);

struct LatencyFigures {
  std::uint64_t count = 0;
  double p50_ns = 0;
  double p99_ns = 0;
  double p999_ns = 0;
};

// One venue's cumulative histogram: (upper bound in ns, cumulative count),
// in exposition order, +Inf last as a negative bound. Empty when absent.
[[nodiscard]] std::vector<std::pair<double, std::uint64_t>> recv_to_publish_buckets(
    std::string_view exposition, std::string_view venue);

// Quantile q (0..1) of a cumulative histogram, linear inside the bucket it
// falls in; a rank in the +Inf bucket reports the last finite bound.
[[nodiscard]] double histogram_quantile(const std::vector<std::pair<double, std::uint64_t>>& h,
                                        double q);

// The samples recorded between two scrapes of the same daemon: `after`
// minus `before`, bucket by bucket (an empty `before`: everything in
// `after`). Empty when the two do not have the same buckets.
[[nodiscard]] std::vector<std::pair<double, std::uint64_t>> histogram_between(
    const std::vector<std::pair<double, std::uint64_t>>& before,
    const std::vector<std::pair<double, std::uint64_t>>& after);

// p50/p99/p99.9 of `venue` since the daemon started, or since the scrape
// `baseline` when it is not empty; nullopt when the exposition has no
// histogram for it or nothing was recorded.
[[nodiscard]] std::optional<LatencyFigures> recv_to_publish(std::string_view exposition,
                                                            std::string_view venue,
                                                            std::string_view baseline = {});

// The value of `metric{venue="V"}` (a per-venue counter or gauge such as
// wirebook_frames_total); nullopt when absent.
[[nodiscard]] std::optional<double> venue_value(std::string_view exposition,
                                                std::string_view metric, std::string_view venue);

}  // namespace wirebook::cli
