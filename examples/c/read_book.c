/* Reads one book from a running wirebook instance through the C ABI.
 *
 *   cc read_book.c $(pkg-config --cflags --libs wirebook) -o read_book
 *   ./read_book /dev/shm/wirebook/main woo SPOT_BTC_USDT 5
 *
 * Prints the writer's liveness, the book's status and the top N levels per
 * side as exact decimals (value * 10^exponent). Exit code 0 when a book was read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wirebook/reader.h>

#define MAX_LEVELS 64

/* Canonical decimal text of v * 10^exp: exact, no exponent, no trailing zeros. */
static void print_fixed(int64_t v, int exp) {
  char digits[24];
  char out[64];
  uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  int n = 0;
  int len = 0;
  do {
    digits[n++] = (char)('0' + (int)(mag % 10U));
    mag /= 10U;
  } while (mag != 0U);
  if (v < 0) out[len++] = '-';
  if (exp >= 0) {
    for (int i = n - 1; i >= 0; --i) out[len++] = digits[i];
    for (int i = 0; i < exp && len < 60; ++i) out[len++] = '0';
  } else {
    const int frac = -exp;
    if (n <= frac) {
      out[len++] = '0';
      out[len++] = '.';
      for (int i = 0; i < frac - n; ++i) out[len++] = '0';
      for (int i = n - 1; i >= 0; --i) out[len++] = digits[i];
    } else {
      for (int i = n - 1; i >= 0; --i) {
        out[len++] = digits[i];
        if (i == frac) out[len++] = '.';
      }
    }
    while (out[len - 1] == '0') --len;
    if (out[len - 1] == '.') --len;
  }
  if (len == 2 && out[0] == '-' && out[1] == '0') len = 0;
  if (len == 0) out[len++] = '0';
  fwrite(out, 1, (size_t)len, stdout);
}

static void print_side(const char* name, const wb_level* lv, uint32_t n, const wb_book* b) {
  for (uint32_t k = 0; k < n; ++k) {
    printf("%s %2u  ", name, (unsigned)k);
    print_fixed(lv[k].px, b->top.px_exp);
    printf(" x ");
    print_fixed(lv[k].qty, b->top.qty_exp);
    putchar('\n');
  }
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s INSTANCE_DIR VENUE SYMBOL [LEVELS]\n", argv[0]);
    return 64;
  }
  uint32_t levels = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 10) : 5U;
  if (levels > MAX_LEVELS) levels = MAX_LEVELS;

  wb_venue* v = NULL;
  const int err = wb_venue_open(argv[1], argv[2], -1, &v);
  if (err != WB_OK) {
    fprintf(stderr, "cannot open venue %s in %s: %s\n", argv[2], argv[1], wb_error_string(err));
    return 2;
  }
  const int live = wb_venue_refresh(v);
  const uint32_t i = wb_find(v, argv[3]);
  if (i == wb_instrument_count(v)) {
    fprintf(stderr, "symbol %s not in venue %s\n", argv[3], argv[2]);
    wb_venue_close(v);
    return 3;
  }
  wb_level bids[MAX_LEVELS];
  wb_level asks[MAX_LEVELS];
  wb_book b;
  const int r = wb_read_book(v, i, &b, bids, asks, levels);
  if (r != WB_READ_OK) {
    fprintf(stderr, "no book for %s (%s)\n", argv[3],
            r == WB_READ_EMPTY ? "not published yet" : "busy");
    wb_venue_close(v);
    return 4;
  }
  printf("venue %s symbol %s writer %s status %s%s%s version %llu updates %llu\n", argv[2], argv[3],
         wb_liveness_string(live), wb_status_string(b.top.status),
         (b.top.flags & WB_FLAG_CROSSED) ? " crossed" : "",
         b.top.trusted ? " trusted" : " untrusted", (unsigned long long)b.top.version,
         (unsigned long long)b.update_count);
  printf("best bid ");
  print_fixed(b.top.bid.px, b.top.px_exp);
  printf(" best ask ");
  print_fixed(b.top.ask.px, b.top.px_exp);
  putchar('\n');
  print_side("bid", bids, b.bids, &b);
  print_side("ask", asks, b.asks, &b);
  wb_venue_close(v);
  return 0;
}
