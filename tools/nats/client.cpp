// libnats wrapper. Every libnats object is owned by exactly one RAII holder;
// every call's natsStatus is checked and turned into a value.
#include "tools/nats/client.hpp"

#include <nats/nats.h>
#include <time.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

namespace wirebook::nats {

namespace {

struct MsgHolder {
  natsMsg* msg = nullptr;
  ~MsgHolder() { natsMsg_Destroy(msg); }
};

std::string trim_secret(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// A secret by reference: the named environment variable or the file. Only
// the reference ever appears in an error text.
bool read_secret(const std::string& env, const std::string& file, std::string& out,
                 std::string& error) {
  if (!env.empty()) {
    const char* v = std::getenv(env.c_str());
    if (v == nullptr || *v == '\0') {
      error = "environment variable " + env + " is not set";
      return false;
    }
    out = v;
    return true;
  }
  std::ifstream in(file);
  std::stringstream ss;
  if (!in || !(ss << in.rdbuf())) {
    error = "cannot read secret file " + file;
    return false;
  }
  out = trim_secret(ss.str());
  return true;
}

// Exponential backoff with full jitter in its upper half, so a fleet of
// bridges and mirrors does not reconnect in lock step after a server restart.
std::int64_t backoff_ms(const ConnectOptions& o, int attempts) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  std::int64_t base = o.reconnect_min_ms;
  for (int k = 1; k < attempts && base < o.reconnect_max_ms; ++k) base *= 2;
  if (base > o.reconnect_max_ms) base = o.reconnect_max_ms;
  const std::int64_t half = base / 2 > 0 ? base / 2 : 1;
  return half + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(half + 1));
}

std::int64_t monotonic_ms() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1'000'000LL;
}

}  // namespace

std::string describe_status(int status, int js_error) {
  std::string s = "nats: ";
  s += natsStatus_GetText(static_cast<natsStatus>(status));
  if (js_error != 0) s += " (JetStream error " + std::to_string(js_error) + ")";
  natsStatus last = NATS_OK;
  const char* detail = nats_GetLastError(&last);
  if (detail != nullptr && *detail != '\0') s += ": " + std::string(detail);
  return s;
}

// What libnats callbacks may touch. libnats can run a callback on one of its
// threads after natsConnection_Destroy() has returned (a close notifies
// asynchronously), so nothing a callback reaches may live inside the Client:
// the reconnect delay gets its bounds packed into the closure pointer itself,
// and the ack handler a CallbackState that lives until the process ends (one
// per client that publishes; a few bytes per process).
struct CallbackState {
  AckFn on_ack;
};

namespace {
// Every CallbackState ever made, reachable from a global so that leak
// checkers count them as live (they are, for as long as libnats may call).
CallbackState* keep_callback_state(AckFn on_ack) {
  static std::mutex mutex;
  static auto* states = new std::vector<std::unique_ptr<CallbackState>>();
  const std::lock_guard<std::mutex> lock(mutex);
  states->push_back(std::make_unique<CallbackState>(CallbackState{std::move(on_ack)}));
  return states->back().get();
}

void* pack_backoff(const ConnectOptions& o) {
  const auto clamp = [](std::int64_t v) {
    return static_cast<std::uint64_t>(v < 1 ? 1 : (v > 0x7FFFFFFF ? 0x7FFFFFFF : v));
  };
  return reinterpret_cast<void*>(  // NOLINT(performance-no-int-to-ptr)
      static_cast<std::uintptr_t>(clamp(o.reconnect_min_ms) << 32U | clamp(o.reconnect_max_ms)));
}

int64_t reconnect_delay(natsConnection* /*nc*/, int attempts, void* closure) {
  const auto packed = reinterpret_cast<std::uintptr_t>(closure);
  ConnectOptions o;
  o.reconnect_min_ms = static_cast<std::int64_t>(packed >> 32U);
  o.reconnect_max_ms = static_cast<std::int64_t>(packed & 0xFFFFFFFFU);
  return backoff_ms(o, attempts);
}

void on_pub_ack(jsCtx* /*js*/, natsMsg* msg, jsPubAck* pa, jsPubAckErr* /*pae*/, void* closure) {
  const auto* state = static_cast<const CallbackState*>(closure);
  const char* subject = natsMsg_GetSubject(msg);
  state->on_ack(subject != nullptr ? subject : "", pa != nullptr, pa != nullptr ? pa->Sequence : 0);
  natsMsg_Destroy(msg);
}
}  // namespace

struct Client::Impl {
  ConnectOptions options;
  natsOptions* opts = nullptr;
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;

  ~Impl() {
    jsCtx_Destroy(js);
    if (nc != nullptr) natsConnection_Close(nc);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
  }

  bool apply_auth(std::string& error);
  bool build_options(std::string& error);
};

bool Client::Impl::apply_auth(std::string& error) {
  const ConnectOptions& o = options;
  natsStatus s = NATS_OK;
  if (!o.creds_file.empty()) {
    s = natsOptions_SetUserCredentialsFromFiles(opts, o.creds_file.c_str(), nullptr);
  }
  if (s == NATS_OK && (!o.token_env.empty() || !o.token_file.empty())) {
    std::string token;
    if (!read_secret(o.token_env, o.token_file, token, error)) return false;
    s = natsOptions_SetToken(opts, token.c_str());
  }
  if (s == NATS_OK && !o.user.empty()) {
    std::string password;
    if ((!o.password_env.empty() || !o.password_file.empty()) &&
        !read_secret(o.password_env, o.password_file, password, error)) {
      return false;
    }
    s = natsOptions_SetUserInfo(opts, o.user.c_str(), password.c_str());
  }
  if (s == NATS_OK && !o.tls_ca_file.empty()) {
    s = natsOptions_SetSecure(opts, true);
    if (s == NATS_OK) s = natsOptions_LoadCATrustedCertificates(opts, o.tls_ca_file.c_str());
  }
  if (s != NATS_OK) error = "credentials/TLS setup failed: " + describe_status(s, 0);
  return s == NATS_OK;
}

bool Client::Impl::build_options(std::string& error) {
  if (natsOptions_Create(&opts) != NATS_OK) {
    error = "nats: cannot create options";
    return false;
  }
  std::vector<const char*> urls;
  for (const auto& u : options.urls) urls.push_back(u.c_str());
  natsStatus s = natsOptions_SetServers(opts, urls.data(), static_cast<int>(urls.size()));
  if (s == NATS_OK && !options.name.empty()) s = natsOptions_SetName(opts, options.name.c_str());
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);  // forever
  if (s == NATS_OK) {
    s = natsOptions_SetCustomReconnectDelay(opts, &reconnect_delay, pack_backoff(options));
  }
  if (s == NATS_OK) s = natsOptions_SetReconnectBufSize(opts, 64 * 1024 * 1024);
  if (s == NATS_OK) s = natsOptions_SetPingInterval(opts, 1000);
  if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(opts, 3);
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, 2000);
  // Without it a publish waits for libnats' flusher thread, which yields a
  // millisecond before it writes (about 0.9 ms of the bridge's latency).
  // The bridge batches events into messages itself.
  if (s == NATS_OK) s = natsOptions_SetSendAsap(opts, true);
  if (s != NATS_OK) {
    error = describe_status(s, 0);
    return false;
  }
  return apply_auth(error);
}

Client::Client() : impl_(std::make_unique<Impl>()) {}
Client::~Client() = default;

std::unique_ptr<Client> Client::connect(const ConnectOptions& options, AckFn on_ack,
                                        std::int64_t give_up_ms, std::string& error) {
  std::unique_ptr<Client> c(new Client());
  Impl& m = *c->impl_;
  m.options = options;
  if (options.urls.empty()) {
    error = "no NATS server URL";
    return nullptr;
  }
  if (!m.build_options(error)) return nullptr;
  const std::int64_t deadline = monotonic_ms() + give_up_ms;
  for (int attempt = 1;; ++attempt) {
    const natsStatus s = natsConnection_Connect(&m.nc, m.opts);
    if (s == NATS_OK) break;
    m.nc = nullptr;
    error = describe_status(s, 0);
    // Only "no server yet" is worth waiting for; bad credentials or TLS are not.
    if (s != NATS_NO_SERVER || (give_up_ms > 0 && monotonic_ms() >= deadline)) return nullptr;
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms(options, attempt)));
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = options.request_timeout_ms;
  jo.PublishAsync.MaxPending = options.max_pending_acks;
  if (on_ack) {
    jo.PublishAsync.AckHandler = &on_pub_ack;
    jo.PublishAsync.AckHandlerClosure = keep_callback_state(std::move(on_ack));
  }
  jo.PublishAsync.StallWait = 50;
  if (const natsStatus s = natsConnection_JetStream(&m.js, m.nc, &jo); s != NATS_OK) {
    error = describe_status(s, 0);
    return nullptr;
  }
  error.clear();
  return c;
}

bool Client::connected() const noexcept {
  return natsConnection_Status(impl_->nc) == NATS_CONN_STATUS_CONNECTED;
}

bool Client::ensure_stream(const StreamSpec& spec, std::string& error) {
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, impl_->js, spec.name.c_str(), nullptr, &jerr);
  jsStreamInfo_Destroy(si);
  if (s == NATS_OK) return true;
  if (s != NATS_NOT_FOUND) {
    error = "stream " + spec.name + ": " + describe_status(s, jerr);
    return false;
  }
  std::vector<const char*> subjects;
  for (const auto& x : spec.subjects) subjects.push_back(x.c_str());
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = spec.name.c_str();
  cfg.Subjects = subjects.data();
  cfg.SubjectsLen = static_cast<int>(subjects.size());
  cfg.Storage = spec.file_storage ? js_FileStorage : js_MemoryStorage;
  cfg.Retention = js_LimitsPolicy;
  cfg.Discard = js_DiscardOld;
  cfg.MaxAge = spec.max_age_ms * 1'000'000LL;
  cfg.MaxBytes = spec.max_bytes;
  cfg.MaxMsgs = spec.max_msgs;
  cfg.MaxMsgsPerSubject = spec.max_msgs_per_subject;
  cfg.Duplicates = spec.duplicates_window_ms * 1'000'000LL;
  cfg.AllowDirect = true;
  s = js_AddStream(&si, impl_->js, &cfg, nullptr, &jerr);
  jsStreamInfo_Destroy(si);
  if (s != NATS_OK) {
    error = "create stream " + spec.name + ": " + describe_status(s, jerr);
    return false;
  }
  return true;
}

bool Client::publish_async(const std::string& subject, std::string_view data,
                           const std::string& msg_id, std::string& error) {
  MsgHolder h;
  natsStatus s =
      natsMsg_Create(&h.msg, subject.c_str(), nullptr, data.data(), static_cast<int>(data.size()));
  if (s == NATS_OK && !msg_id.empty()) s = natsMsgHeader_Set(h.msg, "Nats-Msg-Id", msg_id.c_str());
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = impl_->options.publish_ack_timeout_ms;
  if (s == NATS_OK) s = js_PublishMsgAsync(impl_->js, &h.msg, &po);  // takes h.msg on success
  if (s != NATS_OK) error = "publish " + subject + ": " + describe_status(s, 0);
  return s == NATS_OK;
}

bool Client::flush_async(std::int64_t timeout_ms) {
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = timeout_ms;
  return js_PublishAsyncComplete(impl_->js, &po) == NATS_OK;
}

int Client::last_message(const std::string& stream, const std::string& subject, StoredMsg& out,
                         std::string& error) {
  MsgHolder h;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s =
      js_GetLastMsg(&h.msg, impl_->js, stream.c_str(), subject.c_str(), nullptr, &jerr);
  if (s == NATS_NOT_FOUND) return 0;
  if (s != NATS_OK) {
    error = "last message of " + subject + ": " + describe_status(s, jerr);
    return -1;
  }
  out.subject = subject;
  out.data.assign(natsMsg_GetData(h.msg), static_cast<std::size_t>(natsMsg_GetDataLength(h.msg)));
  out.stream_seq = natsMsg_GetSequence(h.msg);
  out.pending = 0;
  return 1;
}

struct OrderedConsumer::Impl {
  natsSubscription* sub = nullptr;
  ~Impl() {
    if (sub != nullptr) (void)natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
  }
};

OrderedConsumer::OrderedConsumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OrderedConsumer::~OrderedConsumer() = default;

std::unique_ptr<OrderedConsumer> Client::subscribe(const std::string& stream,
                                                   const std::string& subject,
                                                   std::uint64_t start_seq, std::string& error) {
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream.c_str();
  so.Ordered = true;
  so.Config.DeliverPolicy = start_seq == 0 ? js_DeliverNew : js_DeliverByStartSequence;
  so.Config.OptStartSeq = start_seq;
  so.Config.Heartbeat = 500'000'000LL;  // ordered consumers detect a stalled delivery with it
  auto impl = std::make_unique<OrderedConsumer::Impl>();
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s =
      js_SubscribeSync(&impl->sub, impl_->js, subject.c_str(), nullptr, &so, &jerr);
  if (s != NATS_OK) {
    error = "subscribe " + subject + ": " + describe_status(s, jerr);
    return nullptr;
  }
  // Never drop messages on the client side: a drop would cost a resubscription.
  (void)natsSubscription_SetPendingLimits(impl->sub, -1, -1);
  return std::make_unique<OrderedConsumer>(std::move(impl));
}

int OrderedConsumer::next(StoredMsg& out, std::int64_t timeout_ms, std::string& error) {
  MsgHolder h;
  const natsStatus s = natsSubscription_NextMsg(&h.msg, impl_->sub, timeout_ms);
  if (s == NATS_TIMEOUT) return 0;
  if (s != NATS_OK) {
    error = describe_status(s, 0);
    return -1;
  }
  const char* subject = natsMsg_GetSubject(h.msg);
  out.subject = subject != nullptr ? subject : "";
  out.data.assign(natsMsg_GetData(h.msg), static_cast<std::size_t>(natsMsg_GetDataLength(h.msg)));
  jsMsgMetaData* meta = nullptr;
  if (natsMsg_GetMetaData(&meta, h.msg) == NATS_OK) {
    out.stream_seq = meta->Sequence.Stream;
    out.pending = meta->NumPending;
  } else {
    out.stream_seq = 0;
    out.pending = 0;
  }
  jsMsgMetaData_Destroy(meta);
  return 1;
}

}  // namespace wirebook::nats
