"""Terraform plan and state JSON (`terraform show -json`) -> native resources.

A plan holds the values HCL cannot give statically: registry modules' resources, `for_each`
over data sources, computed locals. Each resource of `planned_values` (a plan) or `values` (a
state), in the root module and every child module, becomes a native resource with the same
`type` as in HCL and a body of the same shape (nested blocks are lists of objects in both), so
the Terraform tables and every policy apply unchanged. Values Terraform knows only after apply
(`resource_changes[].change.after_unknown`) are UNKNOWN; when the plan's `configuration` says
which resource such a value comes from, it is a `Reference`, which draws the graph edge.

Every value keeps its span in the JSON file (the tree comes from the shared YAML/JSON span
loader), so findings point at the value's line in the plan. `terraform show -json` writes one
line: pretty-print it (`terraform show -json plan.out | jq . > plan.json`) for useful lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ..findings import parse_error
from ..frontends import FrontendResult, LoadContext, SourceFile
from ..model import NativeResource
from ..parsers.yamltree import load_stream
from ..spans import Span
from ..tree import UNKNOWN, Reference, Value

FORMAT = "terraform-plan"
TABLES = "terraform"  # the resources are Terraform resources: the Terraform tables map them

_HEAD = 4096  # the top-level version keys come first in what Terraform writes
_FORMAT_VERSION = re.compile(r'"format_version"\s*:')
_TERRAFORM_VERSION = re.compile(r'"terraform_version"\s*:')
_MODULE_STEP = re.compile(r'module\.([^.\[]+)(?:\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\])?')
_INDEX = re.compile(r"\[[^\]]*\]$")
# `aws_lb.web[0].arn`, `data.aws_iam_policy_document.p.json`, `module.alb.lb_arn`
_REFERENCE = re.compile(r'(?P<address>(?:data\.)?(?P<root>[A-Za-z_][\w-]*)\.[A-Za-z_][\w-]*'
                        r'(?:\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\])?)(?:\.(?P<attr>[\w-]+))?')
# reference roots that name no resource (their values are already resolved in the plan)
_NOT_RESOURCES = ("var", "local", "each", "count", "path", "terraform", "self")
KNOWN_AFTER_APPLY = "known after apply"


def sniff(path: Path, text: str) -> bool:
    """A JSON object whose first keys are `format_version` and `terraform_version`, with
    `planned_values` (a plan) or `values` (a state)."""
    head = text[:_HEAD].lstrip("\ufeff \t\r\n")
    if not head.startswith("{"):
        return False
    if not (_FORMAT_VERSION.search(head) and _TERRAFORM_VERSION.search(head)):
        return False
    return '"planned_values"' in text or '"values"' in text


def load(files: list[SourceFile], ctx: LoadContext) -> FrontendResult:
    result = FrontendResult()
    for f in files:
        result.files_parsed += 1
        result.comments[f.rel] = []  # JSON has no comments, so no inline suppressions
        stream = load_stream(f.text)  # the engine keeps the cyclic GC off the growing span tree
        for p in stream.problems:
            result.errors.append(parse_error(f.rel, p.span, p.message))
        if not stream.documents:
            continue
        root = stream.documents[0].root
        module = _top_module(root)
        if module is None:
            result.notes.append(f"{f.rel}: a Terraform JSON document without planned_values or values (skipped)")
            continue
        result.resources.extend(PlanReader(root, f.rel).module_resources(module))
    return result


def _top_module(root: Value) -> Value | None:
    for key in ("planned_values", "values"):
        top = root.get(key)
        module = top.get("root_module") if top is not None else None
        if module is not None and module.is_map():
            return module
    return None


class PlanReader:
    """Reads one plan or state document."""

    def __init__(self, root: Value, rel: str) -> None:
        self.rel = rel
        self.unknown: dict[str, Value] = {}
        for rc in _items(root.get("resource_changes")):
            change = rc.get("change")
            address = _text(rc.get("address"))
            after_unknown = change.get("after_unknown") if change is not None else None
            if address and after_unknown is not None:
                self.unknown[address] = after_unknown
        config = root.get("configuration")
        self.config_root = config.get("root_module") if config is not None else None

    def module_resources(self, module: Value) -> Iterator[NativeResource]:
        address = _text(module.get("address")) or ""
        prefix = f"{address}." if address else ""
        config = self._config_module(address)
        for r in _items(module.get("resources")):
            res = self._resource(r, prefix, config)
            if res is not None:
                yield res
        for child in _items(module.get("child_modules")):
            yield from self.module_resources(child)

    def _resource(self, r: Value, prefix: str, config: Value | None) -> NativeResource | None:
        rtype, name, address = _text(r.get("type")), _text(r.get("name")), _text(r.get("address"))
        if not rtype or not name or not address:
            return None
        data = _text(r.get("mode")) == "data"
        native_type = f"data.{rtype}" if data else rtype
        values = r.get("values")
        body = _clean(values) if values is not None and values.is_map() else Value({}, r.span)
        if address in self.unknown:
            _merge_unknown(body, self.unknown[address])
        config_address = f"data.{rtype}.{name}" if data else f"{rtype}.{name}"
        expressions = _config_expressions(config, config_address)
        if expressions is not None:
            _apply_references(body, expressions)
        addr_entry = r.get("address")
        header = addr_entry.anchor if addr_entry is not None else Span.point(r.span.line, r.span.column)
        body = Value(body.data, r.span, header)
        module = prefix[:-1] or None
        return NativeResource(address, native_type, "terraform", self.rel, r.span, header, body,
                              via=f"{module} (in {self.rel})" if module else None,
                              meta={"prefix": prefix, "root": self.rel, "plan": True})

    def _config_module(self, address: str) -> Value | None:
        """The configuration of a module instance (`module.a["x"].module.b` -> calls a, then b)."""
        cur = self.config_root
        for m in _MODULE_STEP.finditer(address):
            if cur is None:
                return None
            call = _get(cur, "module_calls", m.group(1))
            cur = call.get("module") if call is not None else None
        return cur


def _config_expressions(config: Value | None, address: str) -> Value | None:
    for c in _items(config.get("resources") if config is not None else None):
        if _text(c.get("address")) == address:
            return c.get("expressions")
    return None


def _clean(v: Value) -> Value:
    """The body in the shape HCL gives: null attributes and empty lists are absent, as an unset
    attribute or block is in a .tf file."""
    d = v.data
    if isinstance(d, dict):
        kept = {k: _clean(x) for k, x in d.items() if not _absent(x)}
        return Value(kept, v.span, v.key_span, v.origin)
    if isinstance(d, list):
        return Value([_clean(x) for x in d], v.span, v.key_span, v.origin)
    return v


def _absent(v: Value) -> bool:
    return v.data is None or (isinstance(v.data, list) and not v.data)


def _merge_unknown(body: Value, marks: Value) -> None:
    """`after_unknown` mirrors the values: `true` where a value is known only after apply. The
    UNKNOWN value sits at the mark's line (there is no value in `planned_values` to point at)."""
    if isinstance(body.data, dict) and isinstance(marks.data, dict):
        for k, m in marks.data.items():
            cur = body.data.get(k)
            if m.data is True:
                body.data[k] = Value(UNKNOWN, m.span, m.key_span, KNOWN_AFTER_APPLY)
            elif cur is not None:
                _merge_unknown(cur, m)
    elif isinstance(body.data, list) and isinstance(marks.data, list):
        for i, m in enumerate(marks.data):
            if i >= len(body.data):
                break
            if m.data is True:
                body.data[i] = Value(UNKNOWN, m.span, body.data[i].key_span, KNOWN_AFTER_APPLY)
            else:
                _merge_unknown(body.data[i], m)


def _apply_references(body: Value, expressions: Value) -> None:
    """Turn UNKNOWN values that the configuration computes from other resources into
    `Reference`s (the graph's edges). Known values stay as they are: they are what is judged."""
    if not isinstance(body.data, dict) or not isinstance(expressions.data, dict):
        return
    for attr, expr in expressions.data.items():
        cur = body.data.get(attr)
        if isinstance(expr.data, list):  # nested blocks: a list of expression maps
            if cur is not None and isinstance(cur.data, list):
                for b, e in zip(cur.data, expr.data, strict=False):
                    _apply_references(b, e)
            continue
        if cur is None or not isinstance(expr.data, dict) or "references" not in expr.data:
            continue
        refs = _references(expr.get("references"))
        if not refs:
            continue
        if cur.data is UNKNOWN:
            data: object = refs[0] if len(refs) == 1 else [Value(r, cur.span) for r in refs]
            body.data[attr] = Value(data, cur.span, cur.key_span, cur.origin)
        elif isinstance(cur.data, list) and len(cur.data) == len(refs) and all(x.data is UNKNOWN for x in cur.data):
            cur.data = [Value(r, x.span, x.key_span, x.origin) for r, x in zip(refs, cur.data, strict=True)]


def _references(v: Value | None) -> list[Reference]:
    """`["aws_lb.web[0].arn", "aws_lb.web[0]", "aws_lb.web", "var.x"]` -> [aws_lb.web[0] arn]:
    one per resource, the first (most precise) form Terraform lists."""
    out: list[Reference] = []
    seen: set[str] = set()
    for item in _items(v):
        m = _REFERENCE.match(_text(item) or "")
        if m is None or m.group("root") in _NOT_RESOURCES:
            continue
        address = m.group("address")
        base = _INDEX.sub("", address)
        if base not in seen:
            seen.add(base)
            out.append(Reference(address, m.group("attr") or ""))
    return out


def _items(v: Value | None) -> list[Value]:
    return list(v.data) if v is not None and isinstance(v.data, list) else []


def _text(v: Value | None) -> str | None:
    return v.data if v is not None and isinstance(v.data, str) else None


def _get(v: Value, *keys: str) -> Value | None:
    cur: Value | None = v
    for k in keys:
        cur = cur.get(k) if cur is not None else None
    return cur
