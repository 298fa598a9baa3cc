#pragma once
// OX.FUN requests (PROTOCOLS.md §4.1, §4.2): the frames, their pacing, and
// which subscription a refusal was about.
//
// * Frames: `{"op":"subscribe"|"unsubscribe","tag":T,"args":[...]}` with many
//   args per frame, and `{"op":"login","tag":T,"data":{apiKey,timestamp,signature}}`.
// * Pacing: "Websocket API (No Auth) 1 per second" (§4.3, rate limits): every
//   request leaves through RequestPacer, at most one per interval.
// * Refusals: `{"event":"subscribe","success":false,"tag":T,"code":..,"message":..}`
//   names no channel, only the frame's tag, and a frame carries many args; the
//   acks of the others do name their channel. SubscribeLedger pairs them: once
//   every arg of a frame is answered, the args without a success ack are the
//   refused ones.
//
// Cold path (connect, resync, acks): these allocate. Threading: the venue
// thread only.
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/common/outbox.hpp"

namespace wirebook::feeds::oxfun {

// Base64(HMAC-SHA256(secret, timestamp + "GET/auth/self/verify")) (§4.2).
[[nodiscard]] std::string login_signature(std::string_view secret, std::string_view timestamp_ms);

// The login frame; `timestamp_ms` is the current time in ms as decimal text.
[[nodiscard]] std::string login_frame(std::string_view tag, std::string_view api_key,
                                      std::string_view secret, std::string_view timestamp_ms);

// `{"op":<op>,"tag":"<tag>","args":["a","b",...]}`.
[[nodiscard]] std::string args_frame(std::string_view op, std::string_view tag,
                                     std::span<const std::string> args);

// At most one request per interval; the first goes at once.
class RequestPacer {
 public:
  explicit RequestPacer(std::int64_t interval_ns) : interval_ns_(interval_ns) {}
  void push(std::string frame) { queue_.push_back(std::move(frame)); }
  void clear() noexcept { queue_.clear(); }
  // Sends the next frame when one is queued and the interval has passed.
  // Throws what the outbox throws (the frame stays queued).
  void drain(Outbox& out, std::int64_t now_mono_ns);
  [[nodiscard]] bool empty() const noexcept { return queue_.empty(); }
  [[nodiscard]] std::uint64_t sent() const noexcept { return sent_; }

 private:
  std::int64_t interval_ns_;
  std::int64_t last_sent_ns_ = 0;
  bool sent_any_ = false;
  std::uint64_t sent_ = 0;
  std::deque<std::string> queue_;
};

// One subscription argument: a channel of one instrument (`instrument` -1:
// not an instrument's channel, e.g. position:all).
struct SubscribeArg {
  std::string channel;
  int instrument = -1;
};

// A refused subscription, resolved to its channel, with the venue's words.
struct Refusal {
  SubscribeArg arg;
  std::string code;
  std::string message;
};

class SubscribeLedger {
 public:
  // Records a subscribe frame's args; returns its tag ("s1", "s2", ...).
  std::string open(std::vector<SubscribeArg> args);
  // A success ack for `channel`; refusals it resolves are appended to `out`.
  void acked(std::string_view channel, std::vector<Refusal>& out);
  // A refusal of frame `tag` (with `channel` when the venue named it);
  // resolved refusals are appended to `out`. False when the tag is not ours.
  bool refused(std::string_view tag, std::string_view channel, std::string_view code,
               std::string_view message, std::vector<Refusal>& out);
  // Refusals not resolved yet (connection lost): their frames' tags instead
  // of the channels; the ledger is emptied.
  void flush(std::vector<Refusal>& out);

 private:
  struct Pending {
    std::string tag;
    std::vector<SubscribeArg> args;
    std::vector<bool> acked;
    std::vector<Refusal> refusals;  // not yet paired with an arg
    std::size_t answered = 0;
  };
  void resolve(Pending& p, std::vector<Refusal>& out);
  void drop_answered();

  std::vector<Pending> frames_;
  std::uint64_t next_tag_ = 1;
};

}  // namespace wirebook::feeds::oxfun
