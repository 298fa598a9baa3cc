#!/usr/bin/env python3
"""Rate sweep of the venue thread's idle strategies (README "Idle strategies").

For each idle mode x simulator rate: `wirebook sim` serving one WOO venue on
loopback (pinned to --sim-cpu) and `wirebookd` with that one venue (pinned to
--daemon-cpu, `idle = MODE`). Once every book is LIVE and a warm-up has
passed, the daemon's own receive->publish histogram
(wirebook_recv_to_publish_seconds, 16 sub-buckets per power of two) and its
venue-thread CPU time are read over a `--seconds` window by `wirebook status
--metrics --window` (two scrapes; the percentiles of their difference,
interpolated inside a bucket, so within 1/16 of the value, and the thread's
CPU use over the window).

usage: idle_sweep.py --build BUILD_DIR [--rates 50,2000,0] [--modes block,spin,backoff]
                     [--seconds 20] [--out FILE]
Every process is started here with a temporary directory and stopped at the
end; each point is bounded in time.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

SYMBOLS = ["SPOT_BTC_USDT", "PERP_BTC_USDT", "SPOT_ETH_USDT", "PERP_ETH_USDT"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what, predicate, timeout_s):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise RuntimeError(f"timed out after {timeout_s} s waiting for {what}")


def sim_url(out_path):
    """The simulator's ws:// URL for woo once it printed WIREBOOK_SIM_READY, else None."""
    with open(out_path) as f:
        text = f.read()
    if "WIREBOOK_SIM_READY" not in text:
        return None
    m = re.search(r"^WIREBOOK_SIM woo (ws://\S+)$", text, re.M)
    return m.group(1) if m else None


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        return r.read().decode()


def books_live(port):
    try:
        text = scrape(port)
    except OSError:
        return False
    return f'wirebook_books{{venue="woo",state="live"}} {len(SYMBOLS)}' in text


def window(wirebook, shm_dir, metrics_port, seconds):
    """`wirebook status --window`: the daemon's figures over `seconds` (two scrapes)."""
    out = subprocess.run(
        [wirebook, "status", "--json", "--dir", shm_dir, "--metrics",
         f"127.0.0.1:{metrics_port}", "--window", str(seconds)],
        capture_output=True, text=True, timeout=seconds + 60)
    status = json.loads(out.stdout.splitlines()[0])
    if "window" not in status or "recv_to_publish" not in status:
        raise RuntimeError(f"wirebook status gave no window figures: {out.stdout}{out.stderr}")
    return status


def daemon_config(tmp, url, metrics_port, mode, cpu, spin_us):
    symbols = ", ".join(f'"{s}"' for s in SYMBOLS)
    idle, _, variant = mode.partition("/")  # "spin/nowarm": spin without warming (A/B)
    idle = f'idle = "{idle}"\n' + (f"spin_us = {spin_us}\n" if idle == "backoff" else "")
    if variant == "nowarm":
        idle += "warm_us = 0\n"
    elif variant.startswith("warm"):  # "spin/warm50": warm after 50 us without an event
        idle += f"warm_us = {int(variant[4:])}\n"
    text = f"""[daemon]
instance = "sweep"
shm_dir = "{tmp}/shm"
metrics_listen = "127.0.0.1:{metrics_port}"
log_level = "warn"

[[venue]]
name = "woo"
kind = "woo"
url = "{url}"
symbols = [{symbols}]
depth = 50
cpu = {cpu}
{idle}"""
    path = os.path.join(tmp, "sweep.toml")
    with open(path, "w") as f:
        f.write(text)
    return path


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def measure(args, mode, rate):
    """One point: (p50, p99, p99.9 in microseconds, samples, frames/s, cpu share)."""
    tmp = tempfile.mkdtemp(prefix="wirebook-sweep-")
    metrics_port = free_port()
    wirebook = os.path.join(args.build, "tools", "wirebook")
    wirebookd = os.path.join(args.build, "daemon", "wirebookd")
    sim_out = os.path.join(tmp, "sim.out")
    sim = subprocess.Popen(
        ["taskset", "-c", str(args.sim_cpu), wirebook, "sim", "--venue", "woo", "--ws-port",
         "woo=0", "--wss-port", "woo=-1", "--rate", str(rate), "--seed", "7",
         "--seconds", str(int(args.seconds + args.warmup + 60))],
        stdout=open(sim_out, "w"), stderr=open(os.path.join(tmp, "sim.log"), "w"))
    daemon = None
    try:
        wait_until("the simulator", lambda: sim_url(sim_out) is not None, 30)
        config = daemon_config(tmp, sim_url(sim_out), metrics_port, mode, args.daemon_cpu,
                               args.spin_us)
        env = dict(os.environ)
        if mode.endswith("/noscratch"):  # warming without the scratch book (A/B)
            env["WIREBOOK_WARM_SCRATCH"] = "0"
        daemon = subprocess.Popen([wirebookd, "--config", config], stdout=subprocess.DEVNULL,
                                  stderr=open(os.path.join(tmp, "daemon.log"), "w"), env=env)
        wait_until("every book LIVE", lambda: books_live(metrics_port), 30)
        time.sleep(args.warmup)
        status = window(wirebook, os.path.join(tmp, "shm", "sweep"), metrics_port, args.seconds)
        if daemon.poll() is not None:
            raise RuntimeError(f"wirebookd exited with {daemon.returncode}")
    finally:
        for p in (daemon, sim):
            if p is not None:
                stop(p)
        shutil.rmtree(tmp, ignore_errors=True)
    lat, win = status["recv_to_publish"], status["window"]
    us = [lat[k] / 1e3 for k in ("p50_ns", "p99_ns", "p999_ns")]
    samples, frames, cpu = lat["count"], win["frames_per_s"], win["thread_cpu"]
    return us + [samples, frames, cpu]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True, help="build tree (wirebook, wirebookd)")
    ap.add_argument("--rates", default="50,2000,0", help="simulator --rate values (0 = saturating)")
    ap.add_argument("--modes", default="block,spin,backoff",
                    help="idle modes; MODE/nowarm turns the hot-path warming off, MODE/warmN "
                         "warms after N us without an event, MODE/noscratch warms without the "
                         "scratch book (A/B)")
    ap.add_argument("--seconds", type=float, default=20.0, help="measured window per point")
    ap.add_argument("--warmup", type=float, default=2.0, help="seconds after LIVE before measuring")
    ap.add_argument("--sim-cpu", type=int, default=0)
    ap.add_argument("--daemon-cpu", type=int, default=1)
    ap.add_argument("--spin-us", type=int, default=100)
    ap.add_argument("--out", help="also write the table (markdown) here")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)

    lines = [
        f"Idle strategies, one WOO venue ({len(SYMBOLS)} books, depth 50), simulator on cpu "
        f"{args.sim_cpu}, venue thread on cpu {args.daemon_cpu}, {args.seconds:g} s per point, "
        f"load before the run {os.getloadavg()[0]:.2f}",
        "",
        "| idle | sim rate | frames/s | samples | p50 µs | p99 µs | p99.9 µs | venue thread CPU |",
        "|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    for mode in args.modes.split(","):
        for rate in (int(r) for r in args.rates.split(",")):
            p50, p99, p999, samples, fps, cpu = measure(args, mode, rate)
            label = "saturating" if rate == 0 else str(rate)
            row = (f"| {mode} | {label} | {fps:,.0f} | {samples:,} | {p50:.2f} | {p99:.2f} | "
                   f"{p999:.2f} | {cpu * 100:.0f} % |")
            lines.append(row)
            print(row, flush=True)
    lines.append(f"\nload after the run {os.getloadavg()[0]:.2f}")
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
