"""GitHub Actions workflow commands: one annotation per finding, shown on the pull request diff.

    ::error file=infra/main.tf,line=29,col=3,endLine=29,endColumn=29,title=TL101 plaintext-listener::message

Paths are relative to the repository root (the workspace GitHub resolves them against). Values
are escaped as actions/toolkit does: `%`, CR and LF in the message; additionally `:` and `,` in
properties. Severity: critical/high -> error, medium -> warning, low/info -> notice. Parse errors
are errors. Suppressed findings are not annotated. GitHub shows at most 10 errors and 10 warnings
per step on the diff, so a plain summary line follows for the log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import RepoPaths
from ..engine import RunResult
from ..findings import Finding, Severity
from ..policy.loader import Catalog

COMMAND = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
           Severity.LOW: "notice", Severity.INFO: "notice"}


@dataclass(frozen=True)
class GithubOptions:
    paths: RepoPaths
    summary: bool = True
    extra: list[str] = field(default_factory=list)  # plain lines appended after the summary


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding, paths: RepoPaths, catalog: Catalog) -> str:
    command = "error" if f.rule_id == "TL000" else COMMAND[f.severity]
    props = {
        "file": paths.rel_or_abs(f.path),
        "line": str(max(f.span.line, 1)),
        "col": str(max(f.span.column, 1)),
        "endLine": str(max(f.span.end_line, f.span.line, 1)),
        "endColumn": str(max(f.span.end_column, 1)),
        "title": f"{f.rule_id} {f.rule_name} ({f.severity.label})",
    }
    message = f.message
    if f.notes:
        message += "\n" + "\n".join(f"note: {n}" for n in f.notes)
    pol = catalog.policies.get(f.rule_id)
    if pol is not None and f.rule_id != "TL000":
        message += f"\nfix: {' '.join(pol.remediation.split())}\nsee {pol.help_uri}"
    head = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
    return f"::{command} {head}::{escape_data(message)}"


def render(result: RunResult, catalog: Catalog, options: GithubOptions) -> str:
    from .text import summary_line

    shown = [f for f in result.all_findings if not f.suppressed]
    shown.sort(key=lambda f: (options.paths.rel_or_abs(f.path), f.span.line, f.span.column, f.rule_id, f.message))
    lines = [annotation(f, options.paths, catalog) for f in shown]
    if options.summary:
        lines.append(summary_line(result))
    lines += options.extra
    return "\n".join(lines) + "\n" if lines else ""
