#!/usr/bin/env python3
"""Turns the bench report's raw results (bench/report/run_report.sh) into the
report: report.md, the gnuplot data and script (plots.gp), and the ratios on
stdout.

Reads, in the report directory, per venue V (woo, pulse):
  wirebook-V.txt   `wirebook replay --bench` output (fastest-of-N throughput)
  wirebook-V.lat   per-frame "<pipeline ns> <walk ns>" (its --latencies file)
  ccxt-V.json      bench/report/ccxt_replay.mjs's summary (absent: ccxt not run)
  ccxt-V.lat       ccxt's per-frame ns
  ccxt-status.txt  why ccxt did not run, when it did not
  commands.txt     the command lines that produced them
"""
import argparse
import json
import os
import platform
import re
import sys
import time

VENUES = [("woo", "WOO X v2 (ccxt.pro woo)"), ("pulse", "Pulse / Deribit-style (ccxt.pro deribit)")]
CONSUMERS = [("walk", "bare simdjson walk"), ("wirebook", "wirebook pipeline"), ("ccxt", "ccxt")]
CDF_POINTS = 2000


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return None


def wirebook_throughput(text):
    """{'wirebook': ns/frame, 'walk': ns/frame} from `wirebook replay --bench` output."""
    out = {}
    for key, label in (("wirebook", "wirebook pipeline"), ("walk", "bare simdjson walk")):
        m = re.search(re.escape(label) + r"[^:]*:\s+([0-9.]+) frames/s\s+([0-9.]+) ns/frame", text)
        if m:
            out[key] = float(m.group(2))
    return out


def column(text, index):
    return [int(line.split()[index]) for line in text.splitlines() if line.strip()]


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, max(0, int(round(q * (len(sorted_values) - 1)))))
    return sorted_values[i]


def write_cdf(path, sorted_values):
    with open(path, "w", encoding="ascii") as f:
        for k in range(CDF_POINTS + 1):
            q = k / CDF_POINTS
            f.write(f"{percentile(sorted_values, q)} {100.0 * q:.3f}\n")


def machine():
    cpu = "unknown cpu"
    text = read("/proc/cpuinfo") or ""
    m = re.search(r"model name\s*:\s*(.+)", text)
    if m:
        cpu = m.group(1).strip()
    return f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}"


def wirebook_tops(out, venue, truth):
    """Mismatches between wirebook's final books (`wirebook dump --json`) and the truth."""
    text = read(os.path.join(out, f"wirebook-{venue}-tops.jsonl"))
    if not text:
        return ["no dump of wirebook's final books"]
    books = {}
    for line in text.splitlines():
        if line.strip():
            b = json.loads(line)
            books[b["symbol"]] = b
    problems = []
    for symbol, want in truth.get(venue, {}).items():
        b = books.get(symbol)
        if b is None:
            problems.append(f"{symbol}: no book")
            continue
        if b["status"] != "live":
            problems.append(f"{symbol}: {b['status']}")
        for side, levels in (("bid", b["bids"]), ("ask", b["asks"])):
            got = [float(x) for x in levels[0]] if levels else None
            if got != [float(x) for x in want[side]]:
                problems.append(f"{symbol} {side}: wirebook {levels[:1]}, truth {want[side]}")
    return problems


def collect(out):
    """Per venue: {consumer: {'ns': ns/frame, 'lat': sorted per-frame ns}} plus ccxt's check."""
    results = {}
    for venue, _ in VENUES:
        r = {"ccxt_check": None}
        text = read(os.path.join(out, f"wirebook-{venue}.txt")) or ""
        tp = wirebook_throughput(text)
        lat = read(os.path.join(out, f"wirebook-{venue}.lat")) or ""
        for key, idx in (("wirebook", 0), ("walk", 1)):
            if key in tp:
                r[key] = {"ns": tp[key], "lat": sorted(column(lat, idx)) if lat else []}
        summary = read(os.path.join(out, f"ccxt-{venue}.json"))
        if summary:
            s = json.loads(summary.strip().splitlines()[-1])
            clat = read(os.path.join(out, f"ccxt-{venue}.lat")) or ""
            r["ccxt"] = {"ns": s["ns_per_frame"], "lat": sorted(column(clat, 0)) if clat else []}
            r["ccxt_check"] = s
        results[venue] = r
    return results


def gnuplot_script(out, results):
    lines = [
        "set terminal png size 1000,620 noenhanced",
        "set grid",
        "set key bottom right",
        "set logscale x",
        "set xlabel 'per-frame time (ns, log scale)'",
        "set ylabel 'frames at or below (%)'",
        "set yrange [0:100]",
    ]
    for venue, title in VENUES:
        curves = []
        for key, label in CONSUMERS:
            if results[venue].get(key, {}).get("lat"):
                curves.append(f"'cdf-{venue}-{key}.dat' using 1:2 with lines lw 2 title '{label}'")
        if curves:
            lines += [
                f"set output 'cdf-{venue}.png'",
                f"set title 'Per-frame latency CDF, {title}'",
                "plot " + ", \\\n     ".join(curves),
            ]
    lines += [
        "unset logscale x",
        "set xlabel ''",
        "unset yrange",
        "set logscale y",
        "set ylabel 'frames/s (log scale, fastest round)'",
        "set key top right",
        "set style data histograms",
        "set style histogram clustered gap 1",
        "set style fill solid 0.8 border -1",
        "set boxwidth 0.9",
        "set output 'fps.png'",
        "set title 'Throughput per consumer'",
        "plot 'fps.dat' using 2:xtic(1) title 'WOO v2', '' using 3 title 'Pulse'",
    ]
    with open(os.path.join(out, "plots.gp"), "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")


def fmt_ns(v):
    return "n/a" if v != v else f"{v:,.0f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", required=True)
    ap.add_argument("--frames", required=True)
    a = ap.parse_args()
    out = a.out
    results = collect(out)
    truth = json.loads(read(os.path.join(out, "streams", "truth.json")) or "{}")
    for venue, _ in VENUES:
        for key, _ in CONSUMERS:
            if results[venue].get(key, {}).get("lat"):
                write_cdf(os.path.join(out, f"cdf-{venue}-{key}.dat"), results[venue][key]["lat"])
    with open(os.path.join(out, "fps.dat"), "w", encoding="ascii") as f:
        f.write("# consumer woo pulse\n")
        for key, label in CONSUMERS:
            vals = [results[v].get(key, {}).get("ns") for v, _ in VENUES]
            f.write(f'"{label}" ' + " ".join(f"{1e9 / x:.0f}" if x else "NaN" for x in vals) + "\n")
    gnuplot_script(out, results)

    ccxt_status = (read(os.path.join(out, "ccxt-status.txt")) or "").strip()
    md = [
        "# wirebook bench report",
        "",
        f"- Date (UTC): {time.strftime('%Y-%m-%d %H:%M', time.gmtime())}",
        f"- Machine: {machine()}",
        f"- Streams: {a.frames} frames each, generated by bench/report/gen_streams.py "
        f"with seed {a.seed} (same seed, same bytes)",
        "- Throughput: the fastest of the timed rounds over the whole stream. Latency: one more",
        "  round with every frame timed alone (the timer's own cost, ~20-40 ns, included).",
        "",
        "## Throughput and per-frame latency",
        "",
        "| stream | consumer | frames/s | ns/frame | p50 ns | p99 ns | p99.9 ns | max ns |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    printed = []
    for venue, title in VENUES:
        r = results[venue]
        for key, label in CONSUMERS:
            if key not in r:
                continue
            lat = r[key]["lat"]
            md.append(
                f"| {venue} | {label} | {1e9 / r[key]['ns']:,.0f} | {r[key]['ns']:,.1f} | "
                + " | ".join(fmt_ns(percentile(lat, q)) for q in (0.5, 0.99, 0.999, 1.0))
                + " |"
            )
        ratios = []
        if "wirebook" in r and "walk" in r:
            ratios.append(
                f"wirebook pipeline takes {r['wirebook']['ns'] / r['walk']['ns']:.2f}x the bare walk's time"
            )
        if "wirebook" in r and "ccxt" in r:
            ratios.append(f"wirebook is {r['ccxt']['ns'] / r['wirebook']['ns']:.1f}x faster than ccxt")
        if ratios:
            printed.append(f"{venue}: " + "; ".join(ratios))
    md += ["", "## Ratios", ""] + [f"- {p}" for p in printed]
    md += ["", "## Book checks", ""]
    wirebook_ok = True
    for venue, _ in VENUES:
        problems = wirebook_tops(out, venue, truth)
        wirebook_ok = wirebook_ok and not problems
        verdict = "every book LIVE, every best bid and ask equal the generator's" if not problems else (
            "BOOKS DIFFER: " + "; ".join(problems[:8]))
        md.append(f"- wirebook {venue}: {verdict}")
        printed.append(f"wirebook {venue} final books: {'match the generator' if not problems else verdict}")
    if ccxt_status:
        md.append(f"- ccxt not run or failed: {ccxt_status}")
    for venue, title in VENUES:
        s = results[venue]["ccxt_check"]
        if s:
            verdict = "every symbol's best bid and ask equal the generator's" if s["tops_match"] else (
                "BOOK TOPS DIFFER: " + "; ".join(s["mismatches"]))
            md.append(
                f"- ccxt {venue}: {s['consumer']}, {s['frames']} frames, {s['errors']} errors"
                + (f" (first: {s['first_error']})" if s["first_error"] else "")
                + f"; {verdict}"
            )
            printed.append(f"ccxt {venue}: {s['errors']} errors; " + verdict)
    md += [
        "",
        "## Plots",
        "",
        "- cdf-woo.png, cdf-pulse.png: per-frame latency CDF per consumer",
        "- fps.png: frames/s per consumer",
        "",
        "## Commands",
        "",
        "```",
        (read(os.path.join(out, "commands.txt")) or "").rstrip(),
        "```",
        "",
    ]
    with open(os.path.join(out, "report.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(md))
    for p in printed:
        print(p)
    if ccxt_status:
        print(f"ccxt: {ccxt_status}")
    return 0 if wirebook_ok else 1


if __name__ == "__main__":
    sys.exit(main())
