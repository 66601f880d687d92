"""Human-readable report: grouped by file, the offending line shown, a summary."""

from __future__ import annotations

from pathlib import Path

from ..engine import RunResult
from ..findings import Finding, Severity
from ..policy.loader import Catalog
from ..redact import redact

_COLOURS = {
    Severity.CRITICAL: "\x1b[1;31m", Severity.HIGH: "\x1b[31m", Severity.MEDIUM: "\x1b[33m",
    Severity.LOW: "\x1b[36m", Severity.INFO: "\x1b[37m",
}
_RESET, _DIM, _BOLD = "\x1b[0m", "\x1b[2m", "\x1b[1m"


def render(result: RunResult, catalog: Catalog, colour: bool = False, base: Path | None = None,
           source: dict[str, list[str]] | None = None) -> str:
    """`source` maps a path to its lines (the CLI reads them); without it no line is shown."""

    def c(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if colour else text

    out: list[str] = []
    by_path: dict[str, list[Finding]] = {}
    for f in result.all_findings:
        by_path.setdefault(f.path, []).append(f)
    for path in sorted(by_path):
        out.append(c(_BOLD, path))
        lines = (source or {}).get(path)
        for f in by_path[path]:
            sev = c(_COLOURS[f.severity], f"{f.severity.label:<8}")
            tag = "  (suppressed: " + (f.suppression_reason or "") + ")" if f.suppressed else ""
            out.append(f"{path}:{f.span.line}:{f.span.column}  {f.rule_id}  {sev} {f.message}{tag}")
            if lines and 0 < f.span.line <= len(lines):
                shown = _shown(lines[f.span.line - 1].rstrip(), f.span.column)
                out.append(c(_DIM, f"    {f.span.line:>5} | {shown}"))
            for note in f.notes:
                out.append(c(_DIM, f"          note: {note}"))
            pol = catalog.policies.get(f.rule_id)
            if pol is not None and f.rule_id not in ("TL000",) and not f.suppressed:
                out.append(c(_DIM, f"          fix: {_first_sentence(pol.remediation)}"))
        out.append("")
    out.append(summary_line(result))
    if result.posture:
        from ..posture import posture_line

        out.append(posture_line(result.posture))
    return "\n".join(out) + "\n"


def _first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    cut = flat.find(". ")
    return flat if cut == -1 else flat[: cut + 1]


def summary_line(result: RunResult) -> str:
    active = [f for f in result.findings if not f.suppressed]
    counts = ", ".join(
        f"{sum(1 for f in active if f.severity == s)} {s.label}" for s in reversed(Severity)
    )
    return (
        f"{len(active)} finding(s) ({counts}); "
        f"{sum(1 for f in result.findings if f.suppressed)} suppressed; "
        f"{result.unknown} unknown; {result.files_parsed} file(s) parsed, "
        f"{result.files_skipped} skipped, {len(result.errors)} parse error(s); "
        f"profile {result.profile}; {result.elapsed:.2f}s"
    )


SHOWN_WIDTH = 160  # a minified plan or template is one long line: show the part around the column
_REDACT_MARGIN = 1000  # secrets are redacted in a wider slice, so the window never cuts one in half


def _shown(line: str, column: int) -> str:
    """The source line as printed under a finding: credentials masked, long lines cut to a window."""
    if len(line) <= SHOWN_WIDTH:
        return redact(line)  # never echo a password
    lo = max(0, column - 1 - _REDACT_MARGIN)
    region = redact(line[lo:column - 1 + _REDACT_MARGIN])
    start = max(0, min(column - 1 - lo - SHOWN_WIDTH // 3, len(region) - SHOWN_WIDTH))
    window = region[start:start + SHOWN_WIDTH]
    return ("…" if lo + start > 0 else "") + window + ("…" if lo + start + SHOWN_WIDTH < len(line) else "")
