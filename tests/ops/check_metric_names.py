#!/usr/bin/env python3
"""Every wirebook_* metric the alert rules and the Grafana dashboard use is one
wirebookd exports (daemon/metrics.cpp), and the dashboard is valid JSON with a
query per panel. Usage: check_metric_names.py SOURCE_ROOT"""
import json
import pathlib
import re
import sys

NAME = re.compile(r"\bwirebook_[a-z_]+")
SUFFIXES = ("_bucket", "_sum", "_count")


def base(name: str) -> str:
    for s in SUFFIXES:
        if name.endswith(s):
            return name[: -len(s)]
    return name


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    exported = {base(n) for n in NAME.findall((root / "daemon/metrics.cpp").read_text())}
    rules = (root / "tools/prometheus/wirebook.rules.yml").read_text()
    dashboard = json.loads((root / "tools/grafana/wirebook.dashboard.json").read_text())
    queries = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    problems = [f"panel '{p['title']}' has no query" for p in dashboard["panels"] if not p.get("targets")]
    for where, text in (("wirebook.rules.yml", rules), ("wirebook.dashboard.json", "\n".join(queries))):
        for name in sorted({base(n) for n in NAME.findall(text)}):
            if name not in exported:
                problems.append(f"{where}: {name} is not exported by wirebookd")
    for p in problems:
        print(p)
    print(f"{len(exported)} exported metrics; rules and {len(queries)} dashboard queries checked")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
