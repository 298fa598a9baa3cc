#pragma once
// systemd notification (sd_notify: READY, STATUS, WATCHDOG, STOPPING). Built
// with libsystemd when available (WIREBOOK_HAVE_SYSTEMD); otherwise every call
// is a no-op and watchdog_interval_ns() is 0.
// Threading: cold thread only.
#include <cstdint>
#include <string_view>

namespace wirebook::daemon {

// Sends `state` (e.g. "READY=1\nSTATUS=...") to $NOTIFY_SOCKET; false if not sent.
bool notify(std::string_view state) noexcept;
// Half of $WATCHDOG_USEC in ns when the watchdog is enabled for us, else 0.
[[nodiscard]] std::int64_t watchdog_interval_ns() noexcept;
// True when this build can talk to systemd.
[[nodiscard]] bool notify_supported() noexcept;

}  // namespace wirebook::daemon
