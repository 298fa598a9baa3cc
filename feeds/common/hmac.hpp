#pragma once
// HMAC-SHA256 (OpenSSL) as lower-case hex, for venue authentication.
// Cold path (login, token refresh); the key never leaves the caller.
#include <string>
#include <string_view>

namespace wirebook::feeds {

[[nodiscard]] std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// HMAC-SHA256 as standard Base64 (with padding), e.g. OX.FUN's login signature.
[[nodiscard]] std::string hmac_sha256_base64(std::string_view key, std::string_view message);

// `n` random bytes as hex (RAND_bytes), e.g. an auth nonce.
[[nodiscard]] std::string random_hex(std::size_t n);

}  // namespace wirebook::feeds
