// `wirebook positions`: the account positions of a running (or stopped)
// wirebookd instance, read from the venue segments' positions sections
// (DESIGN.md §9a). One line per position, exact decimals; a field the venue
// did not send prints as "-" (null with --json). Venue and instance selection
// as for `wirebook dump`.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <wirebook/reader.hpp>

#include "tools/wirebook/reader_common.hpp"

namespace wirebook::cli {

namespace {

constexpr const char* kCmd = "wirebook positions";

struct PositionsArgs {
  bool json = false;
  Target target;
  std::vector<std::string> venues;
  std::vector<std::string> instruments;
};

std::string field_text(const shm::Position& p, shm::PositionField f, const char* unknown) {
  return p.has(f) ? decimal(p.raw(f), p.exponent(f)) : std::string(unknown);
}

std::string json_line(const std::string& venue, const shm::Position& p) {
  std::string out = "{\"venue\":";
  json_string(out, venue);
  out += ",\"instrument\":";
  json_string(out, p.instrument);
  for (std::size_t k = 0; k < shm::kPositionFields; ++k) {
    const auto f = static_cast<shm::PositionField>(k);
    out += ",\"";
    out += shm::to_string(f);
    out += "\":";
    out += p.has(f) ? "\"" + field_text(p, f, "") + "\"" : std::string("null");
  }
  out += ",\"updates\":" + std::to_string(p.update_count);
  out += ",\"exchange_ts_ns\":" + std::to_string(p.ts_exchange_ns);
  out += ",\"recv_ts_ns\":" + std::to_string(p.ts_recv_ns);
  out += ",\"publish_ts_ns\":" + std::to_string(p.ts_publish_ns);
  out += '}';
  return out;
}

std::string text_line(const std::string& venue, const shm::Position& p) {
  std::string out = venue + " " + p.instrument;
  for (std::size_t k = 0; k < shm::kPositionFields; ++k) {
    const auto f = static_cast<shm::PositionField>(k);
    out += std::string(" ") + shm::to_string(f) + " " + field_text(p, f, "-");
  }
  out += " exch=" + std::to_string(p.ts_exchange_ns) + " recv=" + std::to_string(p.ts_recv_ns);
  return out;
}

// Prints the selected positions of one venue. Returns how many were printed,
// or -exit_code when the venue cannot be read.
int print_venue(const PositionsArgs& a, const std::string& dir, const shm::InstanceReader& inst,
                const std::string& venue) {
  shm::VenueReader r;
  if (const int rc = open_venue(kCmd, dir, inst, venue, r); rc != kExitOk) return -rc;
  (void)r.refresh();
  int printed = 0;
  const std::uint32_t n = r.position_count();
  for (std::uint32_t slot = 0; slot < n; ++slot) {
    shm::Position p;
    const shm::ReadResult read = r.read_position(slot, p);
    if (read == shm::ReadResult::busy) {
      std::fprintf(stderr, "%s: %s position slot %u: writer too busy to read\n", kCmd,
                   venue.c_str(), slot);
      continue;
    }
    if (read != shm::ReadResult::ok || !wanted(a.instruments, p.instrument)) continue;
    const std::string line = a.json ? json_line(venue, p) : text_line(venue, p);
    std::printf("%s\n", line.c_str());
    ++printed;
  }
  return printed;
}

int run_positions(const PositionsArgs& a) {
  const std::string dir = a.target.resolved();
  int printed = 0;
  const int rc = visit_venues(
      kCmd, dir, a.venues,
      [&](const shm::InstanceReader& inst, const std::string& venue) {
        return print_venue(a, dir, inst, venue);
      },
      printed);
  if (rc == kExitOk && printed == 0 && !a.instruments.empty()) {
    std::fprintf(stderr, "%s: no position in the selected instruments\n", kCmd);
    return kExitNoMatch;
  }
  return rc;
}

}  // namespace

void setup_positions(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<PositionsArgs>();
  CLI::App* s = app.add_subcommand(
      "positions", "Print the account positions of a wirebookd instance, one line each");
  s->add_flag("--json", args->json,
              "One JSON object per position per line: exact decimal strings, null for a field "
              "the venue did not send");
  add_target_options(*s, args->target);
  s->add_option("--venue", args->venues, "Only this venue; repeatable");
  s->add_option("--instrument", args->instruments, "Only this instrument; repeatable");
  s->footer(kExitCodesHelp);
  s->callback([args, &exit_code] {
    try {
      exit_code = run_positions(*args);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", kCmd, e.what());
      exit_code = kExitIo;
    }
  });
}

}  // namespace wirebook::cli
