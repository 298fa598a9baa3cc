// `wirebook consolidated`: the consolidated BBO of a running (or stopped)
// wirebookd instance (DESIGN.md §9a): per [[consolidated]] name, the best bid
// and ask across its trusted members (LIVE, daemon and venue thread alive) and
// every member's own line. Exact decimals; --json prints one object per name.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <wirebook/consolidated_reader.hpp>

#include "tools/wirebook/reader_common.hpp"

namespace wirebook::cli {

namespace {

constexpr const char* kCmd = "wirebook consolidated";

struct ConsolidatedArgs {
  bool json = false;
  Target target;
  std::vector<std::string> names;
};

struct Member {
  std::string venue;
  std::string symbol;
};

std::string side_json(const shm::MemberTop& t, const shm::Level& l, std::uint16_t count) {
  if (count == 0) return "null";
  return "[\"" + decimal(l.px, t.px_exp) + "\",\"" + decimal(l.qty, t.qty_exp) + "\"]";
}

std::string best_json(const shm::ConsolidatedBbo& b, std::uint32_t k, bool bid,
                      const std::vector<Member>& members) {
  if (k == shm::ConsolidatedBbo::kNone) return "null";
  const shm::MemberTop& t = b.member[k];
  std::string out = "{\"venue\":";
  json_string(out, members[k].venue);
  out += ",\"symbol\":";
  json_string(out, members[k].symbol);
  const shm::Level& l = bid ? t.bid : t.ask;
  out +=
      ",\"px\":\"" + decimal(l.px, t.px_exp) + "\",\"qty\":\"" + decimal(l.qty, t.qty_exp) + "\"}";
  return out;
}

std::string json_line(const std::string& name, const shm::ConsolidatedBbo& b,
                      const std::vector<Member>& members) {
  std::string out = "{\"name\":";
  json_string(out, name);
  out += ",\"best_bid\":" + best_json(b, b.best_bid, true, members);
  out += ",\"best_ask\":" + best_json(b, b.best_ask, false, members);
  out += ",\"members\":[";
  for (std::uint32_t k = 0; k < b.members; ++k) {
    const shm::MemberTop& t = b.member[k];
    out += k == 0 ? "{\"venue\":" : ",{\"venue\":";
    json_string(out, members[k].venue);
    out += ",\"symbol\":";
    json_string(out, members[k].symbol);
    out += std::string(",\"status\":\"") + shm::to_string(t.status) + "\"";
    out += std::string(",\"trusted\":") + (t.trusted() ? "true" : "false");
    out += ",\"bid\":" + side_json(t, t.bid, t.bid_count);
    out += ",\"ask\":" + side_json(t, t.ask, t.ask_count);
    out += ",\"updates\":" + std::to_string(t.update_count);
    out += ",\"exchange_ts_ns\":" + std::to_string(t.ts_exchange_ns);
    out += ",\"recv_ts_ns\":" + std::to_string(t.ts_recv_ns) + "}";
  }
  out += "]}";
  return out;
}

std::string side_text(const shm::MemberTop& t, const shm::Level& l, std::uint16_t count) {
  return count == 0 ? std::string("-")
                    : decimal(l.qty, t.qty_exp) + " @ " + decimal(l.px, t.px_exp);
}

std::string text_lines(const std::string& name, const shm::ConsolidatedBbo& b,
                       const std::vector<Member>& members) {
  auto best = [&](std::uint32_t k, bool bid) {
    if (k == shm::ConsolidatedBbo::kNone) return std::string("-");
    const shm::MemberTop& t = b.member[k];
    return side_text(t, bid ? t.bid : t.ask, 1) + " (" + members[k].venue + ")";
  };
  std::string out = name + "  bid " + best(b.best_bid, true) + "  ask " + best(b.best_ask, false);
  for (std::uint32_t k = 0; k < b.members; ++k) {
    const shm::MemberTop& t = b.member[k];
    out += "\n  " + members[k].venue + ":" + members[k].symbol + " " + shm::to_string(t.status) +
           (t.trusted() ? "" : " (not trusted)") + "  bid " + side_text(t, t.bid, t.bid_count) +
           "  ask " + side_text(t, t.ask, t.ask_count);
  }
  return out;
}

int run_consolidated(const ConsolidatedArgs& a) {
  const std::string dir = a.target.resolved();
  shm::ConsolidatedReader r;
  if (const int rc = open_consolidated(kCmd, dir, r); rc != kExitOk) return rc;
  int printed = 0;
  for (std::uint32_t n = 0; n < r.name_count(); ++n) {
    const std::string name = r.name(n);
    if (!wanted(a.names, name)) continue;
    std::vector<Member> members;
    for (std::uint32_t k = 0; k < r.member_count(n); ++k)
      members.push_back({r.member_venue(n, k), r.member_symbol(n, k)});
    shm::ConsolidatedBbo b;
    if (r.read(n, b) != shm::ReadResult::ok) {
      std::fprintf(stderr, "%s: %s: writers too busy to read\n", kCmd, name.c_str());
      return kExitIo;
    }
    const std::string text = a.json ? json_line(name, b, members) : text_lines(name, b, members);
    std::printf("%s\n", text.c_str());
    ++printed;
  }
  if (printed == 0 && !a.names.empty()) {
    std::fprintf(stderr, "%s: no such consolidated name\n", kCmd);
    return kExitNoMatch;
  }
  return kExitOk;
}

}  // namespace

void setup_consolidated(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ConsolidatedArgs>();
  CLI::App* s = app.add_subcommand(
      "consolidated",
      "Print the consolidated BBO of a wirebookd instance: per [[consolidated]] name, the best "
      "bid and ask across its trusted members, and every member's line");
  s->add_flag("--json", args->json,
              "One JSON object per name per line: exact decimal strings; best_bid/best_ask null "
              "when no trusted member has that side");
  add_target_options(*s, args->target);
  s->add_option("--name", args->names, "Only this consolidated name; repeatable");
  s->footer(kExitCodesHelp);
  s->callback([args, &exit_code] {
    try {
      exit_code = run_consolidated(*args);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", kCmd, e.what());
      exit_code = kExitIo;
    }
  });
}

}  // namespace wirebook::cli
