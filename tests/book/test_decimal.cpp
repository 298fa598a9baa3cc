#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "book/decimal.hpp"
#include "book/decimal_simd.hpp"

using wirebook::book::DecimalError;
using wirebook::book::exact_exponent;
using wirebook::book::format_decimal;
using wirebook::book::kMaxDecimalText;
using wirebook::book::parse_decimal;
using wirebook::book::rescale;
using wirebook::book::Sign;

namespace {

struct Parsed {
  DecimalError err;
  std::int64_t value;
};

Parsed parse(std::string_view s, int exp, Sign sign = Sign::non_negative_only) {
  std::int64_t v = -777;
  const auto e = parse_decimal(s, exp, v, sign);
  return {e, v};
}

std::string fmt(std::int64_t v, int exp) {
  char buf[kMaxDecimalText];
  const auto n = format_decimal(v, exp, buf, sizeof buf);
  return {buf, n};
}

}  // namespace

TEST_CASE("documented venue numbers convert exactly to fixed point", "[book][decimal]") {
  CHECK(parse("56749.15", -2).value == 5674915);
  CHECK(parse("56749.15", -8).value == 5674915000000);
  CHECK(parse("0.000123", -6).value == 123);
  CHECK(parse("0.000123", -9).value == 123000);
  CHECK(parse("2.5e4", 0).value == 25000);
  CHECK(parse("2.5e4", 3).value == 25);
  CHECK(parse("1E-8", -8).value == 1);
  CHECK(parse("1e-8", -10).value == 100);
  CHECK(parse("1.423e-4", -7).value == 1423);
  CHECK(parse("1054.0", 0).value == 1054);
  CHECK(parse("2785.70", -1).value == 27857);
  CHECK(parse("0.0000", -2).value == 0);
  CHECK(parse("0", 5).value == 0);
  CHECK(parse("007", 0).value == 7);
  CHECK(parse(".5", -1).value == 5);
  CHECK(parse("5.", 0).value == 5);
  CHECK(parse("2.2E+3", 0).value == 2200);
  CHECK(parse("-0", -2).err == DecimalError::ok);
  CHECK(parse("-0.000", -2).value == 0);
  CHECK(parse("-12.5", -1, Sign::allow_negative).value == -125);
}

TEST_CASE("each kind of bad decimal text has its own error value", "[book][decimal]") {
  CHECK(parse("", -2).err == DecimalError::empty);
  for (const char* g : {"abc", "-", ".", "1.2.3", "1e", "1e+", "e5", "+1", " 1", "1 ", "0x10",
                        "1,5", "nan", "inf", "--1", "1e5.5", "\"1\"", "1.5f"}) {
    INFO("text: " << g);
    CHECK(parse(g, -2).err == DecimalError::garbage);
  }
  CHECK(parse("56749.155", -2).err == DecimalError::too_many_decimals);
  CHECK(parse("1E-9", -8).err == DecimalError::too_many_decimals);
  CHECK(parse("0.1", 0).err == DecimalError::too_many_decimals);
  CHECK(parse("15", 1).err == DecimalError::too_many_decimals);
  CHECK(parse("1e-100000000", -18).err == DecimalError::too_many_decimals);
  CHECK(parse("-1", 0).err == DecimalError::negative);
  CHECK(parse("-0.5", -1).err == DecimalError::negative);
  CHECK(parse("1", -19).err == DecimalError::bad_exponent);
  CHECK(parse("1", 19).err == DecimalError::bad_exponent);
  {
    std::int64_t p = 7;
    std::int64_t q = 7;
    const auto e = wirebook::book::parse_level("1", -19, p, "2", -2, q);
    CHECK(e.px == DecimalError::bad_exponent);
    CHECK(e.qty == DecimalError::ok);
    CHECK(p == 7);
    CHECK(q == 200);
  }
  // A failed parse leaves the output untouched.
  CHECK(parse("bad", 0).value == -777);
}

TEST_CASE("int64 limits are exact and one past them overflows", "[book][decimal]") {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  CHECK(parse("9223372036854775807", 0).value == kMax);
  CHECK(parse("9223372036854775808", 0).err == DecimalError::overflow);
  CHECK(parse("92233720368547758.07", -2).value == kMax);
  CHECK(parse("92233720368547758.08", -2).err == DecimalError::overflow);
  CHECK(parse("9.223372036854775807e18", 0).value == kMax);
  CHECK(parse("1e19", 0).err == DecimalError::overflow);
  CHECK(parse("1e18", 0).value == 1000000000000000000LL);
  CHECK(parse("1e100000000000", 0).err == DecimalError::overflow);
  CHECK(parse("-9223372036854775807", 0, Sign::allow_negative).value == -kMax);
  CHECK(parse("0000000000000000000000000000001", 0).value == 1);
  CHECK(parse("1.0000000000000000000000000000", -2).value == 100);
  CHECK(parse("100000", -18).err == DecimalError::overflow);
}

// Nineteen and twenty digit texts in the plain form (the ones UBSan caught
// overflowing the accumulator of the plain fast path before its length check):
// every path, vectorised or scalar, reports overflow or the exact value.
TEST_CASE("19 and 20 digit plain texts never overflow an accumulator", "[book][decimal]") {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  using wirebook::book::detail::parse_decimal_scalar;
  const std::vector<std::string> overflowing = {"9223372036854775808",  "9223372036854775816",
                                                "9999999999999999999",  "99999999999999999999",
                                                "18446744073709551616", "-9223372036854775809",
                                                "92233720368547758.16", "-99999999999999999.99"};
  for (const auto& text : overflowing) {
    for (const int exp : {0, -2}) {
      INFO(text << " at exp " << exp);
      std::int64_t v = -777;
      const auto scalar = parse_decimal_scalar(text, exp, v, Sign::allow_negative);
      CHECK((scalar == DecimalError::overflow || scalar == DecimalError::too_many_decimals));
      CHECK(v == -777);
      CHECK(parse(text, exp, Sign::allow_negative).err == scalar);
    }
  }
  std::int64_t v = 0;
  CHECK(parse_decimal_scalar("9223372036854775807", 0, v) == DecimalError::ok);
  CHECK(v == kMax);
  CHECK(parse_decimal_scalar("0000000000000000000000000000009", 0, v) == DecimalError::ok);
  CHECK(v == 9);
  CHECK(parse_decimal_scalar("922337203685477580.7", -1, v) == DecimalError::ok);
  CHECK(v == kMax);
}

TEST_CASE("exact_exponent reports the coarsest exact exponent", "[book][decimal]") {
  auto ee = [](std::string_view s) {
    int e = 99;
    REQUIRE(exact_exponent(s, e) == DecimalError::ok);
    return e;
  };
  CHECK(ee("56749.15") == -2);
  CHECK(ee("1.10") == -1);
  CHECK(ee("2.5e4") == 3);
  CHECK(ee("0") == 0);
  CHECK(ee("0.000123") == -6);
  CHECK(ee("1E-8") == -8);
  CHECK(ee("1200") == 2);
  int e = 0;
  CHECK(exact_exponent("1e-19", e) == DecimalError::too_many_decimals);
  CHECK(exact_exponent("x", e) == DecimalError::garbage);
}

TEST_CASE("rescale widens exactly and reports overflow", "[book][decimal]") {
  std::int64_t v = 0;
  CHECK(rescale(5674915, -2, -8, v) == DecimalError::ok);
  CHECK(v == 5674915000000);
  CHECK(rescale(1, 0, -18, v) == DecimalError::ok);
  CHECK(rescale(10, 0, -18, v) == DecimalError::overflow);
  CHECK(rescale(1, -8, -2, v) == DecimalError::bad_exponent);
  CHECK(rescale(0, 18, -18, v) == DecimalError::ok);
  CHECK(v == 0);
}

TEST_CASE("canonical formatting has no exponent, no trailing zeros, 0 for zero",
          "[book][decimal]") {
  CHECK(fmt(5674915, -2) == "56749.15");
  CHECK(fmt(103895025, -8) == "1.03895025");
  CHECK(fmt(0, -8) == "0");
  CHECK(fmt(0, 3) == "0");
  CHECK(fmt(100, -2) == "1");
  CHECK(fmt(120, -2) == "1.2");
  CHECK(fmt(5, -3) == "0.005");
  CHECK(fmt(25, 3) == "25000");
  CHECK(fmt(-125, -1) == "-12.5");
  CHECK(fmt(1, -18) == "0.000000000000000001");
  CHECK(fmt(std::numeric_limits<std::int64_t>::min(), 0) == "-9223372036854775808");
  CHECK(fmt(std::numeric_limits<std::int64_t>::min(), -18) == "-9.223372036854775808");
  CHECK(fmt(std::numeric_limits<std::int64_t>::max(), 18).size() == 37);
  char small[3];
  CHECK(format_decimal(12345, 0, small, sizeof small) == 0);
  CHECK(format_decimal(1, 19, small, sizeof small) == 0);
}

TEST_CASE("format then parse round-trips exactly over a large sampled set", "[book][decimal]") {
  const std::uint64_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> exp_dist(-18, 18);
  std::uniform_int_distribution<int> width(0, 62);
  for (int i = 0; i < 200000; ++i) {
    const int exp = exp_dist(rng);
    // Magnitudes spread over every bit width, both signs.
    auto v = static_cast<std::int64_t>(rng() >> static_cast<unsigned>(width(rng) + 1));
    if (rng() & 1U) v = -v;
    const std::string text = fmt(v, exp);
    Parsed back = parse(text, exp, Sign::allow_negative);
    if (back.err != DecimalError::ok || back.value != v) {
      INFO("value " << v << " exp " << exp << " text " << text);
      REQUIRE(back.err == DecimalError::ok);
      REQUIRE(back.value == v);
    }
    // The text is exact at its own coarsest exponent and at any finer one
    // that does not overflow.
    int ee = 0;
    REQUIRE(exact_exponent(text, ee) == DecimalError::ok);
    if (v != 0) {
      REQUIRE(ee >= exp);
      std::int64_t coarse = 0;
      REQUIRE(parse_decimal(text, ee, coarse, Sign::allow_negative) == DecimalError::ok);
      std::int64_t widened = 0;
      REQUIRE(rescale(coarse, ee, exp, widened) == DecimalError::ok);
      REQUIRE(widened == v);
    }
    // Exponent form of the same value parses to the same integer.
    const std::string sci = text + "e0";
    REQUIRE(parse(sci, exp, Sign::allow_negative).value == v);
  }
}

TEST_CASE("the fast paths agree with the scalar reference on random short texts",
          "[book][decimal]") {
  // Short texts over the characters that matter (digits, '.', '-', 'e', junk),
  // placed at every offset of a page end so loads near the boundary are
  // exercised; every result (error and value) must equal the reference's.
  const std::uint64_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  constexpr std::size_t kPage = 4096;
  std::vector<char> mem(3 * kPage, '7');
  const std::size_t page_end = (reinterpret_cast<std::uintptr_t>(mem.data()) / kPage + 2) * kPage -
                               reinterpret_cast<std::uintptr_t>(mem.data());
  const char alphabet[] = "0123456789000000.....-eE+x ";
  std::uniform_int_distribution<int> exp_dist(-18, 2);
  for (int i = 0; i < 400000; ++i) {
    const std::size_t len = 1 + rng() % 19;
    std::string text;
    const int shape = static_cast<int>(rng() % 4);
    for (std::size_t k = 0; k < len; ++k) {
      // Mostly well-formed plain numbers, some noise.
      if (shape < 3) {
        text += static_cast<char>('0' + rng() % 10);
      } else {
        text += alphabet[rng() % (sizeof alphabet - 1)];
      }
    }
    if (shape < 3 && rng() % 4 != 0) text[rng() % len] = '.';
    if (shape == 1 && rng() % 3 == 0) text.insert(text.begin(), '-');
    if (shape == 2)
      text.replace(0, std::min<std::size_t>(len, 1 + rng() % 4), "0000", 0,
                   std::min<std::size_t>(len, 1 + rng() % 4));
    // Right before the page end, or at a random spot in the middle.
    const std::size_t at = rng() % 2 == 0 ? page_end - text.size() - rng() % 17 : rng() % kPage;
    std::copy(text.begin(), text.end(), mem.begin() + static_cast<std::ptrdiff_t>(at));
    const std::string_view view(mem.data() + at, text.size());
    const int exp = exp_dist(rng);
    for (const Sign sign : {Sign::non_negative_only, Sign::allow_negative}) {
      std::int64_t fast = -1;
      std::int64_t ref = -1;
      const auto ef = parse_decimal(view, exp, fast, sign);
      const auto er = wirebook::book::detail::parse_decimal_scalar(view, exp, ref, sign);
      if (ef != er || fast != ref) {
        INFO("text '" << text << "' exp " << exp);
        REQUIRE(ef == er);
        REQUIRE(fast == ref);
      }
    }
    // parse_level converts a price (signed) and a size (non-negative) in one
    // call: the same results as the reference called for each.
    const int exp2 = exp_dist(rng);
    std::int64_t lp = -1;
    std::int64_t lq = -1;
    std::int64_t rp = -1;
    std::int64_t rq = -1;
    const auto le = wirebook::book::parse_level(view, exp, lp, view, exp2, lq);
    const auto ep =
        wirebook::book::detail::parse_decimal_scalar(view, exp, rp, Sign::allow_negative);
    const auto eq = wirebook::book::detail::parse_decimal_scalar(view, exp2, rq);
    if (le.px != ep || le.qty != eq || lp != rp || lq != rq) {
      INFO("parse_level text '" << text << "' exps " << exp << ", " << exp2);
      REQUIRE(le.px == ep);
      REQUIRE(le.qty == eq);
      REQUIRE(lp == rp);
      REQUIRE(lq == rq);
    }
  }
}
