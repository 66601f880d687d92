#!/usr/bin/env python3
"""Time-boxed mutation fuzzing of every parser: `python fuzz/run.py --seconds 60 [--format nginx]`.

Prints executions, distinct finding counts seen and any crash (with the input saved under
fuzz/crashes/ for a regression fixture). Record runs in docs/robustness.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import FORMATS, check, mutate, seeds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=30.0, help="per format")
    ap.add_argument("--format", choices=sorted(FORMATS), action="append")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    crashes = 0
    for fmt in a.format or sorted(FORMATS):
        rng = random.Random(a.seed)
        corpus = seeds(fmt)
        execs = 0
        t_end = time.monotonic() + a.seconds
        while time.monotonic() < t_end:
            data = mutate(rng.choice(corpus), rng)
            try:
                check(fmt, data)
            except Exception:  # noqa: BLE001 - a fuzzer reports every crash
                crashes += 1
                out = Path(__file__).resolve().parent / "crashes"
                out.mkdir(exist_ok=True)
                (out / f"{fmt}-{execs}.txt").write_text(data, "utf-8", "surrogatepass")
                traceback.print_exc()
            execs += 1
        print(f"{fmt}: {execs} inputs in {a.seconds:.0f}s from {len(corpus)} seeds, crashes so far: {crashes}")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
