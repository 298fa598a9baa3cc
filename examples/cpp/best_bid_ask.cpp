// Best bid/ask of one book: best_bid_ask [INSTANCE_DIR [VENUE [SYMBOL]]] (the README's example).
#include <cstdio>
#include <string>
#include <wirebook/reader.hpp>
int main(int argc, char** argv) {
  using namespace wirebook::shm;
  const std::string dir = argc > 1 ? argv[1] : instance_dir("main");
  VenueReader r;
  if (VenueReader::open(dir, argc > 2 ? argv[2] : "woo", r) != OpenError::ok) return 1;
  Bbo b;  // exact values: px * 10^px_exp, qty * 10^qty_exp
  const char* symbol = argc > 3 ? argv[3] : "SPOT_BTC_USDT";
  if (r.read_bbo(r.find(symbol), b) != ReadResult::ok || !b.trusted()) return 2;
  std::printf("bid %lld ask %lld (x 10^%d)\n", (long long)b.bid.px, (long long)b.ask.px, b.px_exp);
}
