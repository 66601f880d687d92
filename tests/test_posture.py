"""The transit posture summary (R19) on the bundled example."""

from __future__ import annotations

from pathlib import Path

from transit_lint.engine import RunOptions, run

ROOT = Path(__file__).resolve().parent.parent


def test_posture_of_the_terraform_example() -> None:
    res = run(RunOptions(paths=[str(ROOT / "examples" / "infra")], base=ROOT))
    p = res.posture
    # two ALB listeners, CloudFront's default behaviour and viewer certificate; a target group
    # (HTTP) and a CloudFront origin (http-only)
    assert (p["endpoints"], p["connections"]) == (4, 2)
    assert p["endpoints_encrypted"] == 75.0  # the HTTP listener forwards in plaintext
    assert p["connections_encrypted"] == 0.0
    assert p["encrypted"] == 50.0
    assert p["mtls"] == 0.0
    assert p["min_tls_versions"] == {"1.0": 1, "1.2": 2}
