"""ctypes bindings of the C ABI in ``wirebook/reader.h`` (``libwirebook_reader.so``).

Internal: use the classes in :mod:`wirebook` instead. The structures mirror the
header field for field; keep them in the same order when the header grows.
"""

import ctypes
import ctypes.util
import os

LIB_ENV = "WIREBOOK_READER_LIB"
_LIB_NAMES = ("libwirebook_reader.so.1", "libwirebook_reader.so")


class Level(ctypes.Structure):
    _fields_ = [("px", ctypes.c_int64), ("qty", ctypes.c_int64)]


class Bbo(ctypes.Structure):
    _fields_ = [
        ("status", ctypes.c_uint8),
        ("flags", ctypes.c_uint8),
        ("px_exp", ctypes.c_int8),
        ("qty_exp", ctypes.c_int8),
        ("bid_count", ctypes.c_uint16),
        ("ask_count", ctypes.c_uint16),
        ("version", ctypes.c_uint64),
        ("ts_exchange_ns", ctypes.c_int64),
        ("bid", Level),
        ("ask", Level),
        ("writer_ok", ctypes.c_int),
        ("trusted", ctypes.c_int),
    ]


class Book(ctypes.Structure):
    _fields_ = [
        ("top", Bbo),
        ("ts_recv_ns", ctypes.c_int64),
        ("ts_publish_ns", ctypes.c_int64),
        ("update_count", ctypes.c_uint64),
        ("ring_seq", ctypes.c_uint64),
        ("bids", ctypes.c_uint32),
        ("asks", ctypes.c_uint32),
    ]


class Event(ctypes.Structure):
    _fields_ = [
        ("seq", ctypes.c_uint64),
        ("type", ctypes.c_uint8),
        ("side", ctypes.c_uint8),
        ("px_exp", ctypes.c_int8),
        ("qty_exp", ctypes.c_int8),
        ("instrument", ctypes.c_uint32),
        ("ts_exchange_ns", ctypes.c_int64),
        ("ts_recv_ns", ctypes.c_int64),
        ("px", ctypes.c_int64),
        ("qty", ctypes.c_int64),
        ("aux0", ctypes.c_int64),
        ("aux1", ctypes.c_int64),
    ]


def _field_slot(fields: int):
    """The ctypes struct of wb_position / wb_reference (same shape, `fields` values)."""
    class FieldSlot(ctypes.Structure):
        _fields_ = [
            ("instrument", ctypes.c_char * 48),
            ("known", ctypes.c_uint16),
            ("exp", ctypes.c_int8 * fields),
            ("value", ctypes.c_int64 * fields),
            ("ts_exchange_ns", ctypes.c_int64),
            ("ts_recv_ns", ctypes.c_int64),
            ("ts_publish_ns", ctypes.c_int64),
            ("update_count", ctypes.c_uint64),
            ("ring_seq", ctypes.c_uint64),
            ("writer_ok", ctypes.c_int),
        ]
    return FieldSlot


POSITION_FIELDS = 6  # WB_POS_FIELDS
Position = _field_slot(POSITION_FIELDS)
REFERENCE_FIELDS = 5  # WB_REF_FIELDS
Reference = _field_slot(REFERENCE_FIELDS)


MAX_MEMBERS = 16  # WB_MAX_MEMBERS
NO_MEMBER = 0xFFFFFFFF  # WB_NO_MEMBER


class Member(ctypes.Structure):
    _fields_ = [
        ("status", ctypes.c_uint8),
        ("flags", ctypes.c_uint8),
        ("px_exp", ctypes.c_int8),
        ("qty_exp", ctypes.c_int8),
        ("bid_count", ctypes.c_uint16),
        ("ask_count", ctypes.c_uint16),
        ("bid", Level),
        ("ask", Level),
        ("ts_exchange_ns", ctypes.c_int64),
        ("ts_recv_ns", ctypes.c_int64),
        ("ts_publish_ns", ctypes.c_int64),
        ("update_count", ctypes.c_uint64),
        ("writer_ok", ctypes.c_int),
        ("trusted", ctypes.c_int),
    ]


class ConsolidatedBbo(ctypes.Structure):
    _fields_ = [
        ("members", ctypes.c_uint32),
        ("best_bid", ctypes.c_uint32),
        ("best_ask", ctypes.c_uint32),
        ("member", Member * MAX_MEMBERS),
    ]


class Cursor(ctypes.Structure):
    _fields_ = [("next", ctypes.c_uint64), ("generation", ctypes.c_uint64)]


_chosen = None  # set by use_library()


def use_library(path: str) -> None:
    """Loads the C library from `path` instead of searching (call before first use)."""
    global _chosen
    _chosen = path


def _candidates():
    if _chosen:
        yield _chosen
        return
    env = os.environ.get(LIB_ENV)
    if env:
        yield env
        return
    here = os.path.dirname(os.path.abspath(__file__))
    for d in (here, os.path.dirname(here)):
        for name in _LIB_NAMES:
            path = os.path.join(d, name)
            if os.path.exists(path):
                yield path
    found = ctypes.util.find_library("wirebook_reader")
    if found:
        yield found


def load_library():
    """Loads the C library: use_library()'s path, else $WIREBOOK_READER_LIB, else
    next to the package, else the system's library path (ctypes.util.find_library)."""
    errors = []
    for path in _candidates():
        try:
            return _declare(ctypes.CDLL(path))
        except OSError as e:
            errors.append(f"{path}: {e}")
    where = "; ".join(errors) if errors else "not found"
    raise OSError(
        f"libwirebook_reader.so not found ({where}); set {LIB_ENV} to its path, "
        "or install the wirebook reader library"
    )


def _fn(lib, name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)


def _declare(lib):
    c = ctypes
    venue_p = c.c_void_p
    inst_p = c.c_void_p
    _fn(lib, "wb_error_string", c.c_char_p, c.c_int)
    _fn(lib, "wb_status_string", c.c_char_p, c.c_int)
    _fn(lib, "wb_liveness_string", c.c_char_p, c.c_int)
    _fn(lib, "wb_default_dir", c.c_uint32, c.c_char_p, c.c_char_p, c.c_uint32)
    _fn(lib, "wb_venue_open", c.c_int, c.c_char_p, c.c_char_p, c.c_int64, c.POINTER(venue_p))
    _fn(lib, "wb_venue_close", None, venue_p)
    _fn(lib, "wb_instrument_count", c.c_uint32, venue_p)
    _fn(lib, "wb_depth", c.c_uint32, venue_p)
    _fn(lib, "wb_symbol", c.c_char_p, venue_p, c.c_uint32)
    _fn(lib, "wb_find", c.c_uint32, venue_p, c.c_char_p)
    _fn(lib, "wb_generation", c.c_uint64, venue_p)
    _fn(lib, "wb_read_bbo", c.c_int, venue_p, c.c_uint32, c.POINTER(Bbo))
    _fn(lib, "wb_read_book", c.c_int, venue_p, c.c_uint32, c.POINTER(Book),
        c.POINTER(Level), c.POINTER(Level), c.c_uint32)
    _fn(lib, "wb_position_capacity", c.c_uint32, venue_p)
    _fn(lib, "wb_position_count", c.c_uint32, venue_p)
    _fn(lib, "wb_find_position", c.c_uint32, venue_p, c.c_char_p)
    _fn(lib, "wb_read_position", c.c_int, venue_p, c.c_uint32, c.POINTER(Position))
    _fn(lib, "wb_position_field_name", c.c_char_p, c.c_int)
    _fn(lib, "wb_read_reference", c.c_int, venue_p, c.c_uint32, c.POINTER(Reference))
    _fn(lib, "wb_reference_field_name", c.c_char_p, c.c_int)
    _fn(lib, "wb_ring_head", c.c_uint64, venue_p)
    _fn(lib, "wb_ring_capacity", c.c_uint32, venue_p)
    _fn(lib, "wb_cursor_at_head", Cursor, venue_p)
    _fn(lib, "wb_cursor_from", Cursor, venue_p, c.c_uint64)
    _fn(lib, "wb_poll", c.c_int, venue_p, c.POINTER(Cursor), c.POINTER(Event),
        c.POINTER(c.c_uint64))
    _fn(lib, "wb_venue_refresh", c.c_int, venue_p)
    _fn(lib, "wb_instance_open", c.c_int, c.c_char_p, c.POINTER(inst_p))
    _fn(lib, "wb_instance_close", None, inst_p)
    _fn(lib, "wb_venue_count", c.c_uint32, inst_p)
    _fn(lib, "wb_venue_name", c.c_char_p, inst_p, c.c_uint32)
    _fn(lib, "wb_instance_refresh", c.c_int, inst_p)
    cons_p = c.c_void_p
    _fn(lib, "wb_consolidated_open", c.c_int, c.c_char_p, c.c_int64, c.POINTER(cons_p))
    _fn(lib, "wb_consolidated_close", None, cons_p)
    _fn(lib, "wb_consolidated_name_count", c.c_uint32, cons_p)
    _fn(lib, "wb_consolidated_name", c.c_char_p, cons_p, c.c_uint32)
    _fn(lib, "wb_consolidated_find", c.c_uint32, cons_p, c.c_char_p)
    _fn(lib, "wb_consolidated_member_count", c.c_uint32, cons_p, c.c_uint32)
    _fn(lib, "wb_consolidated_member_venue", c.c_char_p, cons_p, c.c_uint32, c.c_uint32)
    _fn(lib, "wb_consolidated_member_symbol", c.c_char_p, cons_p, c.c_uint32, c.c_uint32)
    _fn(lib, "wb_consolidated_read", c.c_int, cons_p, c.c_uint32, c.POINTER(ConsolidatedBbo))
    _fn(lib, "wb_consolidated_refresh", c.c_int, cons_p)
    return lib
