// `wirebook tail`: the venues' event rings as text or JSON lines, from now or
// from a given sequence. Laps (the writer overwrote events before we read
// them) and generation resets are reported in the stream, in order, with the
// exact number of events skipped.
#include <time.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <wirebook/reader.hpp>

#include "tools/wirebook/reader_common.hpp"

namespace wirebook::cli {

namespace {

struct TailArgs {
  Target target;
  std::vector<std::string> venues;
  std::vector<std::string> symbols;
  std::uint64_t from = 0;
  CLI::Option* from_opt = nullptr;  // set: --from was given
  std::uint64_t count = 0;          // 0: unlimited
  bool json = false;
  bool no_follow = false;
};

struct Tailed {
  std::string name;
  shm::VenueReader reader;
  shm::RingCursor cursor;
};

struct Totals {
  std::uint64_t events = 0;
  std::uint64_t laps = 0;
  std::uint64_t lost = 0;
  std::uint64_t resets = 0;
};

const char* type_name(shm::EventType t) {
  switch (t) {
    case shm::EventType::none:
      return "none";
    case shm::EventType::level:
      return "level";
    case shm::EventType::trade:
      return "trade";
    case shm::EventType::bbo:
      return "bbo";
    case shm::EventType::status:
      return "status";
    case shm::EventType::gap:
      return "gap";
    case shm::EventType::reset:
      return "reset";
    case shm::EventType::snapshot_begin:
      return "snapshot_begin";
    case shm::EventType::snapshot_end:
      return "snapshot_end";
    case shm::EventType::heartbeat:
      return "heartbeat";
    case shm::EventType::position:
      return "position";
    case shm::EventType::reference:
      return "reference";
  }
  return "unknown";
}

const char* side_name(std::uint8_t side) {
  return side == 0 ? "bid" : "ask";
}

const char* status_name(std::int64_t s) {
  return s >= 0 && s <= static_cast<std::int64_t>(shm::Status::disconnected)
             ? shm::to_string(static_cast<shm::Status>(s))
             : "unknown";
}

bool has_instrument(shm::EventType t) {
  return t != shm::EventType::heartbeat && t != shm::EventType::none;
}

// A POSITION event's instrument is a position slot, named in the slot itself.
std::string event_symbol(const shm::VenueReader& r, const shm::Event& e) {
  if (!has_instrument(e.type)) return "";
  if (e.type != shm::EventType::position) return r.symbol(e.instrument);
  shm::Position p;
  return r.read_position(e.instrument, p) == shm::ReadResult::ok ? p.instrument : "";
}

// A REFERENCE event carries the slot's known bits in aux1.
bool reference_known(const shm::Event& e, shm::ReferenceField f) {
  return (static_cast<std::uint64_t>(e.aux1) & shm::Reference::bit(f)) != 0;
}

// Type-specific fields as JSON members (each with a leading comma).
std::string json_fields(const shm::Event& e) {
  const auto px = [&](std::int64_t v) { return "\"" + decimal(v, e.px_exp) + "\""; };
  const auto qty = [&](std::int64_t v) { return "\"" + decimal(v, e.qty_exp) + "\""; };
  switch (e.type) {
    case shm::EventType::level:
      return std::string(",\"side\":\"") + side_name(e.side) + "\",\"px\":" + px(e.px) +
             ",\"qty\":" + qty(e.qty);
    case shm::EventType::trade:
      return std::string(",\"side\":\"") + side_name(e.side) + "\",\"px\":" + px(e.px) +
             ",\"qty\":" + qty(e.qty) + ",\"trade_id\":" + std::to_string(e.aux0);
    case shm::EventType::bbo:
      return ",\"bid_px\":" + px(e.px) + ",\"bid_qty\":" + qty(e.qty) +
             ",\"ask_px\":" + px(e.aux0) + ",\"ask_qty\":" + qty(e.aux1);
    case shm::EventType::status: {
      std::string o = std::string(",\"status\":\"") + status_name(e.aux0) + "\",\"flags\":[";
      const auto f = flag_names(static_cast<std::uint8_t>(e.aux1));
      for (std::size_t k = 0; k < f.size(); ++k)
        o += (k > 0 ? ",\"" : "\"") + std::string(f[k]) + "\"";
      return o + "]";
    }
    case shm::EventType::gap:
      return ",\"expected\":" + std::to_string(e.aux0) + ",\"received\":" + std::to_string(e.aux1);
    case shm::EventType::snapshot_begin:
    case shm::EventType::snapshot_end:
      return ",\"version\":" + std::to_string(e.aux0);
    case shm::EventType::position:
      return ",\"quantity\":" + qty(e.qty) + ",\"entry_price\":" + px(e.px) +
             ",\"updates\":" + std::to_string(e.aux0);
    case shm::EventType::reference: {
      std::string o;
      if (reference_known(e, shm::ReferenceField::mark_price)) o += ",\"mark_price\":" + px(e.px);
      if (reference_known(e, shm::ReferenceField::index_price))
        o += ",\"index_price\":" + qty(e.qty);
      return o + ",\"updates\":" + std::to_string(e.aux0);
    }
    default:
      return "";
  }
}

std::string text_fields(const shm::Event& e) {
  const auto px = [&](std::int64_t v) { return decimal(v, e.px_exp); };
  const auto qty = [&](std::int64_t v) { return decimal(v, e.qty_exp); };
  switch (e.type) {
    case shm::EventType::level:
      return std::string(" ") + side_name(e.side) + " " + px(e.px) + " x " + qty(e.qty);
    case shm::EventType::trade:
      return std::string(" ") + side_name(e.side) + " " + px(e.px) + " x " + qty(e.qty) +
             " trade_id=" + std::to_string(e.aux0);
    case shm::EventType::bbo:
      return " bid " + px(e.px) + " x " + qty(e.qty) + " ask " + px(e.aux0) + " x " + qty(e.aux1);
    case shm::EventType::status: {
      std::string o = std::string(" ") + status_name(e.aux0);
      for (const char* f : flag_names(static_cast<std::uint8_t>(e.aux1))) o += std::string(" ") + f;
      return o;
    }
    case shm::EventType::gap:
      return " expected=" + std::to_string(e.aux0) + " received=" + std::to_string(e.aux1);
    case shm::EventType::snapshot_begin:
    case shm::EventType::snapshot_end:
      return " version=" + std::to_string(e.aux0);
    case shm::EventType::position:
      return " quantity " + qty(e.qty) + " entry_price " + px(e.px) +
             " updates=" + std::to_string(e.aux0);
    case shm::EventType::reference: {
      std::string o;
      if (reference_known(e, shm::ReferenceField::mark_price)) o += " mark " + px(e.px);
      if (reference_known(e, shm::ReferenceField::index_price)) o += " index " + qty(e.qty);
      return o + " updates=" + std::to_string(e.aux0);
    }
    default:
      return "";
  }
}

void print_event(const TailArgs& a, const Tailed& t, const shm::Event& e) {
  const std::string symbol = event_symbol(t.reader, e);
  const char* sym = symbol.c_str();
  if (a.json) {
    std::string o = "{\"venue\":";
    json_string(o, t.name);
    o += ",\"seq\":" + std::to_string(e.seq) + ",\"type\":\"" + type_name(e.type) + "\"";
    if (has_instrument(e.type)) {
      o += ",\"instrument\":" + std::to_string(e.instrument) + ",\"symbol\":";
      json_string(o, sym);
    }
    o += json_fields(e);
    o += ",\"exchange_ts_ns\":" + std::to_string(e.ts_exchange_ns);
    o += ",\"recv_ts_ns\":" + std::to_string(e.ts_recv_ns) + "}\n";
    std::fputs(o.c_str(), stdout);
  } else {
    std::printf("%s %llu %s%s%s%s exch=%lld recv=%lld\n", t.name.c_str(),
                static_cast<unsigned long long>(e.seq), type_name(e.type), *sym != 0 ? " " : "",
                sym, text_fields(e).c_str(), static_cast<long long>(e.ts_exchange_ns),
                static_cast<long long>(e.ts_recv_ns));
  }
}

void print_lap(const TailArgs& a, const Tailed& t, std::uint64_t lost) {
  if (a.json) {
    std::string o = "{\"venue\":";
    json_string(o, t.name);
    o += ",\"lapped\":true,\"lost\":" + std::to_string(lost) +
         ",\"next_seq\":" + std::to_string(t.cursor.next) + "}\n";
    std::fputs(o.c_str(), stdout);
  } else {
    std::printf("# %s lapped: lost %llu events, resuming at seq %llu\n", t.name.c_str(),
                static_cast<unsigned long long>(lost),
                static_cast<unsigned long long>(t.cursor.next));
  }
}

void print_reset(const TailArgs& a, const Tailed& t) {
  if (a.json) {
    std::string o = "{\"venue\":";
    json_string(o, t.name);
    o += ",\"reset\":true,\"generation\":\"" + hex64(t.reader.generation()) +
         "\",\"next_seq\":" + std::to_string(t.cursor.next) + "}\n";
    std::fputs(o.c_str(), stdout);
  } else {
    std::printf("# %s reset: writer restarted (generation %s), resuming at seq %llu\n",
                t.name.c_str(), hex64(t.reader.generation()).c_str(),
                static_cast<unsigned long long>(t.cursor.next));
  }
}

// Drains up to `budget` ring records of one venue. Returns how many records
// (events, laps, resets) it consumed.
std::uint64_t drain(const TailArgs& a, Tailed& t, Totals& totals, std::uint64_t budget) {
  std::uint64_t consumed = 0;
  while (consumed < budget && (a.count == 0 || totals.events < a.count)) {
    shm::Event e;
    std::uint64_t lost = 0;
    const shm::PollResult r = t.reader.poll(t.cursor, e, lost);
    if (r == shm::PollResult::nothing) break;
    ++consumed;
    if (r == shm::PollResult::lapped) {
      ++totals.laps;
      totals.lost += lost;
      print_lap(a, t, lost);
    } else if (r == shm::PollResult::reset) {
      ++totals.resets;
      print_reset(a, t);
    } else if (!has_instrument(e.type) || wanted(a.symbols, t.reader.symbol(e.instrument))) {
      ++totals.events;
      print_event(a, t, e);
    }
  }
  return consumed;
}

void sleep_ms(int ms) {
  struct timespec ts {
    0, ms * 1'000'000L
  };
  ::nanosleep(&ts, nullptr);  // EINTR on a stop signal is fine: the loop checks the flag
}

int run_tail(const TailArgs& a) {
  const std::string dir = a.target.resolved();
  shm::InstanceReader inst;
  if (const int rc = open_instance("wirebook tail", dir, inst); rc != kExitOk) return rc;
  std::vector<std::string> names;
  if (const int rc = select_venues("wirebook tail", inst, a.venues, names); rc != kExitOk) {
    return rc;
  }
  const bool from = a.from_opt != nullptr && a.from_opt->count() > 0;
  if (from && names.size() != 1) {
    std::fprintf(stderr,
                 "wirebook tail: --from needs exactly one --venue (sequences are per venue)\n");
    return kExitNoMatch;
  }
  std::vector<Tailed> tailed(names.size());
  for (std::size_t k = 0; k < names.size(); ++k) {
    tailed[k].name = names[k];
    if (const int rc = open_venue("wirebook tail", dir, inst, names[k], tailed[k].reader);
        rc != kExitOk) {
      return rc;
    }
    tailed[k].cursor =
        from ? tailed[k].reader.cursor_from(a.from) : tailed[k].reader.cursor_at_head();
  }
  install_stop_signals();
  Totals totals;
  std::int64_t next_refresh = monotonic_ns();
  while (!stop_requested() && (a.count == 0 || totals.events < a.count)) {
    std::uint64_t consumed = 0;
    for (auto& t : tailed) consumed += drain(a, t, totals, 4096);
    if (consumed > 0) {
      std::fflush(stdout);
      continue;
    }
    if (a.no_follow) break;
    // Cold path: notice a restarted writer (its cursor then polls `reset`).
    if (monotonic_ns() >= next_refresh) {
      for (auto& t : tailed) t.reader.refresh();
      next_refresh = monotonic_ns() + 100'000'000;
    }
    sleep_ms(1);
  }
  std::fflush(stdout);
  std::fprintf(
      stderr, "wirebook tail: %llu events, %llu laps (%llu events lost), %llu resets\n",
      static_cast<unsigned long long>(totals.events), static_cast<unsigned long long>(totals.laps),
      static_cast<unsigned long long>(totals.lost), static_cast<unsigned long long>(totals.resets));
  return kExitOk;
}

constexpr const char* kTailFooter = R"(
Lines (text): <venue> <seq> <type> [symbol] <fields> exch=<ns> recv=<ns>
  '# <venue> lapped: lost N events, resuming at seq S' when the writer overwrote
  events before they were read (N is exact); '# <venue> reset: ...' when the
  writer restarted (new generation; the cursor restarts at its head).
JSON (--json), one object per line: {"venue","seq","type","instrument","symbol",
  type fields (side/px/qty, trade_id, bid_px/bid_qty/ask_px/ask_qty, status/flags,
  expected/received, version),"exchange_ts_ns","recv_ts_ns"}; laps are
  {"venue","lapped":true,"lost":N,"next_seq":S}, resets {"venue","reset":true,...}.
A summary (events, laps, lost, resets) goes to stderr at the end.)";

}  // namespace

void setup_tail(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<TailArgs>();
  CLI::App* s = app.add_subcommand(
      "tail", "Stream the event rings of a wirebookd instance (levels, trades, status, gaps...)");
  add_target_options(*s, args->target);
  s->add_option("--venue", args->venues, "Only this venue; repeatable (default: all)");
  s->add_option("--symbol", args->symbols, "Only events of this symbol; repeatable");
  args->from_opt =
      s->add_option("--from", args->from,
                    "Start at this sequence number (one venue) instead of the current head");
  s->add_option("--count", args->count, "Stop after this many events (0: no limit)")
      ->capture_default_str();
  s->add_flag("--no-follow", args->no_follow, "Exit once every event written so far is read");
  s->add_flag("--json", args->json, "One JSON object per line");
  s->footer(std::string(kTailFooter) + kExitCodesHelp);
  s->callback([args, &exit_code] {
    try {
      exit_code = run_tail(*args);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "wirebook tail: %s\n", e.what());
      exit_code = kExitIo;
    }
  });
}

}  // namespace wirebook::cli
