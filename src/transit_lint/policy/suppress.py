"""Inline suppressions: waivers written next to the code they waive, each with a reason.

Forms (the reason is required; a suppression without one is reported and not applied):

* a comment `transit-lint: ignore[TL101] reason` (`#` or `//` in HCL, `#` in YAML and nginx)
  on the line above the offending value, or at the end of that line; on the line above a
  resource header it waives the rule for everything inside that resource (a Terraform resource
  with its nested blocks, an nginx server with its locations). Several ids may be listed
  (`ignore[TL101, TL201]`), by id or by name; other comment lines (stacked directives, notes)
  may sit between a directive and its line, a blank line may not.
* CloudFormation, on the resource: `Metadata: {transit-lint: {ignore: [{id: TL101, reason: ...}]}}`
  (also `{rule: ..., reason: ...}` items, or a mapping `{TL101: reason}`).
* Kubernetes, on the object: annotation `transit-lint.io/ignore: "TL101: reason"`; several
  entries are separated by `;` or new lines, and `TL101, TL201: reason` waives both. Resources
  synthesized from an object (containers, ingress-nginx views: `meta["owner"]`) follow it.

Suppressed findings are kept with `suppressed=True` and the reason. A suppression that is
malformed, has no reason, names an unknown rule, or waives nothing is itself a TL002 finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..discover import display_path, read_text
from ..findings import Finding, make_finding
from ..model import NativeResource, Node
from ..spans import Span
from ..tree import Value
from .loader import Catalog, Policy

K8S_ANNOTATION = "transit-lint.io/ignore"
CFN_METADATA_KEY = "transit-lint"
_MARKER = "transit-lint"  # every directive comment holds it: most comments skip the regex
_COMMENT_START = ("#", "//", "/*")
_DIRECTIVE = re.compile(r"^\s*(?:#+|//+|/\*+)\s*transit-lint\s*:\s*(?P<rest>.*?)\s*(?:\*+/)?\s*$", re.S)
_IGNORE = re.compile(r"^ignore\s*\[(?P<ids>[^\]]*)\]\s*(?P<reason>.*)$", re.S)
_ANNOTATION_ENTRY = re.compile(r"^\s*(?P<ids>[\w.,\s-]+?)\s*[:=]\s*(?P<reason>.*?)\s*$", re.S)
_REASON_LEAD = " \t-:–—"


@dataclass
class Directive:
    """One parsed suppression."""

    path: str
    span: Span  # where the suppression itself is written (TL002 points here)
    rules: list[str]  # resolved rule ids
    reason: str
    target_line: int | None = None  # comments: the line it waives
    resource: NativeResource | None = None  # metadata/annotations: the resource it waives
    used: set[str] = field(default_factory=set)


def apply(findings: list[Finding], *, nodes: list[Node], comments: dict[str, list[tuple[int, str]]],
          catalog: Catalog, enabled: Iterable[Policy], base: Path, errors: list[Finding],
          only_files: set[Path] | None = None) -> list[Finding]:
    """Mark the findings that a suppression waives; return them plus the TL002 findings.

    `only_files` (the files named one by one, pre-commit style) limits TL002 to those files:
    the others were read as context and their findings already dropped, so their suppressions
    would all look unused.
    """
    enabled_ids = {p.id for p in enabled}
    problems = _Problems(catalog, "TL002" in enabled_ids)
    in_scope = None if only_files is None else {display_path(p, base) for p in only_files}
    broken_files = {e.path for e in errors}

    directives: list[Directive] = []
    for path, items in sorted(comments.items()):
        if any(_MARKER in text and _DIRECTIVE.match(text) for _, text in items):
            directives += _comment_directives(path, items, base, catalog, problems)
    seen: set[int] = set()
    for node in nodes:
        for res in _lineage(node.resource):
            if id(res) not in seen:
                seen.add(id(res))
                directives += _resource_directives(res, catalog, problems)

    if directives:  # most shards have none: then no finding needs the block and owner maps
        _mark(findings, directives, _blocks(nodes), _owners(nodes))

    for d in directives:
        if d.path in broken_files:
            continue  # a file that did not parse completely may lack the finding
        for rid in d.rules:
            if rid not in enabled_ids or rid in d.used:
                continue
            if d.resource is None and d.target_line is None:
                problems.add(d.path, d.span, f"suppression of {rid} waives nothing: no code follows it directly "
                             "(a blank line or the end of the file); move it above the offending line")
                continue
            where = f"in {d.resource.address}" if d.resource else (
                f"on line {d.target_line} or in a resource headed there")
            problems.add(d.path, d.span, f"suppression of {rid} waives nothing: no {rid} finding {where}; "
                         "delete it or move it above the offending line")
    extra = [p for p in problems.found if in_scope is None or p.path in in_scope]
    return findings + extra


def _mark(findings: list[Finding], directives: list[Directive], blocks: dict[tuple[str, int], list[Span]],
          owners: dict[tuple[str, str], list[int]]) -> None:
    for f in findings:
        for d in directives:
            if f.rule_id in d.rules and f.path == d.path and _waives(d, f, blocks, owners):
                d.used.add(f.rule_id)
                if not f.suppressed:
                    f.suppressed, f.suppression_reason = True, d.reason


# ---- TL002 ----

class _Problems:
    def __init__(self, catalog: Catalog, enabled: bool) -> None:
        self.policy = catalog.policies.get("TL002")
        self.enabled = enabled and self.policy is not None
        self.found: list[Finding] = []

    def add(self, path: str, span: Span, message: str) -> None:
        if not self.enabled or self.policy is None:
            return
        self.found.append(make_finding(
            rule_id=self.policy.id, rule_name=self.policy.name, severity=self.policy.severity,
            message=message, path=path, span=span, standards=self.policy.standards,
            attribute=message.split(":")[0]))


def _resolve(catalog: Catalog, raw_ids: Iterable[str], path: str, span: Span, problems: _Problems) -> list[str]:
    out: list[str] = []
    for raw in raw_ids:
        key = raw.strip()
        if not key:
            continue
        if key in ("*", "all", "ALL"):
            problems.add(path, span, "suppression must name the rules it waives (no wildcard)")
            continue
        pol = catalog.policies.get(key.upper()) or next((p for p in catalog.policies.values() if p.name == key), None)
        if pol is None:
            problems.add(path, span, f"suppression names unknown rule {key!r}; see --list-rules")
            continue
        out.append(pol.id)
    return out


def _clean_reason(text: str) -> str:
    return " ".join(text.strip(_REASON_LEAD).split())


# ---- comments ----

def _comment_directives(path: str, items: list[tuple[int, str]], base: Path, catalog: Catalog,
                        problems: _Problems) -> list[Directive]:
    ft = read_text(base / path)
    lines = None if ft.fatal else ft.text.split("\n")
    comment_lines = {ln for ln, _ in items}
    out: list[Directive] = []
    for line_no, text in items:
        m = _DIRECTIVE.match(text)
        if not m:
            continue
        span = _comment_span(lines, line_no, text)
        rest = m.group("rest")
        im = _IGNORE.match(rest)
        if not im:
            words = rest.split("[")[0].split()
            verb = words[0] if words else ""
            problems.add(path, span, f"malformed suppression {text.strip()!r}: "
                         f"{'unknown directive ' + repr(verb) + '; ' if verb and verb != 'ignore' else ''}"
                         "write `transit-lint: ignore[TL101] <reason>`")
            continue
        rules = _resolve(catalog, im.group("ids").split(","), path, span, problems)
        if not im.group("ids").strip():
            problems.add(path, span, "suppression names no rule: write `transit-lint: ignore[TL101] <reason>`")
        reason = _clean_reason(im.group("reason"))
        if rules and not reason:
            problems.add(path, span, f"suppression of {', '.join(rules)} gives no reason; "
                         "it is not applied until it says why")
            continue
        if rules:
            out.append(Directive(path, span, rules, reason, target_line=_target(lines, line_no, comment_lines)))
    return out


def _is_comment_line(line: str) -> bool:
    return line.lstrip().startswith(_COMMENT_START)


def _target(lines: list[str] | None, line_no: int, comment_lines: set[int]) -> int | None:
    """The line a directive on `line_no` waives: its own line when it trails code, else the next
    line that is not a comment (stacked directives and notes may sit between)."""
    if lines is not None:
        if 0 < line_no <= len(lines) and not _is_comment_line(lines[line_no - 1]):
            return line_no
        t = line_no + 1
        while t <= len(lines) and _is_comment_line(lines[t - 1]):
            t += 1
        return t if t <= len(lines) and lines[t - 1].strip() else None
    t = line_no + 1
    while t in comment_lines:
        t += 1
    return t


def _comment_span(lines: list[str] | None, line_no: int, text: str) -> Span:
    if lines is None or not 0 < line_no <= len(lines):
        return Span.point(line_no)
    src = lines[line_no - 1]
    first = text.strip().splitlines()[0] if text.strip() else ""
    col = src.find(first) + 1 if first and first in src else 1
    return Span(line_no, col, line_no, col + len(first) if first in src else len(src) + 1)


# ---- which findings a directive waives ----

def _blocks(nodes: list[Node]) -> dict[tuple[str, int], list[Span]]:
    """(path, header line) -> the spans of the resources and nodes headed on that line: a
    directive above a header waives its rules for everything inside that block (a Terraform
    resource with its nested blocks, an nginx server with its locations)."""
    # a dict per key keeps the first-seen order and makes the membership test O(1): a plan on one
    # line heads thousands of nodes on the same line
    out: dict[tuple[str, int], dict[Span, None]] = {}
    for n in nodes:
        pairs = [(n.header.line, n.span), (n.span.line, n.span)]
        if n.resource is not None and n.resource.path == n.path:
            pairs += [(n.resource.header.line, n.resource.span), (n.resource.span.line, n.resource.span)]
        for line, span in pairs:
            out.setdefault((n.path, line), {})[span] = None
    return {k: list(v) for k, v in out.items()}


def _lineage(res: NativeResource | None) -> list[NativeResource]:
    """The resource and the objects it was synthesized from (`meta["owner"]`: a Kubernetes
    container or ingress-nginx view belongs to the object whose annotations waive it)."""
    if isinstance(res, NativeResource) and res.meta.get("owner") is None:
        return [res]  # the common case: a resource of its own
    out: list[NativeResource] = []
    while isinstance(res, NativeResource) and all(res is not r for r in out):
        out.append(res)
        res = res.meta.get("owner")
    return out


def _owners(nodes: list[Node]) -> dict[tuple[str, str], list[int]]:
    out: dict[tuple[str, str], list[int]] = {}
    for n in nodes:
        out.setdefault((n.path, n.id), []).extend(id(r) for r in _lineage(n.resource))
    return out


def _waives(d: Directive, f: Finding, blocks: dict[tuple[str, int], list[Span]],
            owners: dict[tuple[str, str], list[int]]) -> bool:
    if d.resource is not None:
        key = (f.path, f.resource.id) if f.resource else None
        return key is not None and id(d.resource) in owners.get(key, [])
    if d.target_line is None:
        return False
    if f.span.line == d.target_line:
        return True
    if f.resource is not None and f.resource.span.line == d.target_line:
        return True
    return any(b.contains_line(f.span.line) for b in blocks.get((f.path, d.target_line), ()))


# ---- CloudFormation Metadata and Kubernetes annotations ----

def _get(v: Any, key: str) -> Any:
    if isinstance(v, Value):
        return v.get(key)
    if isinstance(v, dict):
        return v.get(key)
    return None


def _plain(v: Any) -> Any:
    return v.plain() if isinstance(v, Value) else v


def _span_of(v: Any, res: NativeResource) -> Span:
    return v.anchor if isinstance(v, Value) else res.header


def _resource_directives(res: NativeResource, catalog: Catalog, problems: _Problems) -> list[Directive]:
    if res.format == "kubernetes":
        return _k8s_directives(res, catalog, problems)
    if res.format == "cloudformation":
        return _cfn_directives(res, catalog, problems)
    return []


def _k8s_directives(res: NativeResource, catalog: Catalog, problems: _Problems) -> list[Directive]:
    value = _get(_get(_get(res.body, "metadata"), "annotations"), K8S_ANNOTATION)
    if value is None:
        return []
    span = _span_of(value, res)
    text = _plain(value)
    if not isinstance(text, str):
        problems.add(res.path, span, f"annotation {K8S_ANNOTATION} must be a string \"TL101: reason\"")
        return []
    out: list[Directive] = []
    for entry in re.split(r"[;\n]", text):
        if not entry.strip():
            continue
        m = _ANNOTATION_ENTRY.match(entry)
        if not m:
            problems.add(res.path, span, f"malformed {K8S_ANNOTATION} entry {entry.strip()!r}: "
                         "write \"TL101: reason\"")
            continue
        rules = _resolve(catalog, m.group("ids").split(","), res.path, span, problems)
        reason = _clean_reason(m.group("reason"))
        if rules and not reason:
            problems.add(res.path, span, f"suppression of {', '.join(rules)} gives no reason; "
                         "it is not applied until it says why")
        elif rules:
            out.append(Directive(res.path, span, rules, reason, resource=res))
    return out


def _cfn_metadata(res: NativeResource) -> Any:
    for key in ("Metadata", "metadata"):
        if key in res.meta:
            return res.meta[key]
    if _get(res.body, "Type") is not None or _get(res.body, "Properties") is not None:
        return _get(res.body, "Metadata")  # the body is the whole resource
    return None


def _cfn_directives(res: NativeResource, catalog: Catalog, problems: _Problems) -> list[Directive]:
    block = _get(_cfn_metadata(res), CFN_METADATA_KEY)
    if block is None:
        # the CloudFormation front end may hand over the entries already read: (rule, reason, span)
        pre = res.meta.get("suppressions")
        entries = [(r, why, sp if isinstance(sp, Span) else res.header) for r, why, sp in pre or []
                   if isinstance(r, str)]
        return _cfn_entries(res, entries, catalog, problems)
    ignore = _get(block, "ignore")
    span = _span_of(block, res)
    data = ignore.data if isinstance(ignore, Value) else ignore
    entries = []
    if isinstance(data, dict):  # {TL101: reason}
        entries = [(str(k), _plain(v) if isinstance(_plain(v), str) else "", _span_of(v, res)) for k, v in data.items()]
    elif isinstance(data, list):  # [{id: TL101, reason: ...}]
        for item in data:
            plain = _plain(item)
            rid = plain.get("id", plain.get("rule")) if isinstance(plain, dict) else None
            if not isinstance(rid, str) or set(plain) - {"id", "rule", "reason"}:
                problems.add(res.path, _span_of(item, res), f"malformed Metadata {CFN_METADATA_KEY}.ignore entry: "
                             "write {id: TL101, reason: ...}")
                continue
            entries.append((rid, str(plain.get("reason") or ""), _span_of(item, res)))
    else:
        problems.add(res.path, span, f"Metadata {CFN_METADATA_KEY}.ignore must be a list of {{id, reason}}")
    return _cfn_entries(res, entries, catalog, problems)


def _cfn_entries(res: NativeResource, entries: list[tuple[str, str, Span]], catalog: Catalog,
                 problems: _Problems) -> list[Directive]:
    out: list[Directive] = []
    for rid, why, ispan in entries:
        rules = _resolve(catalog, rid.split(","), res.path, ispan, problems)
        reason = _clean_reason(why)
        if rules and not reason:
            problems.add(res.path, ispan, f"suppression of {', '.join(rules)} gives no reason; "
                         "it is not applied until it says why")
        elif rules:
            out.append(Directive(res.path, ispan, rules, reason, resource=res))
    return out
