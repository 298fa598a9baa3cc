#include "feeds/common/hmac.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace wirebook::feeds {
namespace {

std::string to_hex(const unsigned char* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4U];
    out += kHex[p[i] & 0xfU];
  }
  return out;
}

std::vector<unsigned char> hmac_sha256(std::string_view key, std::string_view message) {
  std::vector<unsigned char> mac(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(),
           &len) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  mac.resize(len);
  return mac;
}

}  // namespace

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  const auto mac = hmac_sha256(key, message);
  return to_hex(mac.data(), mac.size());
}

std::string hmac_sha256_base64(std::string_view key, std::string_view message) {
  const auto mac = hmac_sha256(key, message);
  // EVP_EncodeBlock writes 4 characters per 3 bytes (rounded up) and a NUL.
  std::string out(4 * ((mac.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac.data(),
                                static_cast<int>(mac.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0U);
  return out;
}

std::string random_hex(std::size_t n) {
  std::vector<unsigned char> b(n);
  if (RAND_bytes(b.data(), static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
  return to_hex(b.data(), n);
}

}  // namespace wirebook::feeds
