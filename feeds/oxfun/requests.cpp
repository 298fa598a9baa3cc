#include "feeds/oxfun/requests.hpp"

#include <algorithm>

#include "feeds/common/hmac.hpp"

namespace wirebook::feeds::oxfun {

std::string login_signature(std::string_view secret, std::string_view timestamp_ms) {
  std::string message(timestamp_ms);
  message += "GET/auth/self/verify";
  return hmac_sha256_base64(secret, message);
}

std::string login_frame(std::string_view tag, std::string_view api_key, std::string_view secret,
                        std::string_view timestamp_ms) {
  // Keys, tags and signatures are plain ASCII (config checks the key's
  // characters), so no escaping is needed.
  std::string f = R"({"op":"login","tag":")";
  f.append(tag).append(R"(","data":{"apiKey":")").append(api_key);
  f.append(R"(","timestamp":")").append(timestamp_ms);
  f.append(R"(","signature":")").append(login_signature(secret, timestamp_ms)).append(R"("}})");
  return f;
}

std::string args_frame(std::string_view op, std::string_view tag,
                       std::span<const std::string> args) {
  std::string f = R"({"op":")";
  f.append(op).append(R"(","tag":")").append(tag).append(R"(","args":[)");
  for (std::size_t k = 0; k < args.size(); ++k) {
    if (k != 0) f += ',';
    f.append("\"").append(args[k]).append("\"");
  }
  f += "]}";
  return f;
}

void RequestPacer::drain(Outbox& out, std::int64_t now_mono_ns) {
  if (queue_.empty() || (sent_any_ && now_mono_ns - last_sent_ns_ < interval_ns_)) return;
  out.send_text(queue_.front());
  queue_.pop_front();
  last_sent_ns_ = now_mono_ns;
  sent_any_ = true;
  ++sent_;
}

std::string SubscribeLedger::open(std::vector<SubscribeArg> args) {
  Pending p;
  p.tag = "s" + std::to_string(next_tag_++);
  p.acked.assign(args.size(), false);
  p.args = std::move(args);
  frames_.push_back(std::move(p));
  return frames_.back().tag;
}

void SubscribeLedger::acked(std::string_view channel, std::vector<Refusal>& out) {
  for (Pending& p : frames_) {
    for (std::size_t k = 0; k < p.args.size(); ++k) {
      if (p.acked[k] || p.args[k].channel != channel) continue;
      p.acked[k] = true;
      ++p.answered;
      resolve(p, out);
      drop_answered();
      return;
    }
  }
}

bool SubscribeLedger::refused(std::string_view tag, std::string_view channel, std::string_view code,
                              std::string_view message, std::vector<Refusal>& out) {
  const auto it =
      std::find_if(frames_.begin(), frames_.end(), [&](const Pending& p) { return p.tag == tag; });
  if (it == frames_.end()) return false;
  Pending& p = *it;
  ++p.answered;
  for (std::size_t k = 0; !channel.empty() && k < p.args.size(); ++k) {
    // The venue named the channel: no pairing needed.
    if (p.acked[k] || p.args[k].channel != channel) continue;
    p.acked[k] = true;
    out.push_back(Refusal{p.args[k], std::string(code), std::string(message)});
    drop_answered();
    return true;
  }
  // Built in place: GCC 12 at -O3 sees a moved-from temporary's empty
  // SubscribeArg as maybe-uninitialized (a false positive, -Werror).
  Refusal& r = p.refusals.emplace_back();
  r.code = code;
  r.message = message;
  resolve(p, out);
  drop_answered();
  return true;
}

void SubscribeLedger::resolve(Pending& p, std::vector<Refusal>& out) {
  if (p.answered < p.args.size() || p.refusals.empty()) return;
  // Every arg answered: the ones without a success ack are the refused ones,
  // paired in order with the refusals (the venue answers args in order).
  std::size_t r = 0;
  for (std::size_t k = 0; k < p.args.size() && r < p.refusals.size(); ++k) {
    if (p.acked[k]) continue;
    p.acked[k] = true;
    Refusal& x = p.refusals[r++];
    x.arg = p.args[k];
    out.push_back(std::move(x));
  }
  p.refusals.clear();
}

void SubscribeLedger::drop_answered() {
  std::erase_if(frames_,
                [](const Pending& p) { return p.answered >= p.args.size() && p.refusals.empty(); });
}

void SubscribeLedger::flush(std::vector<Refusal>& out) {
  for (Pending& p : frames_) {
    for (Refusal& x : p.refusals) {
      x.arg = SubscribeArg{"frame " + p.tag, -1};
      out.push_back(std::move(x));
    }
  }
  frames_.clear();
}

}  // namespace wirebook::feeds::oxfun
