// `wirebook dump`: the books of a running (or stopped) wirebookd instance,
// read from shared memory. --json prints DESIGN.md §7's line format, one JSON
// object per book; without it, a readable table. A book with reference data
// (mark, index, funding, open interest; DESIGN §9a) shows it too.
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <wirebook/reader.hpp>

#include "tools/wirebook/reader_common.hpp"

namespace wirebook::cli {

namespace {

struct DumpArgs {
  bool json = false;
  Target target;
  std::vector<std::string> venues;
  std::vector<std::string> symbols;
  std::uint32_t depth = 0;  // 0: the segment's depth
};

struct Book {
  std::string venue;
  std::string symbol;
  shm::ReadResult read = shm::ReadResult::empty;
  shm::BookView view;
  std::vector<shm::Level> bids;
  std::vector<shm::Level> asks;
  shm::Reference reference;  // known == 0: none published
};

void json_levels(std::string& out, const std::vector<shm::Level>& levels, std::uint32_t n,
                 const shm::Bbo& top) {
  out += '[';
  for (std::uint32_t k = 0; k < n; ++k) {
    if (k > 0) out += ',';
    out += "[\"" + decimal(levels[k].px, top.px_exp) + "\",\"" +
           decimal(levels[k].qty, top.qty_exp) + "\"]";
  }
  out += ']';
}

std::string json_line(const Book& b) {
  const shm::Bbo& t = b.view.top;
  std::string out = "{\"venue\":";
  json_string(out, b.venue);
  out += ",\"symbol\":";
  json_string(out, b.symbol);
  out += ",\"status\":\"";
  out += shm::to_string(t.status);
  out += "\",\"flags\":[";
  const auto flags = flag_names(t.flags);
  for (std::size_t k = 0; k < flags.size(); ++k) {
    if (k > 0) out += ',';
    json_string(out, flags[k]);
  }
  out += "],\"version\":" + std::to_string(t.version);
  out += ",\"updates\":" + std::to_string(b.view.update_count);
  out += ",\"exchange_ts_ns\":" + std::to_string(t.ts_exchange_ns);
  out += ",\"recv_ts_ns\":" + std::to_string(b.view.ts_recv_ns);
  out += ",\"publish_ts_ns\":" + std::to_string(b.view.ts_publish_ns);
  out += ",\"bids\":";
  json_levels(out, b.bids, b.view.bids, t);
  out += ",\"asks\":";
  json_levels(out, b.asks, b.view.asks, t);
  if (b.reference.known != 0) out += ",\"reference\":" + reference_json(b.reference);
  out += '}';
  return out;
}

void print_table(const Book& b) {
  const shm::Bbo& t = b.view.top;
  std::string flags;
  if ((t.flags & shm::kFlagCrossed) != 0) flags += " CROSSED";
  if ((t.flags & shm::kFlagTruncated) != 0) flags += " TRUNCATED";
  std::printf("%s %s  %s%s  version %llu  updates %llu\n", b.venue.c_str(), b.symbol.c_str(),
              shm::to_string(t.status), flags.c_str(), static_cast<unsigned long long>(t.version),
              static_cast<unsigned long long>(b.view.update_count));
  if (b.reference.known != 0) std::printf("  %s\n", reference_text(b.reference).c_str());
  if (b.read != shm::ReadResult::ok) {
    std::printf("  (%s)\n", b.read == shm::ReadResult::empty ? "not published yet" : "busy");
    return;
  }
  std::printf("  %18s %18s | %-18s %-18s\n", "bid qty", "bid", "ask", "ask qty");
  const std::uint32_t rows = b.view.bids > b.view.asks ? b.view.bids : b.view.asks;
  for (std::uint32_t k = 0; k < rows; ++k) {
    const bool bid = k < b.view.bids;
    const bool ask = k < b.view.asks;
    std::printf("  %18s %18s | %-18s %-18s\n", bid ? decimal(b.bids[k].qty, t.qty_exp).c_str() : "",
                bid ? decimal(b.bids[k].px, t.px_exp).c_str() : "",
                ask ? decimal(b.asks[k].px, t.px_exp).c_str() : "",
                ask ? decimal(b.asks[k].qty, t.qty_exp).c_str() : "");
  }
}

// Reads every selected book of one venue; prints as it goes. Returns the
// number of books printed, or -exit_code when the venue cannot be read.
int dump_venue(const DumpArgs& a, const std::string& dir, const shm::InstanceReader& inst,
               const std::string& venue) {
  shm::VenueReader r;
  if (const int rc = open_venue("wirebook dump", dir, inst, venue, r); rc != kExitOk) return -rc;
  const shm::Liveness live = r.refresh();
  if (!a.json) std::printf("== %s (writer %s)\n", venue.c_str(), shm::to_string(live));
  const std::uint32_t depth = a.depth == 0 || a.depth > r.depth() ? r.depth() : a.depth;
  int printed = 0;
  for (std::uint32_t i = 0; i < r.instrument_count(); ++i) {
    if (!wanted(a.symbols, r.symbol(i))) continue;
    Book b;
    b.venue = venue;
    b.symbol = r.symbol(i);
    b.bids.resize(depth);
    b.asks.resize(depth);
    b.read = r.read_book(i, b.view, b.bids.data(), b.asks.data(), depth);
    if (b.read != shm::ReadResult::ok) b.view = shm::BookView{};
    if (r.read_reference(i, b.reference) != shm::ReadResult::ok) b.reference = shm::Reference{};
    if (a.json) {
      std::printf("%s\n", json_line(b).c_str());
    } else {
      print_table(b);
    }
    ++printed;
  }
  return printed;
}

int run_dump(const DumpArgs& a) {
  const std::string dir = a.target.resolved();
  int books = 0;
  const int rc = visit_venues(
      "wirebook dump", dir, a.venues,
      [&](const shm::InstanceReader& inst, const std::string& venue) {
        return dump_venue(a, dir, inst, venue);
      },
      books);
  if (rc == kExitOk && books == 0 && !a.symbols.empty()) {
    std::fprintf(stderr, "wirebook dump: no matching symbol in the selected venues\n");
    return kExitNoMatch;
  }
  return rc;
}

}  // namespace

void setup_dump(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<DumpArgs>();
  CLI::App* s = app.add_subcommand("dump", "Print the books of a wirebookd instance");
  s->add_flag("--json", args->json,
              "One JSON object per book per line (DESIGN.md section 7): exact decimal strings, "
              "bids and asks best first");
  add_target_options(*s, args->target);
  s->add_option("--venue", args->venues, "Only this venue; repeatable");
  s->add_option("--symbol", args->symbols, "Only this symbol; repeatable");
  s->add_option("--depth", args->depth, "Levels per side (0 = all the segment holds)")
      ->capture_default_str();
  s->footer(kExitCodesHelp);
  s->callback([args, &exit_code] {
    try {
      exit_code = run_dump(*args);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "wirebook dump: %s\n", e.what());
      exit_code = kExitIo;
    }
  });
}

}  // namespace wirebook::cli
