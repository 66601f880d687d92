"""Nested stacks: a parent template's `AWS::CloudFormation::Stack` (`TemplateURL`) and SAM
`AWS::Serverless::Application` (`Location`) that name a local template, evaluated with the
parameters the parent passes.

Before `aws cloudformation package` (or `sam package`) a nested template is a path relative to
the parent's folder (`./network.yaml`, `nested/db.yaml`); an https or s3 URL is never fetched.
The child is evaluated with the parent's `Parameters` (anything the parent's own evaluation
knows: literals, its parameters' values and defaults; a reference to one of its resources or
anything only a deployment knows is UNKNOWN) in place of the child's defaults, so a finding says
what the parent really deploys. Findings stay in the child file, at the child's property, and
name the parent: `value from parameter Protocol, passed by parent.yaml NetworkStack`.

As Terraform does for local modules, a template that another template of the run instantiates
is judged through its parents only, once per distinct parameter set (identical findings from two
parents are merged by the engine), and not again on its own with its defaults. A template that
nests itself, directly or through others, is a TL000 at the `TemplateURL` that closes the loop.
Nothing outside the paths given to the run is read.

`group` (used by shards.make_shards) keeps a parent and its local children in one shard with a
textual scan, like the scan for Terraform's `source = "./x"`: a stray match only merges shards.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..discover import display_path, read_text, readable_inside
from ..findings import parse_error
from ..frontends import FrontendResult, LoadContext, SourceFile
from ..model import NativeResource
from ..parsers.yamltree import CallFree
from ..spans import Span
from ..tree import UNKNOWN, Value, is_known
from .intrinsics import Resolver

# nested stack type -> the property naming its template
STACK_TYPES = {"AWS::CloudFormation::Stack": "TemplateURL", "AWS::Serverless::Application": "Location"}
MAX_INSTANCES = 1000  # template instantiations per shard: a guard against exponential fan-out
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")  # https:, s3:, arn:, file: (never read)
_TEXT_REF = re.compile(r"""["']?(?:TemplateURL|Location)["']?\s*:\s*["']?([^"'\s#,{}\[\]]+)""")

Loader = Callable[[Value, str, dict[str, tuple[Any, str]] | None, CallFree | None], Any]


def local_path(url: str) -> str | None:
    """The relative path a TemplateURL/Location names, None for URLs and empty values."""
    url = url.strip()
    if not url or _SCHEME.match(url) or "${" in url:
        return None
    return url


def group(files: list[SourceFile]) -> list[list[SourceFile]]:
    """Templates joined by local nested-stack references; every other template alone."""
    by_path = {f.path: i for i, f in enumerate(files)}
    parent = list(range(len(files)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, f in enumerate(files):
        if "TemplateURL" not in f.text and "Location" not in f.text:
            continue  # the regex would try every position of the text for nothing
        for m in _TEXT_REF.finditer(f.text):
            rel = local_path(m.group(1))
            if rel is None:
                continue
            try:
                j = by_path.get((f.path.parent / rel).resolve())
            except (OSError, ValueError):
                continue
            if j is not None:
                parent[find(j)] = find(i)
    groups: dict[int, list[SourceFile]] = {}
    for i, f in enumerate(files):
        groups.setdefault(find(i), []).append(f)
    return list(groups.values())


@dataclass
class Template:
    path: Path
    rel: str
    root: Value
    call_free: CallFree | None = None  # from the parser: what evaluation may skip


@dataclass
class _Instance:
    template: Template
    passed: dict[str, tuple[Any, str]] | None  # None: a top-level template (its own defaults)
    chain: tuple[Path, ...]  # the templates above it, outermost first
    prefix: str  # "NetworkStack." for the resources of a nested stack
    root: str  # the top-level template: addresses are unique below it
    via: str | None


@dataclass
class StackLoader:
    """Evaluates the templates of one shard, nested stacks through their parents."""

    ctx: LoadContext
    result: FrontendResult
    load: Loader  # (root, rel, passed, call_free) -> TemplateResult (template.load_template with the overrides bound)
    parse: Callable[[SourceFile], Template | None]  # parses, reporting TL000 and comments
    overrides: dict[str, Any] = field(default_factory=dict)
    templates: dict[Path, Template | None] = field(default_factory=dict)  # None: unreadable
    _visited: set[Path] = field(default_factory=set)
    _seen: set[tuple[Path, tuple[tuple[str, str], ...]]] = field(default_factory=set)
    _reported: set[str] = field(default_factory=set)
    _count: int = 0

    def run(self, files: list[SourceFile]) -> None:
        for f in files:
            t = self.parse(f)
            if t is not None:
                self.templates[f.path] = t
        parsed = [t for t in self.templates.values() if t is not None]
        called = {c for t in parsed for c in self._children(t)}
        ordered = sorted(parsed, key=lambda t: t.rel)
        for t in ordered:
            if t.path not in called:
                self._instantiate(_Instance(t, None, (), "", t.rel, None))
        # templates reachable only through a loop: judged on their own, the loop is reported
        for t in ordered:
            if t.path not in self._visited:
                self._instantiate(_Instance(t, None, (), "", t.rel, None))

    def _children(self, t: Template) -> set[Path]:
        """Templates `t` names as nested stacks (its own defaults decide computed paths)."""
        out: set[Path] = set()
        resources = t.root.get("Resources")
        if resources is None or not resources.is_map():
            return out
        resolver: Resolver | None = None
        for _, entry in resources.items():
            type_v = entry.get("Type")
            prop = STACK_TYPES.get(type_v.data) if type_v is not None and isinstance(type_v.data, str) else None
            props = entry.get("Properties")
            url_v = props.get(prop) if prop is not None and props is not None else None
            if url_v is None:
                continue
            if not isinstance(url_v.data, str):
                resolver = resolver or Resolver(t.root, self.overrides, t.call_free)
                url_v = resolver.eval(url_v)
            rel = local_path(url_v.data) if url_v is not None and isinstance(url_v.data, str) else None
            if rel is not None:
                target = _resolve(t.path.parent, rel)
                if target is not None:
                    out.add(target)
        return out

    def _instantiate(self, inst: _Instance) -> None:
        t = inst.template
        self._visited.add(t.path)
        self._count += 1
        loaded = self.load(t.root, t.rel, inst.passed, t.call_free)
        if loaded.problems and t.rel not in self._reported:
            self._reported.add(t.rel)
            problem = loaded.problems[0]
            extra = f" (and {len(loaded.problems) - 1} more)" if len(loaded.problems) > 1 else ""
            self.result.errors.append(parse_error(t.rel, problem.span, problem.message + extra))
        resources: list[NativeResource] = loaded.resources
        for r in resources:
            if inst.prefix:
                r.address = inst.prefix + r.address
            r.meta["root"] = inst.root
            r.meta["prefix"] = inst.prefix
            r.via = inst.via
        self.result.resources.extend(resources)
        for r in resources:
            prop = STACK_TYPES.get(r.type)
            if prop is not None:
                self._nested(inst, r, prop)

    def _nested(self, inst: _Instance, stack: NativeResource, prop: str) -> None:
        t = inst.template
        lid = str(stack.meta.get("logical_id", stack.address))
        url_v = stack.body.get(prop)
        url = local_path(url_v.data) if url_v is not None and isinstance(url_v.data, str) else None
        if url_v is None or url is None:
            return  # a URL (https, s3), a SAR application, or a value only a deployment knows
        where = f"{t.rel}:{url_v.anchor.line}"
        target = _resolve(t.path.parent, url)
        if target is None or not target.exists():
            self.result.notes.append(f"nested template not found (not linted): {url} ({where})")
            return
        if target == t.path or target in inst.chain:
            loop = " -> ".join(display_path(p, self.ctx.base) for p in (*inst.chain, t.path, target))
            self.result.errors.append(parse_error(
                t.rel, url_v.anchor, f"nested stack {lid} instantiates a template that contains it ({loop}); "
                                     "the loop is not followed"))
            return
        if not readable_inside(target, self.ctx.roots):
            self.result.notes.append(f"nested template outside the paths given (not read): {url} ({where})")
            return
        child = self.templates[target] if target in self.templates else self._read(target)
        if child is None:
            return
        passed = _passed(stack, t.rel, lid, child)
        key = (target, tuple(sorted((k, repr(v)) for k, (v, _) in passed.items())))
        if key in self._seen:
            return  # this parameter set was judged already (through another parent or stack)
        if self._count >= MAX_INSTANCES:
            self.result.notes.append(f"more than {MAX_INSTANCES} nested stack instances; "
                                     f"{lid} ({where}) and later ones are not linted")
            return
        self._seen.add(key)
        via = f"{lid} ({t.rel}:{stack.header.line})"
        self._instantiate(_Instance(child, passed, (*inst.chain, t.path), f"{inst.prefix}{lid}.", inst.root, via))

    def _read(self, path: Path) -> Template | None:
        """A nested template inside the paths given that the run did not list (e.g. excluded
        by name); read once."""
        ft = read_text(path, self.ctx.max_bytes)
        rel = display_path(path, self.ctx.base)
        if ft.fatal:
            self.result.errors.append(parse_error(rel, Span(1, 1, 1, 1), ft.problem or "unreadable"))
            self.templates[path] = None  # never read twice
            return None
        t = self.parse(SourceFile(path, rel, ft.text))
        self.templates[path] = t
        return t


def _resolve(base: Path, rel: str) -> Path | None:
    try:
        return (base / rel).resolve()
    except (OSError, ValueError, RuntimeError):
        return None


def _passed(stack: NativeResource, rel: str, lid: str, child: Template) -> dict[str, tuple[Any, str]]:
    """What the parent's `Parameters` give the child's declared parameters: a known scalar as
    CloudFormation passes it (lists joined by commas), anything else UNKNOWN."""
    params = stack.body.get("Parameters")
    declared = child.root.get("Parameters")
    out: dict[str, tuple[Any, str]] = {}
    if params is None or not params.is_map():
        return out
    for name, v in params.items():
        if declared is not None and declared.get(name) is None:
            continue  # CloudFormation refuses the stack; nothing to pass
        origin = f"parameter {name}, passed by {rel} {lid}"
        out[name] = (_raw(v), origin)
    return out


def _raw(v: Value) -> Any:
    if not is_known(v):
        return UNKNOWN
    d = v.data
    if isinstance(d, list) and all(isinstance(x.data, (str, int, float, bool)) for x in d):
        return ",".join(_text(x.data) for x in d)
    if isinstance(d, (str, int, float)) and not isinstance(d, bool):
        return d
    if isinstance(d, bool):
        return "true" if d else "false"
    return UNKNOWN


def _text(d: Any) -> str:
    if isinstance(d, bool):
        return "true" if d else "false"
    return str(d)
