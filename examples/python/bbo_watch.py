#!/usr/bin/env python3
"""Prints the best bid/ask of one book whenever it changes.

    PYTHONPATH=python examples/python/bbo_watch.py woo SPOT_BTC_USDT
    examples/python/bbo_watch.py --dir /dev/shm/wirebook/main woo SPOT_BTC_USDT --count 1

Follows a restarted daemon by itself (a new generation) and says when the
book is not trustworthy. Exits 0 after --count lines, on Ctrl-C, or 2 when
the venue or symbol does not exist.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import wirebook  # noqa: E402


def line(venue: str, bbo: wirebook.Bbo) -> str:
    if not bbo.trusted:
        return f"{venue} {bbo.symbol} NOT TRUSTED (status {bbo.status})"
    return (f"{venue} {bbo.symbol} bid {bbo.bid_px} x {bbo.bid_qty} "
            f"ask {bbo.ask_px} x {bbo.ask_qty}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("venue")
    ap.add_argument("symbol")
    ap.add_argument("--instance", default="main")
    ap.add_argument("--dir", help="instance directory (default /dev/shm/wirebook/<instance>)")
    ap.add_argument("--count", type=int, default=0, help="stop after this many lines (0: never)")
    ap.add_argument("--interval", type=float, default=0.01, help="seconds between reads")
    a = ap.parse_args()
    d = a.dir or wirebook.instance_dir(a.instance)
    try:
        venue = wirebook.Venue.open(d, a.venue)
    except wirebook.OpenError as e:
        print(f"bbo_watch: {e}", file=sys.stderr)
        return 2 if e.code == wirebook.OpenError.MISSING else 1
    if venue.find(a.symbol) is None:
        print(f"bbo_watch: no {a.symbol} on {a.venue}", file=sys.stderr)
        return 2
    printed, last, next_refresh = 0, None, 0.0
    try:
        while a.count == 0 or printed < a.count:
            if time.monotonic() >= next_refresh:  # cold: liveness, restart
                venue.refresh()
                next_refresh = time.monotonic() + 0.05
            bbo = venue.bbo(a.symbol) if venue.find(a.symbol) is not None else None
            text = line(a.venue, bbo) if bbo else f"{a.venue} {a.symbol} not published yet"
            if text != last:
                print(text, flush=True)
                last, printed = text, printed + 1
            time.sleep(a.interval)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
