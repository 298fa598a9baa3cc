/* wirebook reader, C ABI (DESIGN.md §6). Link with `pkg-config --libs wirebook`.
 *
 * Threading: a wb_venue handle is used by one thread at a time; open one per
 * thread. wb_read_bbo / wb_read_book / wb_read_position / wb_poll make no system calls, never
 * allocate and never block the writer. wb_*_open and wb_venue_refresh are cold.
 * Values are fixed point: px * 10^px_exp, qty * 10^qty_exp (exponents travel
 * with every book copy and every event).
 */
#ifndef WIREBOOK_READER_H
#define WIREBOOK_READER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WB_LAYOUT_MAJOR 3

/* Errors from wb_venue_open / wb_instance_open (same order as the C++ OpenError). */
typedef enum wb_error {
  WB_OK = 0,
  WB_ERR_MISSING = 1,         /* no segment at the path */
  WB_ERR_NOT_A_FILE = 2,      /* symlink or not a regular file */
  WB_ERR_BAD_PERMISSIONS = 3, /* cannot open, or writable by others */
  WB_ERR_BAD_OWNER = 4,       /* unexpected owner */
  WB_ERR_TRUNCATED = 5,
  WB_ERR_BAD_MAGIC = 6,          /* not a wirebook segment */
  WB_ERR_INCOMPATIBLE_MAJOR = 7, /* layout major version differs */
  WB_ERR_INCOMPATIBLE_ABI = 8,   /* layout hash differs */
  WB_ERR_WRONG_KIND = 9,
  WB_ERR_CORRUPT = 10,
  WB_ERR_NOT_FOUND = 11, /* venue not in the instance */
  WB_ERR_IO = 12,
  WB_ERR_INVALID_ARGUMENT = 13,
  WB_ERR_NO_MEMORY = 14
} wb_error;

typedef enum wb_status { /* book status (DESIGN §4) */
                         WB_SYNCING = 0,
                         WB_LIVE = 1,
                         WB_STALE = 2,
                         WB_RESYNCING = 3,
                         WB_DISCONNECTED = 4
} wb_status;

enum { WB_FLAG_CROSSED = 1, WB_FLAG_TRUNCATED = 2 };

typedef enum wb_liveness {
  WB_ALIVE = 0,
  WB_STARTING = 1,
  WB_STALE_HEARTBEAT = 2,
  WB_DEAD = 3,
  WB_CLOSED = 4,
  WB_GONE = 5
} wb_liveness;

typedef enum wb_read_result {
  WB_READ_OK = 0,
  WB_READ_EMPTY = 1,
  WB_READ_BAD_INSTRUMENT = 2,
  WB_READ_BUSY = 3
} wb_read_result;

typedef enum wb_poll_result {
  WB_POLL_EVENT = 0,
  WB_POLL_NOTHING = 1,
  WB_POLL_LAPPED = 2,
  WB_POLL_RESET = 3
} wb_poll_result;

typedef enum wb_event_type {
  WB_EV_NONE = 0,
  WB_EV_LEVEL = 1,
  WB_EV_TRADE = 2,
  WB_EV_BBO = 3,
  WB_EV_STATUS = 4,
  WB_EV_GAP = 5,
  WB_EV_RESET = 6,
  WB_EV_SNAPSHOT_BEGIN = 7,
  WB_EV_SNAPSHOT_END = 8,
  WB_EV_HEARTBEAT = 9,
  /* A position slot was republished: re-read it with wb_read_position.
   * instrument = the position slot (not a book index); qty/qty_exp = quantity,
   * px/px_exp = entry price (0 when unknown); aux0 = the slot's update count,
   * aux1 = its known-field bits. */
  WB_EV_POSITION = 10,
  /* Book instrument's reference slot was republished: re-read it with
   * wb_read_reference. px/px_exp = mark price, qty/qty_exp = index price (0
   * when unknown); aux0 = the slot's update count, aux1 = its known-field bits. */
  WB_EV_REFERENCE = 11
} wb_event_type;

/* Fields of a position: indexes of wb_position.value / exp, bits of known. */
typedef enum wb_position_field {
  WB_POS_QUANTITY = 0, /* signed: long > 0 > short */
  WB_POS_ENTRY_PRICE = 1,
  WB_POS_PNL = 2,
  WB_POS_LIQUIDATION_PRICE = 3,
  WB_POS_MARGIN = 4,
  WB_POS_LEVERAGE = 5,
  WB_POS_FIELDS = 6
} wb_position_field;

/* Fields of an instrument's reference data: indexes of wb_reference.value /
 * exp, bits of known. WB_REF_NEXT_FUNDING_TIME is nanoseconds since the Unix
 * epoch (exp 0). */
typedef enum wb_reference_field {
  WB_REF_MARK_PRICE = 0,
  WB_REF_INDEX_PRICE = 1,
  WB_REF_FUNDING_RATE = 2,
  WB_REF_NEXT_FUNDING_TIME = 3,
  WB_REF_OPEN_INTEREST = 4,
  WB_REF_FIELDS = 5
} wb_reference_field;

typedef struct wb_level {
  int64_t px;
  int64_t qty;
} wb_level;

typedef struct wb_bbo {
  uint8_t status; /* wb_status */
  uint8_t flags;  /* WB_FLAG_* */
  int8_t px_exp;
  int8_t qty_exp;
  uint16_t bid_count; /* 0: no bid */
  uint16_t ask_count;
  uint64_t version;
  int64_t ts_exchange_ns;
  wb_level bid;
  wb_level ask;
  int writer_ok; /* writer alive as of the last wb_venue_refresh */
  int trusted;   /* writer_ok && status == WB_LIVE */
} wb_bbo;

typedef struct wb_book {
  wb_bbo top;
  int64_t ts_recv_ns;
  int64_t ts_publish_ns;
  uint64_t update_count;
  uint64_t ring_seq; /* last ring event reflected; skip events with seq <= ring_seq */
  uint32_t bids;     /* levels written to the caller's arrays */
  uint32_t asks;
} wb_book;

typedef struct wb_event {
  uint64_t seq;
  uint8_t type; /* wb_event_type */
  uint8_t side; /* 0 bid, 1 ask */
  int8_t px_exp;
  int8_t qty_exp;
  uint32_t instrument;
  int64_t ts_exchange_ns;
  int64_t ts_recv_ns;
  int64_t px;
  int64_t qty;
  int64_t aux0;
  int64_t aux1;
} wb_event;

/* One account position (DESIGN §9a). value[f] * 10^exp[f] is field f, and
 * only when bit f of `known` is set: a venue may not send every field. */
typedef struct wb_position {
  char instrument[48]; /* NUL-terminated venue instrument name */
  uint16_t known;      /* bit f (1 << WB_POS_*): field f was sent by the venue */
  int8_t exp[WB_POS_FIELDS];
  int64_t value[WB_POS_FIELDS];
  int64_t ts_exchange_ns;
  int64_t ts_recv_ns;
  int64_t ts_publish_ns;
  uint64_t update_count;
  uint64_t ring_seq; /* the POSITION event reflected; skip events with seq <= ring_seq */
  int writer_ok;     /* writer alive as of the last wb_venue_refresh */
} wb_position;

/* An instrument's reference data (DESIGN §9a), same shape as wb_position:
 * value[f] * 10^exp[f] is field f, only when bit f of `known` is set. Each
 * update keeps the fields it did not carry. */
typedef struct wb_reference {
  char instrument[48]; /* NUL-terminated: the book's symbol */
  uint16_t known;      /* bit f (1 << WB_REF_*): field f was sent by the venue */
  int8_t exp[WB_REF_FIELDS];
  int64_t value[WB_REF_FIELDS];
  int64_t ts_exchange_ns; /* the venue's time of the last update */
  int64_t ts_recv_ns;
  int64_t ts_publish_ns;
  uint64_t update_count;
  uint64_t ring_seq; /* the REFERENCE event reflected; skip events with seq <= ring_seq */
  int writer_ok;     /* writer alive as of the last wb_venue_refresh */
} wb_reference;

/* One member of a consolidated name (DESIGN §9a): its venue's book top. */
typedef struct wb_member {
  uint8_t status; /* wb_status */
  uint8_t flags;  /* WB_FLAG_* */
  int8_t px_exp;
  int8_t qty_exp;
  uint16_t bid_count; /* 0: no bid */
  uint16_t ask_count;
  wb_level bid;
  wb_level ask;
  int64_t ts_exchange_ns;
  int64_t ts_recv_ns;
  int64_t ts_publish_ns;
  uint64_t update_count; /* 0: never published */
  int writer_ok;         /* daemon alive and the member's venue thread beating */
  int trusted;           /* writer_ok && status == WB_LIVE */
} wb_member;

#define WB_MAX_MEMBERS 16
#define WB_NO_MEMBER 0xFFFFFFFFu

/* Every member of one name and the best across the trusted ones. */
typedef struct wb_consolidated_bbo {
  uint32_t members;  /* entries of member[] filled, in configuration order */
  uint32_t best_bid; /* index into member[] of the highest bid, or WB_NO_MEMBER */
  uint32_t best_ask; /* the lowest ask, or WB_NO_MEMBER */
  wb_member member[WB_MAX_MEMBERS];
} wb_consolidated_bbo;

typedef struct wb_cursor {
  uint64_t next;
  uint64_t generation;
} wb_cursor;

typedef struct wb_venue wb_venue;
typedef struct wb_instance wb_instance;
typedef struct wb_consolidated wb_consolidated;

const char* wb_error_string(int error);
const char* wb_status_string(int status);
const char* wb_liveness_string(int liveness);

/* Writes "/dev/shm/wirebook/<instance>" into buf; returns the length needed. */
uint32_t wb_default_dir(const char* instance, char* buf, uint32_t cap);

/* expected_uid < 0: the segment must be owned by the directory's owner. */
int wb_venue_open(const char* dir, const char* venue, int64_t expected_uid, wb_venue** out);
void wb_venue_close(wb_venue* v);

uint32_t wb_instrument_count(const wb_venue* v);
uint32_t wb_depth(const wb_venue* v);
const char* wb_symbol(const wb_venue* v, uint32_t instrument);
/* Index of the symbol, or wb_instrument_count(v) when absent. */
uint32_t wb_find(const wb_venue* v, const char* symbol);
uint64_t wb_generation(const wb_venue* v);

int wb_read_bbo(const wb_venue* v, uint32_t instrument, wb_bbo* out);
int wb_read_book(const wb_venue* v, uint32_t instrument, wb_book* out, wb_level* bids,
                 wb_level* asks, uint32_t max_levels);

/* Positions: slots are assigned in order as positions arrive and never
 * released; wb_position_count is the number in use. */
uint32_t wb_position_capacity(const wb_venue* v);
uint32_t wb_position_count(const wb_venue* v);
/* Slot of the instrument's position, or wb_position_capacity(v) when it has none. */
uint32_t wb_find_position(const wb_venue* v, const char* instrument);
/* Returns wb_read_result (WB_READ_BAD_INSTRUMENT: slot out of range). */
int wb_read_position(const wb_venue* v, uint32_t slot, wb_position* out);
/* "quantity", "entry_price", "pnl", "liquidation_price", "margin", "leverage". */
const char* wb_position_field_name(int field);

/* Reference data of book instrument `instrument` (the book's index). Returns
 * wb_read_result: WB_READ_EMPTY until the venue sent any of it. */
int wb_read_reference(const wb_venue* v, uint32_t instrument, wb_reference* out);
/* "mark_price", "index_price", "funding_rate", "next_funding_time", "open_interest". */
const char* wb_reference_field_name(int field);

uint64_t wb_ring_head(const wb_venue* v);
wb_cursor wb_cursor_at_head(const wb_venue* v);
/* A cursor whose next event is `seq` (1-based; 0 is taken as 1). Events already
 * overwritten make the first wb_poll report WB_POLL_LAPPED with the exact count. */
wb_cursor wb_cursor_from(const wb_venue* v, uint64_t seq);
uint32_t wb_ring_capacity(const wb_venue* v);
/* Returns wb_poll_result; on WB_POLL_LAPPED *lost is a lower bound of events missed. */
int wb_poll(const wb_venue* v, wb_cursor* c, wb_event* ev, uint64_t* lost);

/* Cold: re-checks the writer (lock, state, heartbeat) and re-attaches to a new
 * generation at the path. Returns wb_liveness. */
int wb_venue_refresh(wb_venue* v);

int wb_instance_open(const char* dir, wb_instance** out);
void wb_instance_close(wb_instance* in);
uint32_t wb_venue_count(const wb_instance* in);
const char* wb_venue_name(const wb_instance* in, uint32_t i);
/* Cold: re-attaches to a restarted daemon's control segment (names returned
 * earlier become invalid), then returns the daemon's wb_liveness. */
int wb_instance_refresh(wb_instance* in);

/* The consolidated segment (`[[consolidated]]` names; WB_ERR_MISSING when the
 * instance configures none). wb_consolidated_read makes no system calls;
 * call wb_consolidated_refresh every ~100 ms so liveness is current. */
int wb_consolidated_open(const char* dir, int64_t expected_uid, wb_consolidated** out);
void wb_consolidated_close(wb_consolidated* c);
uint32_t wb_consolidated_name_count(const wb_consolidated* c);
const char* wb_consolidated_name(const wb_consolidated* c, uint32_t name);
/* Index of the name, or wb_consolidated_name_count(c) when absent. */
uint32_t wb_consolidated_find(const wb_consolidated* c, const char* name);
uint32_t wb_consolidated_member_count(const wb_consolidated* c, uint32_t name);
const char* wb_consolidated_member_venue(const wb_consolidated* c, uint32_t name, uint32_t k);
const char* wb_consolidated_member_symbol(const wb_consolidated* c, uint32_t name, uint32_t k);
/* Returns wb_read_result: WB_READ_BAD_INSTRUMENT for an unknown name, WB_READ_BUSY
 * when a line could not be read (try again). */
int wb_consolidated_read(const wb_consolidated* c, uint32_t name, wb_consolidated_bbo* out);
/* Cold: re-checks the daemon and each member's venue thread. Returns wb_liveness. */
int wb_consolidated_refresh(wb_consolidated* c);

#ifdef __cplusplus
}
#endif

#endif /* WIREBOOK_READER_H */
