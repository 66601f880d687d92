"""python-hcl2 as an independent oracle: both parsers must read the same literal attribute
values from every .tf under fixtures/ and the KICS Terraform fixtures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from transit_lint.parsers.hcl import Block, Lit, parse_hcl

ROOT = Path(__file__).resolve().parent.parent
KICS_TF = ROOT.parent / "shared" / "peer-corpus" / "kics" / "terraform"
FILES = sorted(ROOT.glob("fixtures/**/*.tf")) + sorted(ROOT.glob("examples/**/*.tf")) + (
    sorted(KICS_TF.rglob("*.tf")) if KICS_TF.is_dir() else [])


def _ours(block: Block, prefix: str, out: dict[str, Any]) -> None:
    for name, attr in block.attributes.items():
        if isinstance(attr.expr, Lit) and isinstance(attr.expr.value, (str, int, bool)):
            out[f"{prefix}{name}"] = attr.expr.value
    counts: dict[str, int] = {}
    for b in block.blocks:
        key = ".".join([b.type, *b.labels])
        i = counts.get(key, 0)
        counts[key] = i + 1
        _ours(b, f"{prefix}{key}[{i}].", out)


def _theirs(node: Any, prefix: str, out: dict[str, Any]) -> None:
    if not isinstance(node, dict):
        return
    for k, v in node.items():
        if k.startswith("__"):
            continue
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v) and not k.startswith('"'):
            # blocks: hcl2 nests labels as dict keys
            counts: dict[str, int] = {}
            for x in v:
                _block(k, x, prefix, out, counts)
        elif isinstance(v, (bool, int)) and not isinstance(v, float):
            out[f"{prefix}{k}"] = v
        elif isinstance(v, str) and len(v) >= 2 and v[0] == v[-1] == '"' and "${" not in v:
            # python-hcl2 8 keeps string literals quoted; expressions come as ${...}
            try:
                out[f"{prefix}{k}"] = json.loads(v)
            except ValueError:
                continue


def _block(btype: str, body: dict[str, Any], prefix: str, out: dict[str, Any], counts: dict[str, int]) -> None:
    labels: list[str] = []
    while len(body) == 1 and isinstance(next(iter(body.values())), dict) and btype in (
            "resource", "data", "variable", "output", "module", "provider", "dynamic") and len(labels) < 2:
        label = next(iter(body))
        labels.append(label.strip('"'))
        body = body[label]
        if btype != "resource" and btype != "data":
            break
    key = ".".join([btype, *labels])
    i = counts.get(key, 0)
    counts[key] = i + 1
    _theirs(body, f"{prefix}{key}[{i}].", out)


@pytest.mark.skipif(not FILES, reason="no .tf files")
def test_literal_values_agree_with_python_hcl2() -> None:
    hcl2 = pytest.importorskip("hcl2")
    compared = 0
    disagreements = []
    for path in FILES:
        text = path.read_text("utf-8", "replace")
        try:
            theirs_raw = hcl2.loads(text)
        except Exception:  # noqa: BLE001 - files hcl2 cannot read are left out of the comparison
            continue
        ours_f = parse_hcl(text)
        if ours_f.problems:
            continue
        ours: dict[str, Any] = {}
        theirs: dict[str, Any] = {}
        _ours(ours_f.body, "", ours)
        _theirs(theirs_raw, "", theirs)
        for key, val in theirs.items():
            if key in ours:
                compared += 1
                if ours[key] != val and not (isinstance(val, str) and str(ours[key]) == val):
                    disagreements.append((str(path.relative_to(path.parents[2])), key, ours[key], val))
    assert compared > 200, f"only {compared} values compared"
    assert not disagreements, disagreements[:20]
