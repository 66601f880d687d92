"""SARIF 2.1.0 for GitHub code scanning (DESIGN.md §6, research-notes/integration.md §1-2).

What GitHub needs and peers get wrong, and what this does about it:
* URIs relative to the repository root (`--root`, else the git top level), never to the
  scanned folder: GitHub ignores `uriBaseId`/`originalUriBaseIds`.
* The whole enabled catalog as rules, sorted by id (stable `ruleIndex`), each with the texts
  GitHub requires, tags, precision and a numeric `security-severity`.
* Our own versioned fingerprint key, never `primaryLocationLineHash` (upload-sarif computes that
  from the file content and would keep a wrong one of ours).
* Parse errors as `toolExecutionNotifications`, not results; `executionSuccessful` stays true.
* Suppressed findings left out (GitHub turns them into open alerts) unless asked for, and then
  every result carries `suppressions` (all or none, SARIF §3.27.23).
* Deterministic: sorted rules, results and keys; no timestamps, no absolute paths.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..baseline import FINGERPRINT_KEY, repo_fingerprint
from ..config import RepoPaths
from ..docs import ALL_FORMATS, SECURITY_SEVERITY, formats_of, help_markdown, help_text
from ..engine import RunResult
from ..findings import Finding, Severity
from ..policy.loader import Catalog, Policy
from ..spans import Span
from .json import summary_dict

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://transit-lint.dev/"
URI_BASE_ID = "SRCROOT"
MAX_TEXT = 1024  # GitHub's limit for short and full descriptions
MAX_TAGS = 20  # GitHub accepts 20 tags per rule (and shows 10)

LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
         Severity.LOW: "note", Severity.INFO: "note"}


@dataclass(frozen=True)
class SarifOptions:
    paths: RepoPaths
    category: str | None = None  # --sarif-category -> automationDetails.id "<category>/"
    include_suppressed: bool = False
    severity: dict[str, Severity] = field(default_factory=dict)  # rule id -> overridden severity
    properties: dict[str, Any] = field(default_factory=dict)  # extra run properties (baseline counts)


def render(result: RunResult, catalog: Catalog, options: SarifOptions) -> str:
    # compact: json's C encoder does not indent, and the Python one took 0.5 s for 5,000 results
    # (a third of the run); SARIF is read by tools (GitHub, IDEs), which parse it either way
    return json.dumps(build(result, catalog, options), separators=(",", ":"), sort_keys=True, ensure_ascii=False,
                      check_circular=False) + "\n"


def build(result: RunResult, catalog: Catalog, options: SarifOptions) -> dict[str, Any]:
    from .. import __version__

    findings = [f for f in result.findings if options.include_suppressed or not f.suppressed]
    rule_ids = sorted(set(result.policies) | {f.rule_id for f in findings} | ({"TL000"} if result.errors else set()))
    policies = [catalog.policies[r] for r in rule_ids if r in catalog.policies]
    index = {p.id: i for i, p in enumerate(policies)}
    results = [_result(f, options, index) for f in sorted(findings, key=lambda f: _order(f, options))]
    notifications = [_notification(e, options, index) for e in sorted(result.errors, key=lambda f: _order(f, options))]
    # what the run could not look into (a remote module, an include outside the paths): not errors
    notifications += [{"level": "note", "message": {"text": n}} for n in sorted(set(result.notes))]

    summary = summary_dict(result)
    summary.pop("elapsed_seconds", None)  # keeps the output byte-identical between runs
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "transit-lint",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": INFORMATION_URI,
            "rules": [_rule(p, options) for p in policies],
        }},
        "results": results,
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "columnKind": "unicodeCodePoints",
        "originalUriBaseIds": {URI_BASE_ID: {"description": {
            "text": "The repository root: --root, else the git top level, else the working directory."}}},
        "properties": {"summary": summary, **options.properties},
    }
    if options.category:
        cat = options.category.strip()
        run["automationDetails"] = {"id": cat if cat.endswith("/") else cat + "/"}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _order(f: Finding, options: SarifOptions) -> tuple[str, int, int, str, str]:
    return (options.paths.rel_or_abs(f.path), f.span.line, f.span.column, f.rule_id, f.message)


# ---- rules ----

def _clip(text: str, limit: int = MAX_TEXT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def tags(p: Policy) -> list[str]:
    """security first (GitHub files the rule under security), then CWE, formats, standards."""
    out = ["security", "data-in-transit"]
    out += [f"external/cwe/{c.lower()}" for c in p.standards.get("cwe", [])]
    out += [f for f in (formats_of(p) if p.kinds != ("meta",) else ALL_FORMATS)]
    for cat, ids in p.standards.items():
        if cat in ("cwe", "req"):
            continue  # CWE above; req rows are ours, not a standard
        out += [f"external/{cat}/{i}" for i in ids]
    seen: list[str] = []
    for t in out:
        if t not in seen:
            seen.append(t)
    return seen[:MAX_TAGS]


def _rule(p: Policy, options: SarifOptions) -> dict[str, Any]:
    sev = options.severity.get(p.id, p.severity)
    return {
        "id": p.id,
        "name": p.name,
        "shortDescription": {"text": _clip(p.title)},
        "fullDescription": {"text": _clip(p.rationale)},
        "help": {"text": help_text(p), "markdown": help_markdown(p)},
        "helpUri": p.help_uri,
        "defaultConfiguration": {"level": LEVEL[sev]},
        "properties": {
            "tags": tags(p),
            "precision": p.precision,
            "security-severity": SECURITY_SEVERITY[sev],
            "problem.severity": "error" if LEVEL[sev] == "error" else "warning" if LEVEL[sev] == "warning"
            else "recommendation",
        },
    }


# ---- results and notifications ----

def artifact_uri(path: str, paths: RepoPaths) -> tuple[str, bool]:
    """(uri, relative?) for a finding path: repository-relative and percent-encoded, or an
    absolute file URI for a file outside the root (GitHub relativises those against the checkout)."""
    rel = paths.rel(path)
    if rel is not None:
        return quote(rel, safe="/-._~!$&'()*+,;=@"), True
    return Path(paths.rel_or_abs(path)).as_uri(), False


def _location(f: Finding, paths: RepoPaths) -> dict[str, Any]:
    uri, relative = artifact_uri(f.path, paths)
    art: dict[str, Any] = {"uri": uri}
    if relative:
        art["uriBaseId"] = URI_BASE_ID
    return {"physicalLocation": {"artifactLocation": art, "region": _region(f.span)}}


def _region(span: Span) -> dict[str, int]:
    line = max(span.line, 1)
    col = max(span.column, 1)
    end_line = max(span.end_line, line)
    end_col = max(span.end_column, 1)
    if end_line == line:
        end_col = max(end_col, col)
    return {"startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col}


def _message(f: Finding) -> str:
    text = f.message.rstrip()
    if not text.endswith((".", "!", "?")):
        text += "."
    notes = " ".join(n[:1].upper() + n[1:] + ("" if n.endswith(".") else ".") for n in f.notes)
    return f"{text} {notes}".rstrip()


def _result(f: Finding, options: SarifOptions, index: dict[str, int]) -> dict[str, Any]:
    res: dict[str, Any] = {
        "ruleId": f.rule_id,
        "level": LEVEL[f.severity],
        "message": {"text": _message(f)},
        "locations": [_location(f, options.paths)],
        "partialFingerprints": {FINGERPRINT_KEY: repo_fingerprint(f, options.paths)},
        "properties": {"severity": f.severity.label},
    }
    if f.rule_id in index:
        res["ruleIndex"] = index[f.rule_id]
    if f.resource is not None:
        res["properties"]["resource"] = f.resource.id
        res["properties"]["resourceType"] = f.resource.native_type
    if options.include_suppressed:
        res["suppressions"] = ([{"kind": "inSource", "status": "accepted",
                                 "justification": f.suppression_reason or ""}] if f.suppressed else [])
    return res


def _notification(e: Finding, options: SarifOptions, index: dict[str, int]) -> dict[str, Any]:
    rel = options.paths.rel_or_abs(e.path)
    rule: dict[str, Any] = {"id": e.rule_id}
    if e.rule_id in index:
        rule["index"] = index[e.rule_id]
    return {
        "level": "error",
        "message": {"text": f"Could not parse {rel}: {e.message}"},
        "locations": [_location(e, options.paths)],
        "associatedRule": rule,
    }
