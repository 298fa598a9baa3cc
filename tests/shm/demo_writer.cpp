// Test helper for the installed-example test: publishes a known book for
// venue "demo", symbol "SPOT_BTC_USDT", then touches <dir>/ready and keeps the
// segment alive (heartbeating) until killed or 120 s have passed.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "shm/writer.hpp"
#include "tests/shm/test_util.hpp"

using namespace wirebook::shm;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s INSTANCE_DIR\n", argv[0]);
    return 64;
  }
  SegmentOptions o;
  o.dir = argv[1];
  VenueConfig c;
  c.name = "demo";
  c.symbols = {"SPOT_ETH_USDT", "SPOT_BTC_USDT"};
  c.depth = 10;
  c.ring_capacity = 64;
  std::unique_ptr<VenueWriter> w;
  const CreateStatus st = VenueWriter::create(o, c, w);
  if (!st.ok()) {
    std::fprintf(stderr, "demo_writer: %s (%s)\n", to_string(st.error), st.detail.c_str());
    return 2;
  }
  // 56749.15 / 56749.20 at px_exp -2; sizes at qty_exp -8.
  const std::vector<Level> bids = {{5674915, 103895025}, {5674900, 50000000}, {5674850, 1}};
  const std::vector<Level> asks = {{5674920, 200000000}, {5675000, 12345678}};
  BookMeta m;
  m.status = Status::live;
  m.px_exp = -2;
  m.qty_exp = -8;
  if (w->publish_levels(1, m, bids, asks, 1) != PublishResult::ok) return 3;
  w->set_state(SegmentState::live);
  w->heartbeat(test::mono_ns());
  const std::string ready = std::string(argv[1]) + "/ready";
  const int fd = ::open(ready.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return 4;
  ::close(fd);
  const std::int64_t end = test::mono_ns() + 120 * test::kSecond;
  while (test::mono_ns() < end) {
    w->heartbeat(test::mono_ns());
    ::usleep(10'000);
  }
  return 0;
}
