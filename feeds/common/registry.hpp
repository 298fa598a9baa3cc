#pragma once
// The table of venue kinds (DESIGN §2: adding a venue adds one row). Each row
// builds the FrameHandler for a configured venue from its books and outbox.
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/common/venue_books.hpp"
#include "feeds/common/ws_session.hpp"

namespace wirebook::feeds {

// Venue-independent knobs the daemon passes down (from config).
struct FeedSettings {
  bool trades = false;
  bool bbo = false;  // bbo/quotes
  std::size_t max_frame_bytes = 16U << 20U;
  std::int64_t stale_after_ns = 60'000'000'000;
  std::int64_t heartbeat_ns = 10'000'000'000;
  std::string interval;  // pulse: raw | 100ms (empty: raw)
  // Venue login, when credentials are configured (secrets resolved by the
  // daemon from an environment variable or a file; never logged).
  enum class Auth : std::uint8_t { none, credentials, signature };
  Auth auth = Auth::none;
  std::string api_key;
  std::string api_secret;
  // o2: the integer market id of each instrument (books order; from config
  // market_ids or resolved through GET /api/v1/markets at start-up), the
  // extra channels, and the REST base for snapshots and cross-checks.
  std::vector<std::int64_t> market_ids;
  bool ticker = false;
  bool mark_price = false;
  bool funding = false;
  std::string rest_url;  // scheme://host[:port]; empty: no REST
  std::string rest_ca_file;
  bool rest_verify = true;
  std::int64_t rest_check_ns = 60'000'000'000;
};

struct VenueKindEntry {
  std::string_view kind;  // as in config: woo | pulse | o2 | oxfun | ocx
  std::unique_ptr<FrameHandler> (*make)(VenueBooks& books, Outbox& out,
                                        const FeedSettings& settings);
};

// Every implemented venue kind.
[[nodiscard]] std::span<const VenueKindEntry> venue_kinds() noexcept;
// The entry for `kind`, or nullptr when that kind is not implemented yet.
[[nodiscard]] const VenueKindEntry* find_venue_kind(std::string_view kind) noexcept;

}  // namespace wirebook::feeds
