"""Apply the mapping tables: native resource -> canonical nodes.

Tables are data (`tables/<format>*.yaml`), one place per format: for each native type, the nodes
it produces and, for each canonical attribute, the native path it comes from and how its value
is translated. Format knowledge lives here and in the tables, never in policies.

Attribute spec keys (all optional except one source):
  path: "a.b" | [alternatives]   native location (first alternative found wins)
  const: X                       a fixed value (no span)
  default: X                     value when the path is absent (no span: findings use the header)
  default_when: {attr: [vals]}   apply the default only when earlier canonical attrs match
  map: {native: canonical}       translate values (case-insensitive); others kept as they are
  case: upper | lower            normalise strings
  test: {equals|in|matches|not_in: ...}   make a boolean: true when any value passes
  present: true                  make a boolean: whether the path exists at all (a block, a key)
  many: true                     keep every value found as a list
  type: int | bool | str         coerce scalars ("443" -> 443, "true" -> True)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from .. import yamlio
from ..model import Attr, NativeResource, Node
from ..spans import Span
from ..tree import UNKNOWN, Value
from .paths import Resolver, flatten_all, resolve, resolver

Hook = Callable[[Node, NativeResource, Value], None]
HOOKS: dict[str, Hook] = {}


def hook(name: str) -> Callable[[Hook], Hook]:
    """Register a derivation too specific for a table row (keep these rare)."""

    def deco(fn: Hook) -> Hook:
        HOOKS[name] = fn
        return fn

    return deco


AttrFn = Callable[[Value, Value, Node], "Attr | None"]  # (context, resource body, node) -> attribute


@dataclass(frozen=True)
class NodeSpec:
    kind: str
    each: str | None
    id: str
    attrs: tuple[tuple[str, dict[str, Any]], ...]
    hooks: tuple[str, ...]
    only_if: dict[str, Any] | None
    # `attrs` compiled once per table row (not per resource): name -> reader
    readers: tuple[tuple[str, AttrFn], ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "readers", tuple((name, _reader(aspec)) for name, aspec in self.attrs))


@cache
def load_table(fmt: str) -> dict[str, tuple[NodeSpec, ...]]:
    """All tables of one format, merged: `tables/<fmt>*.yaml` (e.g. terraform_aws.yaml)."""
    out: dict[str, tuple[NodeSpec, ...]] = {}
    seen: set[str] = set()
    base = resources.files("transit_lint.normalize") / "tables"
    for entry in sorted(base.iterdir(), key=lambda p: p.name):
        if not (entry.name.startswith(fmt) and entry.name.endswith(".yaml")):
            continue
        data = yamlio.load_file(Path(str(entry)))
        aliases: dict[str, str] = data.pop("_aliases", {}) or {}
        for key, specs in data.items():
            # `Type#concern` adds nodes to a type another table maps (e.g. a Service's exposure)
            native = key.partition("#")[0]
            if key in seen:
                raise ValueError(f"{entry.name}: {key} is mapped twice")
            seen.add(key)
            out[native] = out.get(native, ()) + tuple(
                _spec(s) for s in (specs if isinstance(specs, list) else [specs]))
        for alias, target in aliases.items():
            out[alias] = out[target]
    return out


def _spec(raw: dict[str, Any]) -> NodeSpec:
    return NodeSpec(
        kind=raw["kind"],
        each=raw.get("each"),
        id=raw.get("id", "{address}"),
        attrs=tuple((k, v if isinstance(v, dict) else {"path": v}) for k, v in (raw.get("attrs") or {}).items()),
        hooks=tuple(raw.get("hooks") or ()),
        only_if=raw.get("only_if"),
    )


def normalize(resources_: list[NativeResource], fmt: str) -> list[Node]:
    table = load_table(fmt)
    nodes: list[Node] = []
    for res in resources_:
        for spec in table.get(res.type, ()):
            nodes.extend(_apply(spec, res))
    return nodes


def _apply(spec: NodeSpec, res: NativeResource) -> list[Node]:
    if spec.each:
        return _apply_each(spec, res)
    # one node on the resource itself (most rows): no contexts to build, no per-context spans
    body = res.body
    return _finish(spec, res, _node(spec, res, 0, res.header), body, body)


def _apply_each(spec: NodeSpec, res: NativeResource) -> list[Node]:
    """One node per element of `each` that is a map (listeners, rules, origins)."""
    body = res.body
    out: list[Node] = []
    for index, ctx in enumerate(flatten_all(resolve(body, spec.each or ""))):
        if not isinstance(ctx.data, dict):
            continue
        header, span = ctx.key_span or ctx.span, ctx.span
        if header.end_line > span.end_line:
            header = span
        out.extend(_finish(spec, res, _node(spec, res, index, header), ctx, body))
    return out


def _node(spec: NodeSpec, res: NativeResource, index: int, header: Span) -> Node:
    """The row's node for a resource (element `index` of its `each`), without attributes yet."""
    node_id = res.address if spec.id == "{address}" else spec.id.format(
        address=res.address, index=index, name=res.address.rsplit(".", 1)[-1])
    return Node(id=node_id, kind=spec.kind, native_type=res.type, format=res.format, path=res.path,
                span=res.span, header=header, via=res.via, resource=res)


def _finish(spec: NodeSpec, res: NativeResource, node: Node, ctx: Value, body: Value) -> list[Node]:
    """The node's attributes from the table row, then its hooks; [] when `only_if` rejects it."""
    attrs = node.attrs
    for name, read in spec.readers:
        attr = read(ctx, body, node)
        if attr is not None:
            attrs[name] = attr
    if spec.only_if and not _when(spec.only_if, node):
        return []
    for h in spec.hooks:
        HOOKS[h](node, res, ctx)
    return [node]


def _when(cond: dict[str, Any], node: Node) -> bool:
    for k, allowed in cond.items():
        v = node.value(k)
        vals = allowed if isinstance(allowed, list) else [allowed]
        if v is UNKNOWN or v not in vals:
            return False
    return True


Lookup = tuple[bool, Resolver]  # (from the resource body, compiled path)


def _lookups(paths: Any) -> tuple[Lookup, ...]:
    return tuple((p.startswith("^"), resolver(p[1:] if p.startswith("^") else p))
                 for p in (paths if isinstance(paths, list) else [str(paths)]))


def _reader(spec: dict[str, Any]) -> AttrFn:
    """The attribute spec as a function, every decision the spec fixes taken here once."""
    if "const" in spec:
        const = spec["const"]
        return lambda ctx, root, node: Attr(const, None)
    if spec.get("present"):
        return _present_reader(_lookups(spec["path"]))
    lookups = _lookups(spec.get("path"))
    scalars = bool(spec.get("many")) or "test" in spec
    convert = _converter(spec)
    absent = _absent_reader(spec)
    passes = _tester(spec["test"]) if "test" in spec else None
    many = bool(spec.get("many"))

    def read(ctx: Value, root: Value, node: Node) -> Attr | None:
        found: list[Value] = []
        for from_root, walk in lookups:
            found = walk(root if from_root else ctx)
            if scalars:
                found = flatten_all(found)
            if found:
                break
        if not found:
            return absent(node)
        if passes is not None:
            converted = [convert(v.data) for v in found]
            hit = next((v for v, c in zip(found, converted, strict=True) if passes(c)), None)
            if hit is not None:
                return Attr(True, hit.anchor, hit.origin)
            # a reference or an unknown value could be the one that passes
            if any(c is UNKNOWN for c in converted):
                return Attr(UNKNOWN, found[0].anchor, found[0].origin)
            return Attr(False, found[0].anchor, found[0].origin)
        if many:
            vals = [convert(v.data) for v in found]
            value: Any = UNKNOWN if any(x is UNKNOWN for x in vals) else vals
            return Attr(value, _cover(found), found[0].origin, [v.anchor for v in found])
        v = found[0]
        return Attr(convert(v.data), v.anchor, v.origin)

    return read


def _present_reader(lookups: tuple[Lookup, ...]) -> AttrFn:
    def read(ctx: Value, root: Value, node: Node) -> Attr | None:
        for from_root, walk in lookups:
            hits = walk(root if from_root else ctx)
            if hits:
                return Attr(True, hits[0].anchor)
        return Attr(False, None)

    return read


def _absent_reader(spec: dict[str, Any]) -> Callable[[Node], Attr | None]:
    """The attribute when no path is found: the default, False for a test, or none."""
    if "default" in spec:
        default = spec["default"]
        if "default_when" not in spec:
            return lambda node: Attr(default, None, "provider default")
        when = spec["default_when"]
        fallback = _absent_reader({k: v for k, v in spec.items() if k not in ("default", "default_when")})
        return lambda node: Attr(default, None, "provider default") if _when(when, node) else fallback(node)
    if "test" in spec and spec.get("absent_is_false", True):
        return lambda node: Attr(False, None)
    return lambda node: None


def _cover(vals: list[Value]) -> Span:
    first, last = vals[0].anchor, vals[-1].anchor
    return Span(first.line, first.column, last.end_line, last.end_column)


def _converter(spec: dict[str, Any]) -> Callable[[Any], Any]:
    """Case, value map and type of one attribute spec, as one function of the native value."""
    case = spec.get("case")
    mapping = spec.get("map")
    lowered = None if mapping is None else {
        (str(k).lower() if not isinstance(k, bool) else k): v for k, v in mapping.items()}
    t = spec.get("type")

    def convert(data: Any) -> Any:
        if data is UNKNOWN or isinstance(data, (dict, list)) or not _is_scalar(data):
            return data if isinstance(data, (dict, list)) or data is UNKNOWN else UNKNOWN
        if isinstance(data, str) and case == "upper":
            data = data.upper()
        elif isinstance(data, str) and case == "lower":
            data = data.lower()
        if lowered is not None:
            key = str(data).lower() if not isinstance(data, bool) else data
            if key in lowered:
                data = lowered[key]
        if t == "int":
            try:
                data = int(data)
            except (TypeError, ValueError):
                data = UNKNOWN if isinstance(data, str) and "$" in data else data
        elif t == "bool" and isinstance(data, str):
            data = {"true": True, "false": False}.get(data.strip().lower(), data)
        elif t == "str" and isinstance(data, (int, float)) and not isinstance(data, bool):
            data = str(data)
        return data

    return convert


def _tester(test: dict[str, Any]) -> Callable[[Any], bool]:
    return lambda data: _passes(test, data)


def _is_scalar(x: Any) -> bool:
    return x is None or isinstance(x, (str, int, float, bool))


def _passes(test: dict[str, Any], data: Any) -> bool:
    if data is UNKNOWN:
        return False
    for op, arg in test.items():
        if op == "equals" and not _eq(data, arg):
            return False
        if op == "in" and not any(_eq(data, a) for a in arg):
            return False
        if op == "not_in" and any(_eq(data, a) for a in arg):
            return False
        if op == "matches" and not (isinstance(data, (str, int)) and re.search(arg, str(data), re.I)):
            return False
    return True


def _eq(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (isinstance(a, str) and str(a).lower() == str(b).lower())
    return bool(a == b) or str(a) == str(b)
