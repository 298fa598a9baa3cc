#pragma once
// OX.FUN: waits for the greeting, logs in when given credentials (and then
// subscribes position:all), subscribes every symbol's depthUpdate in one
// frame, keeps diffs that come before the partial and applies the seqNum
// procedure of PROTOCOLS.md §4.3 (the first diff carries the partial's
// seqNum, later ones larger).
#include <string>
#include <vector>

#include "venue_clients.hpp"

namespace wirebook::simtest {

struct OxfunClientOptions {
  ClientOptions base;
  std::string api_key;  // empty: no login
  std::string api_secret;
};

struct OxfunPosition {
  std::string quantity;  // the last pushed quantity text
  bool was_long = false;
  bool was_short = false;
  int updates = 0;
};

struct OxfunClientResult {
  ClientResult r;
  bool greeted = false;
  bool logged_in = false;
  std::string login_reply;
  std::uint64_t buffered_before_partial = 0;  // diffs that came before their market's partial
  std::uint64_t position_frames = 0;
  std::map<std::string, OxfunPosition> positions;
};

OxfunClientResult run_oxfun_client(const OxfunClientOptions& o);

}  // namespace wirebook::simtest
