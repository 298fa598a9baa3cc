#!/usr/bin/env python3
"""Best bid/ask of one book: best_bid_ask.py [INSTANCE_DIR] [VENUE] [SYMBOL] (the README's example)."""
import sys
import wirebook  # pip install ./python; the library from the system or $WIREBOOK_READER_LIB

args = sys.argv[1:] + [None, "woo", "SPOT_BTC_USDT"][len(sys.argv) - 1:]
venue = wirebook.Venue.open(args[0] or wirebook.instance_dir("main"), args[1])
bbo = venue.bbo(args[2])  # exact decimal.Decimal values
if bbo is None or not bbo.trusted:
    sys.exit(2)
print(f"bid {bbo.bid_px} x {bbo.bid_qty} ask {bbo.ask_px} x {bbo.ask_qty}")
