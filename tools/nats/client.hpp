#pragma once
// A small RAII layer over the libnats C client (3.4): one connection with
// credentials by reference and jittered reconnect backoff, its JetStream
// context, stream creation, asynchronous publication with Nats-Msg-Id, last
// message per subject, and ordered consumers read synchronously.
//
// Threading: one owner thread calls the methods; libnats runs its own I/O
// threads, from which the publish-ack callback and the connection-state
// flags are updated (the callback must be thread-safe). Cold code; errors are
// values with a readable text that never contains a secret.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wirebook::nats {

// How to reach and authenticate to the server. Secrets are given by
// reference (an environment variable's name or a file path), never inline.
struct ConnectOptions {
  std::vector<std::string> urls;         // nats://host:port or tls://host:port
  std::string name;                      // client name shown by the server
  std::string creds_file;                // NATS .creds (JWT + NKey seed)
  std::string token_env;                 // environment variable holding a token
  std::string token_file;                // file holding a token
  std::string user;                      // user name (not secret)
  std::string password_env;              // environment variable holding the password
  std::string password_file;             // file holding the password
  std::string tls_ca_file;               // CA bundle: enables TLS and verifies the server
  std::int64_t reconnect_min_ms = 100;   // first reconnect delay
  std::int64_t reconnect_max_ms = 5000;  // backoff cap
  std::int64_t request_timeout_ms = 5000;
  std::int64_t publish_ack_timeout_ms = 2000;
  std::int64_t max_pending_acks = 4096;
};

// Called on a libnats thread for every asynchronously published message:
// `ok` and, when ok, the JetStream stream sequence it was stored at.
using AckFn = std::function<void(std::string_view subject, bool ok, std::uint64_t stream_seq)>;

struct StreamSpec {
  std::string name;
  std::vector<std::string> subjects;
  bool file_storage = true;
  std::int64_t max_age_ms = 0;  // 0: unlimited
  std::int64_t max_bytes = -1;  // -1: unlimited
  std::int64_t max_msgs = -1;   // -1: unlimited
  std::int64_t max_msgs_per_subject = -1;
  std::int64_t duplicates_window_ms = 0;  // 0: the server's default (2 min)
};

// A message read from JetStream.
struct StoredMsg {
  std::string subject;
  std::string data;
  std::uint64_t stream_seq = 0;
  std::uint64_t pending = 0;  // consumer: messages still pending after this one
};

class OrderedConsumer;

class Client {
 public:
  // Connects (waiting while the server is unreachable, retrying with the
  // backoff, until `give_up_ms` passes; 0 waits forever). Null on failure,
  // with the reason in `error`.
  static std::unique_ptr<Client> connect(const ConnectOptions& options, AckFn on_ack,
                                         std::int64_t give_up_ms, std::string& error);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Creates the stream when absent; an existing one is left as it is.
  [[nodiscard]] bool ensure_stream(const StreamSpec& spec, std::string& error);
  // Publishes asynchronously (the ack arrives through AckFn). `msg_id` is
  // sent as Nats-Msg-Id when not empty. False when it could not be queued.
  [[nodiscard]] bool publish_async(const std::string& subject, std::string_view data,
                                   const std::string& msg_id, std::string& error);
  // Waits up to timeout_ms for every asynchronous publish to be acknowledged.
  [[nodiscard]] bool flush_async(std::int64_t timeout_ms);
  // The last message stored on `subject` in `stream`. Returns 1 found,
  // 0 none, -1 error.
  [[nodiscard]] int last_message(const std::string& stream, const std::string& subject,
                                 StoredMsg& out, std::string& error);
  // An ordered consumer on `subject` from stream sequence `start_seq`
  // (0: only new messages).
  [[nodiscard]] std::unique_ptr<OrderedConsumer> subscribe(const std::string& stream,
                                                           const std::string& subject,
                                                           std::uint64_t start_seq,
                                                           std::string& error);

  [[nodiscard]] bool connected() const noexcept;

  struct Impl;

 private:
  Client();
  std::unique_ptr<Impl> impl_;
};

// Reads one ordered consumer synchronously.
class OrderedConsumer {
 public:
  ~OrderedConsumer();
  OrderedConsumer(const OrderedConsumer&) = delete;
  OrderedConsumer& operator=(const OrderedConsumer&) = delete;
  // Returns 1 with a message, 0 on timeout, -1 on error (text in `error`).
  // timeout_ms 0: only a message already received (never blocks).
  [[nodiscard]] int next(StoredMsg& out, std::int64_t timeout_ms, std::string& error);

  struct Impl;
  explicit OrderedConsumer(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

// "nats: <status text>" plus libnats' last error detail, without secrets
// (libnats reports no credential values).
[[nodiscard]] std::string describe_status(int status, int js_error);

}  // namespace wirebook::nats
