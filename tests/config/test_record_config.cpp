// The [record] section: defaults, every key read, bad values named.
#include <string>

#include "tests/config/test_util.hpp"

using namespace wirebook::config;
using namespace wirebook::config::test;

namespace {

Config parse(const std::string& text) {
  return parse_config(text, "test.toml", kinds());
}

}  // namespace

TEST_CASE("without a [record] table nothing is recorded", "[config][record]") {
  const Config c = parse(kDaemon + kWoo);
  CHECK_FALSE(c.record.enabled);
  CHECK(c.text == kDaemon + kWoo);
}

TEST_CASE("a [record] table with a directory records with the documented defaults",
          "[config][record]") {
  const Config c = parse(kDaemon + "[record]\ndirectory = \"/var/lib/wirebook/rec\"\n" + kWoo);
  CHECK(c.record.enabled);
  CHECK(c.record.directory == "/var/lib/wirebook/rec");
  CHECK(c.record.rotate_bytes == 256ULL << 20U);
  CHECK(c.record.rotate_s == 3600);
  CHECK(c.record.retention_hours == 0);
  CHECK(c.record.queue_records == 65536);
  CHECK(c.record.buffer_bytes == 64ULL << 20U);
}

TEST_CASE("every [record] key is read", "[config][record]") {
  const Config c = parse(kDaemon +
                         "[record]\ndirectory = \"/r\"\nenabled = false\nrotate_mb = 8\n"
                         "rotate_s = 60\nretention_hours = 48\nqueue_records = 4096\n"
                         "buffer_mb = 2\n" +
                         kWoo);
  CHECK_FALSE(c.record.enabled);
  CHECK(c.record.rotate_bytes == 8ULL << 20U);
  CHECK(c.record.rotate_s == 60);
  CHECK(c.record.retention_hours == 48);
  CHECK(c.record.queue_records == 4096);
  CHECK(c.record.buffer_bytes == 2ULL << 20U);
}

TEST_CASE("bad [record] values are named", "[config][record]") {
  REQUIRE_PROBLEM(kDaemon + "[record]\nrotate_s = 60\n" + kWoo,
                  "record: missing required key 'directory'");
  REQUIRE_PROBLEM(kDaemon + "[record]\ndirectory = \"rec\"\n" + kWoo,
                  "record: directory must be an absolute path without '..', got 'rec'");
  REQUIRE_PROBLEM(kDaemon + "[record]\ndirectory = \"/r\"\nrotate_mb = 0\n" + kWoo,
                  "record: rotate_mb must be 1..1048576, got 0");
  REQUIRE_PROBLEM(kDaemon + "[record]\ndirectory = \"/r\"\nrotate = 5\n" + kWoo,
                  "record: unknown key 'rotate' (did you mean 'rotate_s'?)");
  REQUIRE_PROBLEM("record = 5\n" + kDaemon + kWoo,
                  "config: record must be a table ([record]), got an integer");
}
