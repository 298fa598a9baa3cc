// The Server-Sent Events parser (see sse_parser.hpp).
#include "feeds/common/sse_parser.hpp"

#include <algorithm>
#include <cstring>

namespace wirebook::feeds {

namespace {

constexpr std::string_view kDefaultType = "message";

// The first CR or LF in [p, end), or end.
const char* find_line_end(const char* p, const char* end) noexcept {
  for (; p != end; ++p) {
    if (*p == '\n' || *p == '\r') return p;
  }
  return end;
}

}  // namespace

const char* to_string(SseStatus s) noexcept {
  switch (s) {
    case SseStatus::ok:
      return "ok";
    case SseStatus::stopped:
      return "stopped";
    case SseStatus::line_too_long:
      return "line too long";
    case SseStatus::event_too_big:
      return "event too big";
  }
  return "?";
}

SseParser::SseParser(SseLimits limits) : limits_(limits) {
  type_.reserve(32);
  last_id_.reserve(64);
  data_.resize(4096 + kSsePadding);
}

void SseParser::reset() noexcept {
  partial_.clear();
  data_len_ = 0;
  has_data_ = false;
  id_in_event_ = false;
  skip_lf_ = false;
  status_ = SseStatus::ok;
  type_.clear();
  last_id_.clear();
}

SseStatus SseParser::feed(const char* bytes, std::size_t n, SseSink& sink) noexcept {
  if (status_ != SseStatus::ok && status_ != SseStatus::stopped) return status_;
  status_ = SseStatus::ok;
  const char* p = bytes;
  const char* const end = bytes + n;
  if (skip_lf_ && p != end) {
    if (*p == '\n') ++p;
    skip_lf_ = false;
  }
  while (p != end) {
    const char* eol = find_line_end(p, end);
    if (eol == end) {
      // An unterminated line: keep it for the next chunk, within the bound.
      if (partial_.size() + static_cast<std::size_t>(end - p) > limits_.max_line_bytes) {
        status_ = SseStatus::line_too_long;
        return status_;
      }
      partial_.insert(partial_.end(), p, end);
      break;
    }
    bool go_on = false;
    if (partial_.empty()) {
      if (static_cast<std::size_t>(eol - p) > limits_.max_line_bytes) {
        status_ = SseStatus::line_too_long;
        return status_;
      }
      go_on = on_line(std::string_view(p, static_cast<std::size_t>(eol - p)), sink);
    } else {
      if (partial_.size() + static_cast<std::size_t>(eol - p) > limits_.max_line_bytes) {
        status_ = SseStatus::line_too_long;
        return status_;
      }
      partial_.insert(partial_.end(), p, eol);
      go_on = on_line(std::string_view(partial_.data(), partial_.size()), sink);
      partial_.clear();
    }
    // CRLF is one line end; a CR as the chunk's last byte may be followed by
    // the LF at the start of the next chunk.
    if (*eol == '\r') {
      if (eol + 1 == end) {
        skip_lf_ = true;
      } else if (eol[1] == '\n') {
        ++eol;
      }
    }
    p = eol + 1;
    if (!go_on) {
      // Bytes after the stopping line are dropped with the stream.
      if (status_ == SseStatus::ok) status_ = SseStatus::stopped;
      return status_;
    }
  }
  return status_;
}

bool SseParser::on_line(std::string_view line, SseSink& sink) noexcept {
  if (line.empty()) return dispatch(sink);
  if (line.front() == ':') {
    ++comments_;
    sink.on_comment(line.substr(1));
    return true;
  }
  const std::size_t colon = line.find(':');
  std::string_view name = line;
  std::string_view value;
  if (colon != std::string_view::npos) {
    name = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (name == "data") return append_data(value);
  on_field(name, value);
  return true;
}

void SseParser::on_field(std::string_view name, std::string_view value) noexcept {
  if (name == "event") {
    type_.assign(value);
  } else if (name == "id") {
    // The spec ignores an id containing NUL.
    if (value.find('\0') == std::string_view::npos) {
      last_id_.assign(value);
      id_in_event_ = true;
    }
  } else if (name == "retry") {
    if (value.empty() || value.size() > 15) return;
    std::int64_t ms = 0;
    for (const char c : value) {
      if (c < '0' || c > '9') return;
      ms = ms * 10 + (c - '0');
    }
    retry_ms_ = ms;
  }
}

bool SseParser::append_data(std::string_view value) noexcept {
  // Lines after the first are joined with LF.
  const std::size_t add = value.size() + (has_data_ ? 1 : 0);
  if (data_len_ + add > limits_.max_event_bytes) {
    status_ = SseStatus::event_too_big;
    return false;
  }
  if (data_len_ + add + kSsePadding > data_.size()) {
    data_.resize(std::max(data_.size() * 2, data_len_ + add + kSsePadding));
  }
  if (has_data_) data_[data_len_++] = '\n';
  if (!value.empty()) std::memcpy(data_.data() + data_len_, value.data(), value.size());
  data_len_ += value.size();
  has_data_ = true;
  return true;
}

bool SseParser::dispatch(SseSink& sink) noexcept {
  if (!has_data_) {
    type_.clear();
    id_in_event_ = false;
    return true;
  }
  // The padding after the data is zeroed so a reader never sees stale bytes.
  std::memset(data_.data() + data_len_, 0, kSsePadding);
  SseEvent e;
  e.type = type_.empty() ? kDefaultType : std::string_view(type_);
  e.id = last_id_;
  e.id_in_event = id_in_event_;
  e.data = data_.data();
  e.len = data_len_;
  e.capacity = data_.size();
  ++events_;
  const bool go_on = sink.on_event(e);
  data_len_ = 0;
  has_data_ = false;
  id_in_event_ = false;
  type_.clear();
  return go_on;
}

}  // namespace wirebook::feeds
