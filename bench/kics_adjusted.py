#!/usr/bin/env python3
"""KICS conformance with the disputed fixtures accounted for.

Runs ../shared/tools/peer_score.py (the official figures, printed as they come), then reads
bench/kics_disputed.yaml, which gives every miss and every dirty negative a verdict, and prints:

- the official figures per platform, and the figures without the sites whose KICS verdict we
  dispute (kinds wrong-fixture, true-finding, out-of-scope);
- misses that have no entry (unexplained: a regression, or an entry to write);
- entries that no longer miss (stale: delete them).

Usage: python bench/kics_adjusted.py [--cmd 'transit-lint --no-cache']
Exit code 1 when something is unexplained or stale, so a change that moves the figures is seen.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SCORER = HERE.parent.parent / "shared" / "tools" / "peer_score.py"
EXCLUDED = {"wrong-fixture", "true-finding", "out-of-scope"}


def key(query: str, file: str, line: int | None) -> tuple[str, str, int | None]:
    return (query, file, line)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cmd", default=f"{sys.executable} -m transit_lint --no-cache")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        misses_path, report_path = Path(tmp) / "misses.json", Path(tmp) / "report.json"
        subprocess.run([sys.executable, str(SCORER), "--map", str(HERE / "kics_map.yaml"), "--cmd", a.cmd,
                        "--misses", str(misses_path), "--report", str(report_path)], check=True)
        misses = json.loads(misses_path.read_text())
        rows = json.loads(report_path.read_text())
    disputed = yaml.safe_load((HERE / "kics_disputed.yaml").read_text()) or {}
    verdicts = {key(q, e["file"], e.get("line")): e for q, entries in disputed.items() for e in entries}

    missed = {key(m["query"], m["file"], m.get("line")) for m in misses}
    unexplained = sorted(missed - set(verdicts), key=str)
    stale = sorted(set(verdicts) - missed, key=str)

    platform = {r["query"]: r["platform"] for r in rows}
    totals: Counter[tuple[str, str]] = Counter()
    for r in rows:
        for plat in (r["platform"], "all"):
            totals[(plat, "sites")] += r["sites"]
            totals[(plat, "strict")] += r["strict"]
            totals[(plat, "negatives")] += r["negatives"]
            totals[(plat, "dirty")] += r["neg_dirty"]
    kinds: Counter[str] = Counter()
    for (query, _file, line), e in verdicts.items():
        if key(query, _file, line) not in missed:
            continue
        kinds[e["kind"]] += 1
        if e["kind"] not in EXCLUDED:
            continue
        for plat in (platform.get(query, "?"), "all"):
            if line is None:  # a negative: it leaves the denominator and the dirty count
                totals[(plat, "negatives")] -= 1
                totals[(plat, "dirty")] -= 1
            else:  # a site: it leaves the denominator (it was not found)
                totals[(plat, "sites_excluded")] += 1

    print()
    print("adjusted for the disputed fixtures (wrong-fixture, true-finding, out-of-scope left out):")
    print(f"{'platform':15} {'sites':>6} {'strict recall':>14} {'negatives':>10} {'negatives clean':>16}")
    for plat in ("terraform", "cloudformation", "k8s", "all"):
        sites = totals[(plat, "sites")] - totals[(plat, "sites_excluded")]
        negs = totals[(plat, "negatives")]
        recall = 100 * totals[(plat, "strict")] / (sites or 1)
        clean = 100 * (negs - totals[(plat, "dirty")]) / (negs or 1)
        print(f"{plat:15} {sites:6} {recall:13.1f}% {negs:10} {clean:15.1f}%")
    print("remaining misses by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    for u in unexplained:
        print(f"UNEXPLAINED {u[0]} {u[1]}" + (f":{u[2]}" if u[2] is not None else " (negative)"))
    for s in stale:
        print(f"STALE {s[0]} {s[1]}" + (f":{s[2]}" if s[2] is not None else " (negative)"))
    return 1 if unexplained or stale else 0


if __name__ == "__main__":
    sys.exit(main())
