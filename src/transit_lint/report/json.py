"""JSON report, schema version 1 (docs/json-report.md)."""

from __future__ import annotations

import json
from typing import Any

from ..engine import RunResult
from ..findings import Finding, Severity
from ..policy.loader import Catalog

SCHEMA_VERSION = "1"


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule_id": f.rule_id,
        "rule_name": f.rule_name,
        "severity": f.severity.label,
        "message": f.message,
        "location": {
            "path": f.path,
            "start_line": f.span.line,
            "start_column": f.span.column,
            "end_line": f.span.end_line,
            "end_column": f.span.end_column,
        },
        "resource": None if f.resource is None else {
            "id": f.resource.id,
            "kind": f.resource.kind,
            "native_type": f.resource.native_type,
            "start_line": f.resource.span.line,
            "end_line": f.resource.span.end_line,
        },
        "standards": f.standards,
        "fingerprint": f.fingerprint,
        "suppressed": f.suppressed,
        "suppression_reason": f.suppression_reason,
        "notes": f.notes,
    }


def summary_dict(result: RunResult) -> dict[str, Any]:
    active = [f for f in result.findings if not f.suppressed]
    return {
        "findings": len(active),
        "by_severity": {s.label: sum(1 for f in active if f.severity == s) for s in reversed(Severity)},
        "suppressed": sum(1 for f in result.findings if f.suppressed),
        "unknown": result.unknown,
        "files_parsed": result.files_parsed,
        "files_skipped": result.files_skipped,
        "parse_errors": len(result.errors),
        "resources": result.resource_count,
        "edges": result.edges,
        "profile": result.profile,
        "posture": result.posture,
        "elapsed_seconds": round(result.elapsed, 3),
    }


def render(result: RunResult, catalog: Catalog, deterministic: bool = False) -> str:
    from .. import __version__

    summary = summary_dict(result)
    if deterministic:
        summary.pop("elapsed_seconds")
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "transit-lint", "version": __version__},
        "findings": [finding_dict(f) for f in result.findings],
        "errors": [finding_dict(e) for e in result.errors],
        "summary": summary,
    }
    # compact: json's C encoder runs only without indent (0.66 s -> 0.05 s for 2,700 findings);
    # pipe through `jq .` to read it. The document is a tree built just above, so the encoder's
    # cycle check is skipped (-12% on 5,000 findings).
    return json.dumps(doc, separators=(",", ":"), check_circular=False) + "\n"
