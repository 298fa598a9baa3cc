#!/usr/bin/env python3
"""Generates the `tools/dev bench` report's input streams as JSONL (one frame
per line), deterministic from --seed:

  woo.jsonl    WOO X v2 (PROTOCOLS §1.5): one `request` orderbook reply per
               symbol (the snapshot, aligned on data.ts), then
               `{SYM}@orderbookupdate` deltas whose data.prevTs is the previous
               delta's envelope ts; levels [price, size] as JSON numbers.
  pulse.jsonl  Pulse / Deribit (PROTOCOLS §2.4): one `book.{SYM}.raw` snapshot
               notification per symbol, then "change" notifications chained by
               prev_change_id; entries ["new"|"change"|"delete", price, amount].
  truth.json   each symbol's final best bid and ask (price and size as printed),
               from the generator's own books, for the consumers' check.

Every stream has exactly --frames lines (snapshots included). Level changes
concentrate near the touch (geometric offsets from a fixed mid), a quarter of
them deletes, as in bench/feeds/woo_bench.cpp and pulse_bench.cpp.
"""
import argparse
import json
import os
import random

WOO_SYMBOLS = ["SPOT_BTC_USDT", "PERP_BTC_USDT", "SPOT_ETH_USDT", "PERP_ETH_USDT"]
PULSE_SYMBOLS = ["BTC-PERPETUAL", "ETH-PERPETUAL", "BTC_USDC-PERPETUAL", "SOL_USDC-PERPETUAL"]
DEPTH = 200  # levels per side in each snapshot
MID = 5_000_000  # price in cents (50,000.00)


def price_text(cents):
    return f"{cents // 100}.{cents % 100:02d}"


def qty_text(units):  # units of 1e-4
    text = f"{units // 10000}.{units % 10000:04d}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def near(rng):
    """Ticks from the touch: geometric, p = 0.3 (mean about 2.3)."""
    k = 0
    while rng.random() >= 0.3 and k < 200:
        k += 1
    return k


class Book:
    def __init__(self):
        self.side = {"bid": {}, "ask": {}}
        for k in range(DEPTH):
            self.side["bid"][MID - 1 - k] = 10000 + 37 * k
            self.side["ask"][MID + 1 + k] = 10000 + 37 * k

    def levels(self, side):
        levels = self.side[side]
        return sorted(levels.items(), reverse=(side == "bid"))

    def top(self):
        bid = max(self.side["bid"])
        ask = min(self.side["ask"])
        return {
            "bid": [price_text(bid), qty_text(self.side["bid"][bid])],
            "ask": [price_text(ask), qty_text(self.side["ask"][ask])],
        }


def changes(rng, book):
    """Up to 3..7 level changes near the touch: (side, price, old qty, new qty); no no-ops."""
    out = []
    seen = set()
    for k in range(3 + rng.randrange(5)):
        side = "bid" if k % 2 == 0 else "ask"
        px = MID - 1 - near(rng) if side == "bid" else MID + 1 + near(rng)
        qty = 0 if rng.randrange(4) == 0 else 1 + rng.randrange(900000)
        levels = book.side[side]
        old = levels.get(px, 0)
        if old == qty or (qty == 0 and len(levels) == 1) or (side, px) in seen:
            continue  # unchanged, would empty the side, or already in this frame
        seen.add((side, px))
        if qty == 0:
            del levels[px]
        else:
            levels[px] = qty
        out.append((side, px, old, qty))
    return out


def woo_levels(pairs):
    return "[" + ",".join(f"[{price_text(p)},{qty_text(q)}]" for p, q in pairs) + "]"


def write_woo(path, frames, rng):
    books = {s: Book() for s in WOO_SYMBOLS}
    ts = {s: 1_700_000_000_000 + 7 * i for i, s in enumerate(WOO_SYMBOLS)}
    with open(path, "w", encoding="ascii") as out:
        for i, s in enumerate(WOO_SYMBOLS):
            b = books[s]
            out.write(
                f'{{"id":"r{i}","event":"request","success":true,"ts":{ts[s] + 3},'
                f'"data":{{"symbol":"{s}","ts":{ts[s]},'
                f'"asks":{woo_levels(b.levels("ask"))},"bids":{woo_levels(b.levels("bid"))}}}}}\n'
            )
        for _ in range(frames - len(WOO_SYMBOLS)):
            s = WOO_SYMBOLS[rng.randrange(len(WOO_SYMBOLS))]
            diff = changes(rng, books[s])
            prev = ts[s]
            ts[s] += 1 + rng.randrange(50)
            asks = [(p, q) for side, p, _, q in diff if side == "ask"]
            bids = [(p, q) for side, p, _, q in diff if side == "bid"]
            out.write(
                f'{{"topic":"{s}@orderbookupdate","ts":{ts[s]},"data":{{"symbol":"{s}",'
                f'"prevTs":{prev},"asks":{woo_levels(asks)},"bids":{woo_levels(bids)}}}}}\n'
            )
    return {s: books[s].top() for s in WOO_SYMBOLS}


def pulse_entries(entries):
    return "[" + ",".join(f'["{a}",{price_text(p)},{qty_text(q)}]' for a, p, q in entries) + "]"


def write_pulse(path, frames, rng):
    books = {s: Book() for s in PULSE_SYMBOLS}
    change_id = 78_311_875_036
    last = {}
    stamp = 1_753_607_648_212

    def head(s):
        return f'{{"jsonrpc":"2.0","method":"subscription","params":{{"channel":"book.{s}.raw","data":{{'

    with open(path, "w", encoding="ascii") as out:
        for s in PULSE_SYMBOLS:
            b = books[s]
            change_id += 1 + rng.randrange(40)
            last[s] = change_id
            bids = pulse_entries(("new", p, q) for p, q in b.levels("bid"))
            asks = pulse_entries(("new", p, q) for p, q in b.levels("ask"))
            out.write(
                head(s) + f'"type":"snapshot","timestamp":{stamp},"instrument_name":"{s}",'
                f'"change_id":{change_id},"bids":{bids},"asks":{asks}}}}}}}\n'
            )
        for _ in range(frames - len(PULSE_SYMBOLS)):
            s = PULSE_SYMBOLS[rng.randrange(len(PULSE_SYMBOLS))]
            diff = changes(rng, books[s])
            change_id += 1 + rng.randrange(40)
            stamp += rng.randrange(3)

            def entries(want):
                for side, p, old, q in diff:
                    if side == want:
                        yield ("delete" if q == 0 else "new" if old == 0 else "change", p, q)

            out.write(
                head(s) + f'"type":"change","timestamp":{stamp},"prev_change_id":{last[s]},'
                f'"instrument_name":"{s}","change_id":{change_id},'
                f'"bids":{pulse_entries(entries("bid"))},"asks":{pulse_entries(entries("ask"))}}}}}}}\n'
            )
            last[s] = change_id
    return {s: books[s].top() for s in PULSE_SYMBOLS}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--frames", type=int, default=200_000)
    ap.add_argument("--out", required=True, help="directory for woo.jsonl, pulse.jsonl, truth.json")
    a = ap.parse_args()
    if a.frames <= max(len(WOO_SYMBOLS), len(PULSE_SYMBOLS)):
        ap.error("--frames must exceed the number of symbols")
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(a.seed)
    truth = {
        "seed": a.seed,
        "frames": a.frames,
        "woo": write_woo(os.path.join(a.out, "woo.jsonl"), a.frames, rng),
        "pulse": write_pulse(os.path.join(a.out, "pulse.jsonl"), a.frames, rng),
    }
    with open(os.path.join(a.out, "truth.json"), "w", encoding="ascii") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
