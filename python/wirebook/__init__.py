"""Read wirebook order books from shared memory (over the C ABI, ctypes).

    import wirebook
    venue = wirebook.Venue.open(wirebook.instance_dir("main"), "woo")
    bbo = venue.bbo("SPOT_BTC_USDT")
    if bbo.trusted:
        print(bbo.bid_px, bbo.ask_px)          # decimal.Decimal, exact

Account positions (``venue.positions()``, ``venue.position(instrument)``) are
read the same way: every field exact, None when the venue did not send it.
The consolidated BBO (``Consolidated.open("main").read("BTC-PERP")``) gives a
``[[consolidated]]`` name's members and the best bid and ask across the
trusted ones.

Prices and sizes are exact: ``decimal.Decimal`` values, the raw int64 fixed
point integers (``*_raw``, value = raw * 10**exp) and, when numpy is
installed, int64 arrays. Only books with ``trusted`` true (status "live" and
a writer alive as of the last ``refresh()``) are trustworthy.

Threading: a Venue is used by one thread at a time; open one per thread.
Reads make no system calls; ``refresh()`` and the ``open`` functions do.
The library is found through $WIREBOOK_READER_LIB, next to this package, or
the system library path.
"""

import ctypes
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Dict, List, Optional, Tuple

from . import _native

__all__ = [
    "OpenError", "Instance", "Venue", "Bbo", "Book", "Event", "Poll", "Position", "Reference",
    "Consolidated", "ConsolidatedBbo", "Member",
    "instance_dir", "format_decimal", "to_decimal", "library",
    "STATUSES", "LIVENESS", "EVENT_TYPES", "POSITION_FIELDS", "REFERENCE_FIELDS",
]

STATUSES = ("syncing", "live", "stale", "resyncing", "disconnected")
LIVENESS = ("alive", "starting", "stale", "dead", "closed", "missing")
EVENT_TYPES = ("none", "level", "trade", "bbo", "status", "gap", "reset",
               "snapshot_begin", "snapshot_end", "heartbeat", "position", "reference")
# The fields of a position, in the order of the C ABI's WB_POS_* indexes.
POSITION_FIELDS = ("quantity", "entry_price", "pnl", "liquidation_price", "margin", "leverage")
# The fields of an instrument's reference data, in the order of WB_REF_*.
REFERENCE_FIELDS = ("mark_price", "index_price", "funding_rate", "next_funding_time",
                    "open_interest")
_POLL = ("event", "nothing", "lapped", "reset")
_READ_OK, _READ_EMPTY, _READ_BAD_INSTRUMENT, _READ_BUSY = 0, 1, 2, 3
_BUSY_RETRIES = 100  # each read already retries 1000 times inside the C library
_FLAG_CROSSED, _FLAG_TRUNCATED = 1, 2

_lib = None


def use_library(path: str) -> None:
    """Use the C library at `path` (libwirebook_reader.so) instead of searching
    for it; call before the first reader is opened."""
    if _lib is not None:
        raise RuntimeError("the wirebook reader library is already loaded")
    _native.use_library(path)


def library():
    """The loaded ctypes library (loaded on first use)."""
    global _lib
    if _lib is None:
        _lib = _native.load_library()
    return _lib


class OpenError(Exception):
    """A segment could not be opened. ``code`` is the C ABI's wb_error value."""

    MISSING, NOT_A_FILE, BAD_PERMISSIONS, BAD_OWNER = 1, 2, 3, 4
    TRUNCATED, BAD_MAGIC, INCOMPATIBLE_MAJOR, INCOMPATIBLE_ABI = 5, 6, 7, 8
    WRONG_KIND, CORRUPT, NOT_FOUND, IO = 9, 10, 11, 12

    def __init__(self, code: int, what: str):
        self.code = code
        self.reason = library().wb_error_string(code).decode()
        super().__init__(f"{what}: {self.reason}")


def instance_dir(instance: str = "main") -> str:
    """The default directory of a daemon instance: /dev/shm/wirebook/<instance>."""
    lib = library()
    name = instance.encode()
    n = lib.wb_default_dir(name, None, 0)
    buf = ctypes.create_string_buffer(n)
    lib.wb_default_dir(name, buf, n)
    return buf.value.decode()


def format_decimal(value: int, exp: int) -> str:
    """Canonical decimal text of value * 10**exp: exact, no exponent, no
    trailing zeros or point, "0" for zero (the `wirebook dump --json` format)."""
    sign = "-" if value < 0 else ""
    digits = str(abs(value))
    if exp >= 0:
        text = digits + "0" * exp if value != 0 else "0"
    else:
        frac = -exp
        digits = digits.rjust(frac + 1, "0")
        whole, part = digits[:-frac], digits[-frac:].rstrip("0")
        text = whole + ("." + part if part else "")
    return "0" if text == "0" else sign + text


def to_decimal(value: int, exp: int) -> Decimal:
    """value * 10**exp as an exact Decimal."""
    return Decimal(format_decimal(value, exp))


def _flags(bits: int) -> List[str]:
    out = []
    if bits & _FLAG_CROSSED:
        out.append("crossed")
    if bits & _FLAG_TRUNCATED:
        out.append("truncated")
    return out


@dataclass(frozen=True)
class Bbo:
    """Best bid and ask of one book (one cache line of its slot)."""

    symbol: str
    status: str
    flags: List[str]
    version: int
    exchange_ts_ns: int
    px_exp: int
    qty_exp: int
    bid_px_raw: int
    bid_qty_raw: int
    ask_px_raw: int
    ask_qty_raw: int
    has_bid: bool
    has_ask: bool
    writer_ok: bool
    trusted: bool

    @property
    def bid_px(self) -> Optional[Decimal]:
        return to_decimal(self.bid_px_raw, self.px_exp) if self.has_bid else None

    @property
    def bid_qty(self) -> Optional[Decimal]:
        return to_decimal(self.bid_qty_raw, self.qty_exp) if self.has_bid else None

    @property
    def ask_px(self) -> Optional[Decimal]:
        return to_decimal(self.ask_px_raw, self.px_exp) if self.has_ask else None

    @property
    def ask_qty(self) -> Optional[Decimal]:
        return to_decimal(self.ask_qty_raw, self.qty_exp) if self.has_ask else None


@dataclass(frozen=True)
class Book:
    """One book: metadata and the top levels per side, best first.

    ``bids_raw``/``asks_raw`` hold (px, qty) int64 pairs at px_exp/qty_exp."""

    venue: str
    symbol: str
    status: str
    flags: List[str]
    version: int
    updates: int
    exchange_ts_ns: int
    recv_ts_ns: int
    publish_ts_ns: int
    ring_seq: int
    px_exp: int
    qty_exp: int
    writer_ok: bool
    trusted: bool
    bids_raw: List[Tuple[int, int]] = field(default_factory=list)
    asks_raw: List[Tuple[int, int]] = field(default_factory=list)

    @property
    def bids(self) -> List[Tuple[Decimal, Decimal]]:
        return [(to_decimal(p, self.px_exp), to_decimal(q, self.qty_exp)) for p, q in self.bids_raw]

    @property
    def asks(self) -> List[Tuple[Decimal, Decimal]]:
        return [(to_decimal(p, self.px_exp), to_decimal(q, self.qty_exp)) for p, q in self.asks_raw]

    def bids_text(self) -> List[List[str]]:
        """Bids as canonical decimal strings, like `wirebook dump --json`."""
        return [[format_decimal(p, self.px_exp), format_decimal(q, self.qty_exp)]
                for p, q in self.bids_raw]

    def asks_text(self) -> List[List[str]]:
        return [[format_decimal(p, self.px_exp), format_decimal(q, self.qty_exp)]
                for p, q in self.asks_raw]

    def arrays(self):
        """(bids, asks) as numpy int64 arrays of shape (n, 2): columns px, qty,
        raw fixed point (scale with 10.0**px_exp / 10.0**qty_exp). Needs numpy."""
        import numpy as np  # optional dependency
        bids = np.array(self.bids_raw, dtype=np.int64).reshape(-1, 2)
        asks = np.array(self.asks_raw, dtype=np.int64).reshape(-1, 2)
        return bids, asks


class _FieldValues:
    """What positions and reference data share: ``raw`` maps each field the
    venue sent to its (value, exp) fixed point; ``_FIELDS`` names them all."""

    _FIELDS: Tuple[str, ...] = ()
    _WHAT = ""
    raw: Dict[str, Tuple[int, int]]

    def value(self, name: str) -> Optional[Decimal]:
        """Field `name` as an exact Decimal, None when the venue has not sent it."""
        if name not in self._FIELDS:
            raise KeyError(f"{name} is not a {self._WHAT} field ({', '.join(self._FIELDS)})")
        r = self.raw.get(name)
        return None if r is None else to_decimal(*r)


def _field_property(name: str, doc: Optional[str] = None) -> property:
    """A read-only attribute for field `name`: ``value(name)``, an exact
    Decimal or None when the venue has not sent it."""
    return property(lambda self: self.value(name), doc=doc or f"The {name} field (value()).")


@dataclass(frozen=True)
class Position(_FieldValues):
    """One account position (DESIGN §9a). ``raw`` maps each field the venue
    sent (see POSITION_FIELDS) to its (value, exp) fixed point; a field the
    venue did not send is absent there and None as a Decimal."""

    _FIELDS = POSITION_FIELDS
    _WHAT = "position"
    venue: str
    instrument: str
    slot: int
    raw: Dict[str, Tuple[int, int]]
    updates: int
    exchange_ts_ns: int
    recv_ts_ns: int
    publish_ts_ns: int
    ring_seq: int
    writer_ok: bool

    def text(self) -> Dict[str, Optional[str]]:
        """Every field as canonical decimal text (None when unknown), like
        `wirebook positions --json`."""
        return {name: (None if name not in self.raw else format_decimal(*self.raw[name]))
                for name in POSITION_FIELDS}

    quantity = _field_property("quantity", "Signed: long > 0 > short.")
    entry_price = _field_property("entry_price")
    pnl = _field_property("pnl")
    liquidation_price = _field_property("liquidation_price")
    margin = _field_property("margin")
    leverage = _field_property("leverage")


@dataclass(frozen=True)
class Reference(_FieldValues):
    """An instrument's reference data (DESIGN §9a): mark, index, funding rate
    and next funding time, open interest. ``raw`` maps each field the venue
    sent so far to its (value, exp) fixed point; next_funding_time is
    nanoseconds since the Unix epoch (exp 0). A field never sent is absent."""

    _FIELDS = REFERENCE_FIELDS
    _WHAT = "reference"
    venue: str
    symbol: str
    raw: Dict[str, Tuple[int, int]]
    updates: int
    exchange_ts_ns: int
    recv_ts_ns: int
    publish_ts_ns: int
    ring_seq: int
    writer_ok: bool

    mark_price = _field_property("mark_price")
    index_price = _field_property("index_price")
    funding_rate = _field_property("funding_rate")

    @property
    def next_funding_time_ns(self) -> Optional[int]:
        r = self.raw.get("next_funding_time")
        return None if r is None else r[0]

    open_interest = _field_property("open_interest")


@dataclass(frozen=True)
class Event:
    """One ring event; field meaning depends on ``type`` (see shm/README.md)."""

    seq: int
    type: str
    instrument: int
    symbol: str
    side: str
    px_exp: int
    qty_exp: int
    px_raw: int
    qty_raw: int
    aux0: int
    aux1: int
    exchange_ts_ns: int
    recv_ts_ns: int

    @property
    def px(self) -> Decimal:
        return to_decimal(self.px_raw, self.px_exp)

    @property
    def qty(self) -> Decimal:
        return to_decimal(self.qty_raw, self.qty_exp)


@dataclass(frozen=True)
class Poll:
    """Result of Venue.poll: kind is "event" (``event`` set), "nothing",
    "lapped" (``lost`` events were overwritten before they were read: re-read
    the books) or "reset" (the writer restarted: re-read the books)."""

    kind: str
    event: Optional[Event] = None
    lost: int = 0


class Cursor:
    """A position in a venue's event ring (from Venue.cursor_at_head / cursor_from)."""

    def __init__(self, c: _native.Cursor):
        self._c = c

    @property
    def next_seq(self) -> int:
        return self._c.next


class _Handle:
    """A C ABI handle, closed by its ``_CLOSE`` function (a ``wb_*_close``) on
    ``close()``, at the end of a ``with`` block, or when collected."""

    _CLOSE = ""
    _h = None

    def close(self) -> None:
        if self._h:
            getattr(library(), self._CLOSE)(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass


class Venue(_Handle):
    """One venue segment: instruments, books, the event ring and liveness."""

    _CLOSE = "wb_venue_close"

    def __init__(self, handle, dir_: str, name: str):
        self._h = handle
        self.dir = dir_
        self.name = name
        self._levels = 0
        self._bids = self._asks = None

    @classmethod
    def open(cls, dir_: str, venue: str, expected_uid: int = -1) -> "Venue":
        """Opens <dir>/venue-<venue>; raises OpenError."""
        lib = library()
        h = ctypes.c_void_p()
        rc = lib.wb_venue_open(dir_.encode(), venue.encode(), expected_uid, ctypes.byref(h))
        if rc != 0:
            raise OpenError(rc, f"venue {venue} in {dir_}")
        return cls(h, dir_, venue)

    # ---- instruments ----
    @property
    def instruments(self) -> List[str]:
        lib = library()
        return [lib.wb_symbol(self._h, i).decode() for i in range(lib.wb_instrument_count(self._h))]

    def symbols(self) -> List[str]:
        """The venue's symbols in segment order (the same list as ``instruments``)."""
        return self.instruments

    @property
    def depth(self) -> int:
        return library().wb_depth(self._h)

    def find(self, symbol: str) -> Optional[int]:
        lib = library()
        i = lib.wb_find(self._h, symbol.encode())
        return None if i >= lib.wb_instrument_count(self._h) else i

    def _index(self, symbol) -> int:
        if isinstance(symbol, int):
            return symbol
        i = self.find(symbol)
        if i is None:
            raise KeyError(f"{symbol} is not an instrument of venue {self.name}")
        return i

    # ---- books ----
    def bbo(self, symbol) -> Optional[Bbo]:
        """Best bid/ask of a symbol (or instrument index); None if never published."""
        i = self._index(symbol)
        b = _native.Bbo()
        rc = library().wb_read_bbo(self._h, i, ctypes.byref(b))
        if rc == _READ_EMPTY:
            return None
        if rc != _READ_OK:
            raise RuntimeError(f"read_bbo({symbol}) failed: {rc}")
        return Bbo(library().wb_symbol(self._h, i).decode(), STATUSES[b.status], _flags(b.flags),
                   b.version, b.ts_exchange_ns, b.px_exp, b.qty_exp, b.bid.px, b.bid.qty,
                   b.ask.px, b.ask.qty, b.bid_count > 0, b.ask_count > 0, bool(b.writer_ok),
                   bool(b.trusted))

    def book(self, symbol, depth: Optional[int] = None) -> Optional[Book]:
        """Top `depth` levels per side (default: all the segment holds); None if
        never published."""
        lib = library()
        i = self._index(symbol)
        n = self.depth if depth is None else max(0, min(depth, self.depth))
        if n != self._levels:
            self._bids, self._asks, self._levels = (_native.Level * n)(), (_native.Level * n)(), n
        b = _native.Book()
        rc = lib.wb_read_book(self._h, i, ctypes.byref(b), self._bids, self._asks, n)
        if rc == _READ_EMPTY:
            return None
        if rc != _READ_OK:
            raise RuntimeError(f"read_book({symbol}) failed: {rc}")
        t = b.top
        return Book(self.name, lib.wb_symbol(self._h, i).decode(), STATUSES[t.status],
                    _flags(t.flags), t.version, b.update_count, t.ts_exchange_ns, b.ts_recv_ns,
                    b.ts_publish_ns, b.ring_seq, t.px_exp, t.qty_exp, bool(t.writer_ok),
                    bool(t.trusted),
                    [(self._bids[k].px, self._bids[k].qty) for k in range(b.bids)],
                    [(self._asks[k].px, self._asks[k].qty) for k in range(b.asks)])

    # ---- positions ----
    @property
    def position_capacity(self) -> int:
        return library().wb_position_capacity(self._h)

    def positions(self) -> List[Position]:
        """Every position published so far, in slot order."""
        out = []
        for slot in range(library().wb_position_count(self._h)):
            p = self._read_position(slot)
            if p is not None:
                out.append(p)
        return out

    def position(self, instrument: str) -> Optional[Position]:
        """The position in `instrument` (the venue's name); None when there is none."""
        slot = library().wb_find_position(self._h, instrument.encode())
        return None if slot >= self.position_capacity else self._read_position(slot)

    def _read_position(self, slot: int) -> Optional[Position]:
        p = _native.Position()
        rc = library().wb_read_position(self._h, slot, ctypes.byref(p))
        if rc == _READ_EMPTY:
            return None
        if rc != _READ_OK:
            raise RuntimeError(f"read_position({slot}) failed: {rc}")
        raw = {name: (p.value[k], p.exp[k]) for k, name in enumerate(POSITION_FIELDS)
               if p.known & (1 << k)}
        return Position(self.name, p.instrument.decode(), slot, raw, p.update_count,
                        p.ts_exchange_ns, p.ts_recv_ns, p.ts_publish_ns, p.ring_seq,
                        bool(p.writer_ok))

    # ---- reference data ----
    def reference(self, symbol) -> Optional[Reference]:
        """Reference data of a book (its symbol or index); None until the venue
        sent any. Retries a slot the writer keeps rewriting, then BlockingIOError."""
        index = self._index(symbol)
        r = _native.Reference()
        for _ in range(_BUSY_RETRIES):
            rc = library().wb_read_reference(self._h, index, ctypes.byref(r))
            if rc != _READ_BUSY:
                break
        if rc == _READ_EMPTY:
            return None
        if rc == _READ_BUSY:
            raise BlockingIOError(f"reference {symbol}: the writer kept rewriting the slot")
        if rc != _READ_OK:
            raise RuntimeError(f"read_reference({symbol}) failed: {rc}")
        raw = {name: (r.value[k], r.exp[k]) for k, name in enumerate(REFERENCE_FIELDS)
               if r.known & (1 << k)}
        return Reference(self.name, r.instrument.decode(), raw, r.update_count,
                         r.ts_exchange_ns, r.ts_recv_ns, r.ts_publish_ns, r.ring_seq,
                         bool(r.writer_ok))

    def _event_symbol(self, etype: str, index: int) -> str:
        if etype in ("heartbeat", "none", "unknown"):
            return ""
        if etype == "position":  # the index is a position slot
            p = self._read_position(index)
            return "" if p is None else p.instrument
        return library().wb_symbol(self._h, index).decode()

    # ---- event ring ----
    @property
    def ring_head(self) -> int:
        """Seq of the last complete event (0: none yet)."""
        return library().wb_ring_head(self._h)

    @property
    def ring_capacity(self) -> int:
        return library().wb_ring_capacity(self._h)

    def cursor_at_head(self) -> Cursor:
        """A cursor that sees the events written from now on."""
        return Cursor(library().wb_cursor_at_head(self._h))

    def cursor_from(self, seq: int) -> Cursor:
        """A cursor whose next event is `seq` (a lap is reported if it is gone)."""
        return Cursor(library().wb_cursor_from(self._h, seq))

    def poll(self, cursor: Cursor) -> Poll:
        lib = library()
        ev = _native.Event()
        lost = ctypes.c_uint64(0)
        rc = lib.wb_poll(self._h, ctypes.byref(cursor._c), ctypes.byref(ev), ctypes.byref(lost))
        kind = _POLL[rc]
        if kind != "event":
            return Poll(kind, None, lost.value)
        etype = EVENT_TYPES[ev.type] if ev.type < len(EVENT_TYPES) else "unknown"
        symbol = self._event_symbol(etype, ev.instrument)
        return Poll("event", Event(ev.seq, etype, ev.instrument, symbol,
                                   "bid" if ev.side == 0 else "ask", ev.px_exp, ev.qty_exp,
                                   ev.px, ev.qty, ev.aux0, ev.aux1, ev.ts_exchange_ns,
                                   ev.ts_recv_ns))

    def events(self, cursor: Cursor, limit: int = 4096):
        """Yields Poll results (events, laps, resets) until nothing is left or
        `limit` were yielded."""
        for _ in range(limit):
            p = self.poll(cursor)
            if p.kind == "nothing":
                return
            yield p

    # ---- liveness ----
    def refresh(self) -> str:
        """Re-checks the writer (lock, state, heartbeat) and re-attaches to a
        restarted writer's new segment by itself. Returns one of LIVENESS.
        After a restart ``generation`` differs; look symbols up again."""
        return LIVENESS[library().wb_venue_refresh(self._h)]

    @property
    def generation(self) -> int:
        """Random id of the segment file; a new one means the writer restarted."""
        return library().wb_generation(self._h)


class Instance(_Handle):
    """A daemon instance: its control segment lists the venues."""

    _CLOSE = "wb_instance_close"

    def __init__(self, handle, dir_: str):
        self._h = handle
        self.dir = dir_

    @classmethod
    def open(cls, instance: str = "main", dir: Optional[str] = None) -> "Instance":  # noqa: A002
        """Opens by instance name (/dev/shm/wirebook/<instance>) or directory;
        raises OpenError (code MISSING: no daemon has run there)."""
        d = dir if dir is not None else instance_dir(instance)
        h = ctypes.c_void_p()
        rc = library().wb_instance_open(d.encode(), ctypes.byref(h))
        if rc != 0:
            raise OpenError(rc, f"wirebook instance at {d}")
        return cls(h, d)

    @property
    def venues(self) -> List[str]:
        lib = library()
        return [lib.wb_venue_name(self._h, i).decode() for i in range(lib.wb_venue_count(self._h))]

    def venue(self, name: str) -> Venue:
        if name not in self.venues:
            raise OpenError(OpenError.NOT_FOUND, f"venue {name} in {self.dir}")
        return Venue.open(self.dir, name)

    def refresh(self) -> str:
        """Re-attaches to a restarted daemon's control segment; returns the
        daemon's liveness (one of LIVENESS)."""
        return LIVENESS[library().wb_instance_refresh(self._h)]


@dataclass(frozen=True)
class Member:
    """One member of a consolidated name: its venue's book top (one line)."""

    venue: str
    symbol: str
    status: str
    flags: List[str]
    px_exp: int
    qty_exp: int
    bid_raw: Optional[Tuple[int, int]]  # (px, qty) at px_exp/qty_exp; None: no bid
    ask_raw: Optional[Tuple[int, int]]
    exchange_ts_ns: int
    recv_ts_ns: int
    updates: int
    writer_ok: bool  # daemon alive and the venue thread beating, as of refresh()
    trusted: bool  # writer_ok and status "live"

    def _side(self, raw) -> Optional[Tuple[Decimal, Decimal]]:
        return None if raw is None else (to_decimal(raw[0], self.px_exp),
                                         to_decimal(raw[1], self.qty_exp))

    @property
    def bid(self) -> Optional[Tuple[Decimal, Decimal]]:
        return self._side(self.bid_raw)

    @property
    def ask(self) -> Optional[Tuple[Decimal, Decimal]]:
        return self._side(self.ask_raw)


@dataclass(frozen=True)
class ConsolidatedBbo:
    """Every member of a name and the best bid and ask across the trusted ones."""

    name: str
    members: List[Member]
    best_bid: Optional[Member]  # the member with the highest bid (its .bid)
    best_ask: Optional[Member]  # the member with the lowest ask (its .ask)


class Consolidated(_Handle):
    """The consolidated segment: per ``[[consolidated]]`` name, one line per
    member venue. Call ``refresh()`` every ~100 ms so liveness is current."""

    _CLOSE = "wb_consolidated_close"

    def __init__(self, handle, dir_: str):
        self._h = handle
        self.dir = dir_
        self._raw = _native.ConsolidatedBbo()

    @classmethod
    def open(cls, instance: str = "main", dir: Optional[str] = None,  # noqa: A002
             expected_uid: int = -1) -> "Consolidated":
        """Raises OpenError (MISSING: the instance configures no [[consolidated]])."""
        d = dir if dir is not None else instance_dir(instance)
        h = ctypes.c_void_p()
        rc = library().wb_consolidated_open(d.encode(), expected_uid, ctypes.byref(h))
        if rc != 0:
            raise OpenError(rc, f"consolidated segment in {d}")
        return cls(h, d)

    @property
    def names(self) -> List[str]:
        lib = library()
        return [lib.wb_consolidated_name(self._h, n).decode()
                for n in range(lib.wb_consolidated_name_count(self._h))]

    def read(self, name: str) -> Optional[ConsolidatedBbo]:
        """The name's members and best bid/ask; None for an unknown name.
        Raises BlockingIOError when a line stays busy (a writer that died in
        the middle of a write leaves it so until the daemon restarts)."""
        lib = library()
        n = lib.wb_consolidated_find(self._h, name.encode())
        for _ in range(_BUSY_RETRIES):
            rc = lib.wb_consolidated_read(self._h, n, ctypes.byref(self._raw))
            if rc != _READ_BUSY:
                break
        if rc == _READ_BUSY:
            raise BlockingIOError(f"consolidated {name}: a member line stays busy; refresh()")
        if rc != _READ_OK:
            return None
        raw = self._raw
        members = [self._member(n, k, raw.member[k]) for k in range(raw.members)]

        def pick(k: int) -> Optional[Member]:
            return None if k == _native.NO_MEMBER else members[k]

        return ConsolidatedBbo(name, members, pick(raw.best_bid), pick(raw.best_ask))

    def _member(self, n: int, k: int, m: _native.Member) -> Member:
        lib = library()
        return Member(
            venue=lib.wb_consolidated_member_venue(self._h, n, k).decode(),
            symbol=lib.wb_consolidated_member_symbol(self._h, n, k).decode(),
            status=STATUSES[m.status] if m.status < len(STATUSES) else "unknown",
            flags=_flags(m.flags), px_exp=m.px_exp, qty_exp=m.qty_exp,
            bid_raw=(m.bid.px, m.bid.qty) if m.bid_count > 0 else None,
            ask_raw=(m.ask.px, m.ask.qty) if m.ask_count > 0 else None,
            exchange_ts_ns=m.ts_exchange_ns, recv_ts_ns=m.ts_recv_ns, updates=m.update_count,
            writer_ok=bool(m.writer_ok), trusted=bool(m.trusted))

    def refresh(self) -> str:
        """Re-checks the daemon and every member's venue thread; one of LIVENESS."""
        return LIVENESS[library().wb_consolidated_refresh(self._h)]
