#include "daemon/notify.hpp"

#include <string>

#if WIREBOOK_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace wirebook::daemon {

bool notify(std::string_view state) noexcept {
#if WIREBOOK_HAVE_SYSTEMD
  try {
    const std::string text(state);
    return sd_notify(0, text.c_str()) > 0;
  } catch (...) {
    return false;
  }
#else
  (void)state;
  return false;
#endif
}

std::int64_t watchdog_interval_ns() noexcept {
#if WIREBOOK_HAVE_SYSTEMD
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    return static_cast<std::int64_t>(usec) * 1000 / 2;  // ping twice per period
  }
#endif
  return 0;
}

bool notify_supported() noexcept {
  return WIREBOOK_HAVE_SYSTEMD != 0;
}

}  // namespace wirebook::daemon
