"""KICS conformance as a regression gate: every miss and dirty negative of the KICS corpus has a
verdict in bench/kics_disputed.yaml, and no verdict is stale (bench/kics_adjusted.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCORER = ROOT.parent / "shared" / "tools" / "peer_score.py"


@pytest.mark.skipif(not SCORER.exists(), reason="../shared (the KICS corpus and its scorer) is not beside the repo")
def test_every_kics_miss_has_a_verdict_and_none_is_stale() -> None:
    p = subprocess.run([sys.executable, str(ROOT / "bench" / "kics_adjusted.py"),
                        "--cmd", f"{sys.executable} -m transit_lint --no-cache"],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]
    assert "OVERALL strict recall" in p.stdout
