"""The Python reader against segments written by the C++ test writer: the same
books as the C++ reader (`wirebook dump --json`) and as written, events and
laps, restarts, errors, positions, and the bbo_watch example."""

import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest

import wirebook
from conftest import TIMEOUT_S, dump_json, env_path, run_cli, wait_until

BTC_BIDS = [["56749.15", "1.03895025"], ["56749", "0.5"], ["56748.5", "0.00000001"],
            ["56000", "1"]]
BTC_ASKS = [["56749.2", "2"], ["56750", "0.12345678"]]


def test_format_decimal_is_canonical():
    cases = [((5674915, -2), "56749.15"), ((5674900, -2), "56749"), ((1, -8), "0.00000001"),
             ((0, -8), "0"), ((0, 3), "0"), ((5, 2), "500"), ((-150, -2), "-1.5"),
             ((-1, -3), "-0.001"), ((9223372036854775807, -18), "9.223372036854775807")]
    for (value, exp), text in cases:
        assert wirebook.format_decimal(value, exp) == text
        assert wirebook.to_decimal(value, exp) == Decimal(value).scaleb(exp)


def test_instance_lists_venues_and_instruments(start_writer, instance_dir):
    start_writer("books")
    with wirebook.Instance.open(dir=instance_dir) as inst:
        assert inst.venues == ["alpha", "beta"]
        assert inst.refresh() == "alive"
        alpha = inst.venue("alpha")
        assert alpha.instruments == ["SPOT_BTC_USDT", "SPOT_ETH_USDT"]
        assert alpha.depth == 12
        assert alpha.find("SPOT_ETH_USDT") == 1
        assert alpha.find("NOPE") is None
        assert inst.venue("beta").instruments == ["BTC-PERP"]
        with pytest.raises(wirebook.OpenError) as e:
            inst.venue("gamma")
        assert e.value.code == wirebook.OpenError.NOT_FOUND


def test_books_are_those_of_the_cpp_reader(start_writer, instance_dir):
    start_writer("books")
    dumped = dump_json(instance_dir)
    assert len(dumped) == 3
    inst = wirebook.Instance.open(dir=instance_dir)
    venues = {name: inst.venue(name) for name in inst.venues}
    for d in dumped:
        v = venues[d["venue"]]
        assert v.refresh() == "alive"
        b = v.book(d["symbol"])
        assert (b.venue, b.symbol, b.status, b.flags) == (d["venue"], d["symbol"], d["status"],
                                                          d["flags"])
        assert (b.version, b.updates) == (d["version"], d["updates"])
        assert (b.exchange_ts_ns, b.recv_ts_ns, b.publish_ts_ns) == (
            d["exchange_ts_ns"], d["recv_ts_ns"], d["publish_ts_ns"])
        assert b.bids_text() == d["bids"]
        assert b.asks_text() == d["asks"]
        assert b.bids == [(Decimal(p), Decimal(q)) for p, q in d["bids"]]
        assert b.trusted


def test_book_values_are_those_written(start_writer, instance_dir):
    start_writer("books")
    v = wirebook.Venue.open(instance_dir, "alpha")
    b = v.book("SPOT_BTC_USDT")
    assert b.bids_text() == BTC_BIDS and b.asks_text() == BTC_ASKS
    assert (b.px_exp, b.qty_exp, b.version) == (-2, -8, 123)
    assert b.bids_raw[0] == (5674915, 103895025)
    assert v.book("SPOT_BTC_USDT", depth=1).asks == [(Decimal("56749.2"), Decimal("2"))]
    eth = v.book(1)
    assert eth.bids_text() == [["3000.1234", "500"]]
    assert eth.asks_text() == [["3001", "1200"], ["3002", "100"]]
    # beta holds 5 levels per side: the 7 written bids are cut to the best 5.
    perp = wirebook.Venue.open(instance_dir, "beta").book("BTC-PERP")
    assert [p for p, _ in perp.bids_text()] == ["56749.1", "56749", "56748", "56747", "56746"]

    bbo = v.bbo("SPOT_BTC_USDT")
    assert bbo.trusted and bbo.status == "live" and bbo.flags == []
    assert (bbo.bid_px, bbo.bid_qty) == (Decimal("56749.15"), Decimal("1.03895025"))
    assert (bbo.ask_px, bbo.ask_qty) == (Decimal("56749.2"), Decimal("2"))
    with pytest.raises(KeyError):
        v.bbo("NOPE")


def test_book_as_numpy_arrays(start_writer, instance_dir):
    np = pytest.importorskip("numpy")
    start_writer("books")
    b = wirebook.Venue.open(instance_dir, "alpha").book("SPOT_BTC_USDT")
    bids, asks = b.arrays()
    assert bids.dtype == np.int64 and bids.shape == (4, 2) and asks.shape == (2, 2)
    assert bids[0].tolist() == [5674915, 103895025]
    assert asks[:, 0].tolist() == [5674920, 5675000]


def test_a_status_change_is_seen_and_untrusted(start_writer, instance_dir):
    start_writer("notlive")
    v = wirebook.Venue.open(instance_dir, "beta")
    b = v.book("BTC-PERP")
    assert b.status == "resyncing" and not b.trusted
    # The STATUS event is in the ring.
    polled = list(v.events(v.cursor_from(1)))
    assert [p.kind for p in polled] == ["event"]
    ev = polled[0].event
    assert (ev.seq, ev.type, ev.symbol, ev.aux0) == (1, "status", "BTC-PERP", 3)


def test_positions_are_those_of_the_cli_and_as_written(start_writer, instance_dir):
    start_writer("positions")
    r = run_cli("positions", "--json", "--dir", instance_dir)
    assert r.returncode == 0, r.stderr
    cli = [json.loads(line) for line in r.stdout.splitlines()]
    v = wirebook.Venue.open(instance_dir, "alpha")
    assert v.refresh() == "alive"
    got = v.positions()
    assert [p.instrument for p in got] == ["BTC-USD-SWAP-LIN", "ETH-USD-SWAP-LIN"]
    for p, d in zip(got, cli):
        assert (p.venue, p.instrument, p.updates) == (d["venue"], d["instrument"], d["updates"])
        assert (p.exchange_ts_ns, p.recv_ts_ns, p.publish_ts_ns) == (
            d["exchange_ts_ns"], d["recv_ts_ns"], d["publish_ts_ns"])
        assert p.text() == {name: d[name] for name in wirebook.POSITION_FIELDS}
        assert p.writer_ok
    # The values written by the test writer (tests/tools/known_books.hpp).
    btc = v.position("BTC-USD-SWAP-LIN")
    assert (btc.quantity, btc.entry_price, btc.pnl) == (Decimal("0.5"), Decimal("43210.5"),
                                                        Decimal("-12.25"))
    assert (btc.liquidation_price, btc.margin, btc.leverage) == (Decimal("30000"),
                                                                 Decimal("2160.525"), Decimal(10))
    assert btc.raw["liquidation_price"] == (3, 4)
    assert btc.updates == 2 and btc.slot == 0
    eth = v.position("ETH-USD-SWAP-LIN")
    assert eth.quantity == Decimal(-3)
    assert (eth.pnl, eth.liquidation_price, eth.leverage) == (None, None, None)
    assert v.position("NOPE") is None
    assert wirebook.Venue.open(instance_dir, "beta").positions() == []
    with pytest.raises(KeyError):
        eth.value("price")


def test_reference_data_is_that_of_the_cli_and_as_written(start_writer, instance_dir):
    start_writer("reference")
    r = run_cli("dump", "--json", "--dir", instance_dir, "--venue", "alpha")
    assert r.returncode == 0, r.stderr
    cli = json.loads(r.stdout.splitlines()[0])["reference"]
    v = wirebook.Venue.open(instance_dir, "alpha")
    assert v.refresh() == "alive"
    ref = v.reference("SPOT_BTC_USDT")
    # The values written by the test writer (tests/tools/known_books.hpp).
    assert (ref.mark_price, ref.index_price) == (Decimal("56749.5"), Decimal("56750.25"))
    assert (ref.funding_rate, ref.open_interest) == (Decimal("0.0001"), Decimal("1234.5"))
    assert ref.next_funding_time_ns == 1700028800000000000
    assert ref.raw["mark_price"] == (567495, -1)
    assert (ref.symbol, ref.updates, ref.writer_ok) == ("SPOT_BTC_USDT", 2, True)
    assert (ref.exchange_ts_ns, ref.recv_ts_ns) == (cli["exchange_ts_ns"], cli["recv_ts_ns"])
    for name in ("mark_price", "index_price", "funding_rate", "open_interest"):
        assert str(ref.value(name)) == cli[name]
    assert ref.next_funding_time_ns == cli["next_funding_time_ns"]
    assert v.reference(1) is None  # nothing published for the other book
    types = [p.event.type for p in v.events(v.cursor_from(1)) if p.kind == "event"]
    assert types.count("reference") == 2
    with pytest.raises(KeyError):
        ref.value("price")


def test_consolidated_bbo_is_that_of_the_cli_and_as_written(start_writer, instance_dir):
    start_writer("consolidated")
    r = run_cli("consolidated", "--json", "--dir", instance_dir)
    assert r.returncode == 0, r.stderr
    cli = json.loads(r.stdout)
    c = wirebook.Consolidated.open(dir=instance_dir)
    assert c.refresh() == "alive"
    assert c.names == ["BTC"]
    got = c.read("BTC")
    assert [(m.venue, m.symbol) for m in got.members] == [("alpha", "SPOT_BTC_USDT"),
                                                          ("beta", "BTC-PERP")]
    assert all(m.trusted and m.status == "live" for m in got.members)
    # The known books (tests/tools/known_books.hpp): alpha 56749.15 / 56749.2, beta 56749.1 / 56750.
    assert got.members[1].bid == (Decimal("56749.1"), Decimal("1.5"))
    assert got.best_bid.venue == "alpha" and got.best_bid.bid == (Decimal("56749.15"),
                                                                   Decimal("1.03895025"))
    assert got.best_ask.venue == "alpha" and got.best_ask.ask[0] == Decimal("56749.2")
    assert cli["best_bid"] == {"venue": "alpha", "symbol": "SPOT_BTC_USDT", "px": "56749.15",
                               "qty": "1.03895025"}
    assert [m["bid"] for m in cli["members"]] == [["56749.15", "1.03895025"], ["56749.1", "1.5"]]
    assert c.read("ETH") is None
    with pytest.raises(wirebook.OpenError):
        wirebook.Consolidated.open(dir=str(instance_dir) + "-none")


def test_position_events_name_their_instrument(start_writer, instance_dir):
    start_writer("positions")
    v = wirebook.Venue.open(instance_dir, "alpha")
    events = [p.event for p in v.events(v.cursor_from(1))]
    assert [(e.type, e.symbol, e.instrument, e.aux0) for e in events] == [
        ("position", "BTC-USD-SWAP-LIN", 0, 1), ("position", "BTC-USD-SWAP-LIN", 0, 2),
        ("position", "ETH-USD-SWAP-LIN", 1, 1)]
    assert [e.qty for e in events] == [Decimal(1), Decimal("0.5"), Decimal(-3)]


def test_poll_reports_a_lap_with_the_exact_loss(start_writer, instance_dir):
    w = start_writer("lap")
    assert w.fields["alpha_head"] == "1000"
    v = wirebook.Venue.open(instance_dir, "alpha")
    assert (v.ring_head, v.ring_capacity) == (1000, 64)
    c = v.cursor_from(1)
    first = v.poll(c)
    assert (first.kind, first.lost) == ("lapped", 999)
    ev = v.poll(c).event
    assert (ev.seq, ev.type, ev.symbol, ev.side) == (1000, "level", "SPOT_BTC_USDT", "bid")
    assert (ev.px, ev.qty) == (Decimal("56759.15"), Decimal("0.00001"))
    assert v.poll(c).kind == "nothing"
    # Still in the ring: every event, in order.
    seqs = [p.event.seq for p in v.events(v.cursor_from(990))]
    assert seqs == list(range(990, 1001))


def test_cursor_at_head_sees_only_new_events(start_writer, instance_dir):
    start_writer("stream")
    v = wirebook.Venue.open(instance_dir, "alpha")
    assert wait_until(lambda: v.ring_head >= 100)
    c = v.cursor_at_head()
    start = c.next_seq
    got = []
    assert wait_until(lambda: got.extend(p.event.seq for p in v.events(c)) or len(got) >= 20)
    assert got[0] == start and got == list(range(start, start + len(got)))


def test_a_writer_restart_is_detected(start_writer, instance_dir):
    w1 = start_writer("books")
    v = wirebook.Venue.open(instance_dir, "alpha")
    inst = wirebook.Instance.open(dir=instance_dir)
    assert v.generation == w1.generation("alpha")
    c = v.cursor_at_head()
    assert w1.stop(9) == -9
    assert wait_until(lambda: v.refresh() == "dead")
    assert inst.refresh() == "dead"
    assert not v.bbo("SPOT_BTC_USDT").trusted  # the books stay readable, flagged
    w2 = start_writer("notlive")
    assert wait_until(lambda: v.refresh() == "alive")
    assert v.generation == w2.generation("alpha") != w1.generation("alpha")
    assert v.poll(c).kind == "reset"
    assert v.book("SPOT_BTC_USDT").trusted
    assert inst.refresh() == "alive"
    assert wirebook.Venue.open(instance_dir, "beta").book("BTC-PERP").status == "resyncing"


def test_open_errors_are_exceptions_with_codes(tmp_path):
    with pytest.raises(wirebook.OpenError) as e:
        wirebook.Instance.open(dir=str(tmp_path / "none"))
    assert e.value.code == wirebook.OpenError.MISSING
    assert "segment not found" in str(e.value)
    d = tmp_path / "fake"
    d.mkdir(mode=0o750)
    (d / "venue-x").write_bytes(b"WIREBOOK" + b"\x63" * 600)
    os.chmod(d / "venue-x", 0o640)
    with pytest.raises(wirebook.OpenError) as e:
        wirebook.Venue.open(str(d), "x")
    assert e.value.code == wirebook.OpenError.INCOMPATIBLE_MAJOR
    assert wirebook.instance_dir("main") == "/dev/shm/wirebook/main"


def test_bbo_watch_example(start_writer, instance_dir):
    start_writer("books")
    example = os.path.join(env_path("WIREBOOK_SOURCE_ROOT"), "examples", "python", "bbo_watch.py")
    r = subprocess.run([sys.executable, example, "--dir", instance_dir, "alpha", "SPOT_BTC_USDT",
                        "--count", "1"], capture_output=True, text=True, timeout=TIMEOUT_S)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "alpha SPOT_BTC_USDT bid 56749.15 x 1.03895025 ask 56749.2 x 2\n"
    r = subprocess.run([sys.executable, example, "--dir", instance_dir, "alpha", "NOPE"],
                       capture_output=True, text=True, timeout=TIMEOUT_S)
    assert r.returncode == 2 and "no NOPE on alpha" in r.stderr


def test_readme_example(start_writer, instance_dir):
    example = os.path.join(env_path("WIREBOOK_SOURCE_ROOT"), "examples", "python", "best_bid_ask.py")
    start_writer("notlive")
    r = subprocess.run([sys.executable, example, instance_dir, "alpha", "SPOT_BTC_USDT"],
                       capture_output=True, text=True, timeout=TIMEOUT_S)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "bid 56749.15 x 1.03895025 ask 56749.2 x 2\n"
    r = subprocess.run([sys.executable, example, instance_dir, "beta", "BTC-PERP"],
                       capture_output=True, text=True, timeout=TIMEOUT_S)
    assert r.returncode == 2  # resyncing: not trusted, not printed
