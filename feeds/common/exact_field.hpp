#pragma once
// Exact fixed point of one decimal text at the text's own coarsest exponent:
// every field keeps exactly the digits the venue sent, whatever their scale.
// Shared by the account positions and the reference data (DESIGN §9a), whose
// fields each carry their own exponent.
#include <cstdint>
#include <string_view>

#include "book/decimal.hpp"

namespace wirebook::feeds {

// False (outputs untouched) when `text` is not an exact decimal fitting int64.
[[nodiscard]] inline bool exact_field(std::string_view text, std::int64_t& value,
                                      std::int8_t& exp) noexcept {
  int e = 0;
  if (book::exact_exponent(text, e) != book::DecimalError::ok) return false;
  std::int64_t v = 0;
  if (book::parse_decimal(text, e, v, book::Sign::allow_negative) != book::DecimalError::ok) {
    return false;
  }
  value = v;
  exp = static_cast<std::int8_t>(e);
  return true;
}

}  // namespace wirebook::feeds
