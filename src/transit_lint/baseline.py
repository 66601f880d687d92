"""Baselines: accept today's findings, report only new ones.

`--write-baseline FILE` records the fingerprint of every unsuppressed finding; `--baseline FILE`
drops the findings whose fingerprint is recorded. A fingerprint is rule + repository-relative
path + resource address + attribute (`findings.fingerprint`), never a line number, so a finding
stays baselined when lines are added above it, while a second finding of the same rule on
another resource or attribute is new. Entries are counted: two identical findings need two
entries. Parse errors (TL000) are never baselined; they always fail the run.

File format (JSON, sorted, no line numbers or timestamps so that it only changes when findings do):

    {"version": 1, "tool": "transit-lint", "key": "transitLint/v1",
     "findings": [{"fingerprint": "...", "rule_id": "TL101", "path": "infra/main.tf",
                   "resource": "aws_lb_listener.http", "attribute": "protocol",
                   "message": "..."}]}
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .config import RepoPaths
from .engine import RunResult
from .findings import Finding, fingerprint

BASELINE_VERSION = 1
FINGERPRINT_KEY = "transitLint/v1"


class BaselineError(Exception):
    """The baseline file cannot be read or written; the message names it."""


def repo_fingerprint(f: Finding, paths: RepoPaths) -> str:
    """The finding's fingerprint with its path relative to the repository root, so that it is the
    same whether the run started at the root, in a subfolder, or on a single file."""
    resource_id = f.resource.id if f.resource else f"{f.span.line}:{f.span.column}"
    return fingerprint(f.rule_id, paths.rel_or_abs(f.path), resource_id, f.attribute)


def render(result: RunResult, paths: RepoPaths) -> str:
    entries = [
        {
            "fingerprint": repo_fingerprint(f, paths),
            "rule_id": f.rule_id,
            "path": paths.rel_or_abs(f.path),
            "resource": f.resource.id if f.resource else None,
            "attribute": f.attribute,
            "message": f.message,
        }
        for f in result.findings
        if not f.suppressed and f.rule_id != "TL000"
    ]
    entries.sort(key=lambda e: (e["path"], e["rule_id"], e["resource"] or "", e["fingerprint"], e["message"]))
    doc = {"version": BASELINE_VERSION, "tool": "transit-lint", "key": FINGERPRINT_KEY, "findings": entries}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write(result: RunResult, paths: RepoPaths, target: Path) -> int:
    text = render(result, paths)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as e:
        raise BaselineError(f"cannot write baseline {target}: {e.strerror or e}") from None
    return sum(1 for f in result.findings if not f.suppressed and f.rule_id != "TL000")


@dataclass
class Baseline:
    source: Path
    counts: Counter[str]


def load(source: Path) -> Baseline:
    try:
        doc: Any = json.loads(source.read_text("utf-8"))
    except OSError as e:
        raise BaselineError(f"cannot read baseline {source}: {e.strerror or e}") from None
    except ValueError as e:
        raise BaselineError(f"baseline {source} is not valid JSON: {e}") from None
    if not isinstance(doc, dict) or doc.get("version") != BASELINE_VERSION or not isinstance(doc.get("findings"), list):
        raise BaselineError(f"baseline {source} is not a transit-lint baseline (version {BASELINE_VERSION}); "
                            "write one with --write-baseline")
    counts: Counter[str] = Counter()
    for entry in doc["findings"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise BaselineError(f"baseline {source}: every entry needs a fingerprint")
        counts[entry["fingerprint"]] += 1
    return Baseline(source, counts)


@dataclass
class Applied:
    result: RunResult  # the run without the baselined findings
    matched: int
    stale: int  # baseline entries no finding matched any more (fixed, or moved to another file)


def apply(result: RunResult, baseline: Baseline, paths: RepoPaths) -> Applied:
    left = Counter(baseline.counts)
    kept: list[Finding] = []
    matched = 0
    for f in result.findings:
        key = repo_fingerprint(f, paths)
        if not f.suppressed and f.rule_id != "TL000" and left[key] > 0:
            left[key] -= 1
            matched += 1
            continue
        kept.append(f)
    return Applied(replace(result, findings=kept), matched, sum(left.values()))
