"""Registry modules as data: a module call to a well-known registry module becomes the native
resources that module would create, built from the call's arguments.

transit-lint never downloads a module. For the most used public modules, `data/registry_modules.yaml`
states their interface: the inputs they read, the module's own defaults, and the resources of
known provider types they create from them (an `aws_security_group_rule` per entry of
`ingress_with_cidr_blocks`, an `aws_db_instance` with `ca_cert_identifier`, ...). The synthetic
resources then go through the ordinary mapping tables and policies. Every value keeps the span of
the argument it came from; a module default points at the module call's own line.

Expressions (one operator per mapping, `when:` may guard any of them; absent = not set):
  {const: x}                 a literal
  {input: name}              the module argument, else the module's default (`inputs:`)
  {item: key}                a key of the current element (`each:`), dotted for nested maps; "." the element
  {rule: i, of: expr}        column i of the named rule `of` in the module's `rules:` table
  {first: [e, ...]}          the first present value (an UNKNOWN one stops the search)
  {split: expr}              a comma-separated string as a list (a list stays as it is)
  {block: {k: e, ...}}       a map (an HCL block); {blocks: [e, ...]} a list of the present ones
  {all: [e, ...]}, {any: [e, ...]}   every / some value truthy; {in: [x, ...], of: expr} membership
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..data import load_yaml
from ..model import NativeResource
from ..spans import Span
from ..tree import UNKNOWN, Reference, Value, from_plain

MAX_ELEMENTS = 1000  # per `each`: a guard against hostile input, far above real module calls

# git/GitHub forms of a terraform-aws-modules repository: terraform-aws-<name> -> <ns>/<name>/aws
_GITHUB = re.compile(r"^(?:git::)?(?:https://|ssh://git@|git@)?github\.com[/:]([\w.-]+)/terraform-(\w+)-([\w.-]+?)(?:\.git)?$")
_REGISTRY_HOST = re.compile(r"^(?:registry\.terraform\.io|registry\.opentofu\.org)/")


@dataclass(frozen=True)
class ModuleSpec:
    address: str  # namespace/name/provider
    inputs: dict[str, Any]
    resources: tuple[dict[str, Any], ...]
    rules: dict[str, list[Any]] = field(default_factory=dict)
    submodules: dict[str, dict[str, list[Any]]] = field(default_factory=dict)


def parse_source(source: str) -> tuple[str, str] | None:
    """(registry address, submodule path) of a registry or GitHub module source; None for local
    paths and sources the table cannot name. `?ref=` and the registry host are dropped."""
    s = source.strip().split("?", 1)[0]
    if s.startswith(("./", "../", "/")):
        return None
    scheme = ""
    for prefix in ("git::https://", "git::ssh://", "https://", "ssh://"):
        if s.startswith(prefix):
            scheme, s = prefix, s[len(prefix):]
            break
    base, _, sub = s.partition("//")
    base = _REGISTRY_HOST.sub("", base)
    m = _GITHUB.match(scheme + base)
    if m:
        base = f"{m.group(1)}/{m.group(3)}/{m.group(2)}"
    elif scheme or base.count("/") != 2:
        return None
    return base.lower(), sub.strip("/")


@cache
def table() -> dict[str, ModuleSpec]:
    raw = load_yaml("registry_modules.yaml") or {}
    out: dict[str, ModuleSpec] = {}
    for address, spec in raw.items():
        if address.startswith("_"):
            continue
        out[address] = ModuleSpec(
            address,
            dict(spec.get("inputs") or {}),
            tuple(spec.get("resources") or ()),
            dict(spec.get("rules") or {}),
            {k: dict(v or {}) for k, v in (spec.get("submodules") or {}).items()},
        )
    return out


def lookup(source: str) -> tuple[ModuleSpec, dict[str, list[Any]]] | None:
    """The interface of a module source and the inputs its submodule presets (None: unknown)."""
    parsed = parse_source(source)
    if parsed is None:
        return None
    spec = table().get(parsed[0])
    if spec is None:
        return None
    sub = parsed[1]
    if not sub:
        return spec, {}
    if sub not in spec.submodules:
        return None  # a submodule the table does not describe: its interface is not known
    return spec, spec.submodules[sub]


@dataclass
class Call:
    """One module call: its arguments (spanned), where it sits, and what it is called."""

    spec: ModuleSpec
    presets: dict[str, list[Any]]
    args: dict[str, Value]
    address: str  # prefix + "module.<name>"
    path: str
    span: Span  # the whole module block
    header: Span  # the module block's first line
    via: str | None
    source: str


def expand(call: Call) -> list[NativeResource]:
    """The native resources the module would create, from the call's arguments."""
    out: list[NativeResource] = []
    for rdef in call.spec.resources:
        out.extend(_resources(call, rdef))
    return out


def _resources(call: Call, rdef: dict[str, Any]) -> list[NativeResource]:
    ctx = _Ctx(call, None, call.header)
    only = rdef.get("only_if")
    if only is not None and _truth(ctx.eval(only)) is not True:
        return []  # not created, or not known to be: nothing to judge
    rtype, rname = str(rdef["type"]), str(rdef.get("name", "this"))
    base = f"{call.address}.{rtype}.{rname}"
    if "each" not in rdef:
        return [_resource(call, rtype, base, _Ctx(call, None, call.header), rdef)]
    coll = ctx.eval(rdef["each"])
    if coll is None or not isinstance(coll.data, (list, dict)):
        return []
    keyed: list[tuple[str, Value]] = (
        [(str(i), x) for i, x in enumerate(coll.data)] if isinstance(coll.data, list)
        else [(f'"{k}"', x) for k, x in coll.data.items()])
    if "take" in rdef:  # `count = var.number_of_computed_...`: only the first N are created
        n = ctx.eval(rdef["take"])
        if n is None or isinstance(n.data, bool) or not isinstance(n.data, int):
            return []
        keyed = keyed[: max(n.data, 0)]
    out: list[NativeResource] = []
    for key, elem in keyed[:MAX_ELEMENTS]:
        out.append(_resource(call, rtype, f"{base}[{key}]", _Ctx(call, elem, elem.anchor), rdef))
    return out


def _resource(call: Call, rtype: str, address: str, ctx: _Ctx, rdef: dict[str, Any]) -> NativeResource:
    body: dict[str, Value] = {}
    for name, expr in (rdef.get("body") or {}).items():
        v = ctx.eval(expr)
        if v is not None:
            body[name] = v
    return NativeResource(address, rtype, "terraform", call.path, call.span, ctx.anchor,
                          Value(body, call.span, call.header), call.via,
                          {"registry_module": call.source})


class _Ctx:
    """Evaluates table expressions for one synthetic resource (one element when `each`)."""

    def __init__(self, call: Call, item: Value | None, anchor: Span) -> None:
        self.call, self.item, self.anchor = call, item, anchor

    def const(self, x: Any, span: Span | None = None) -> Value:
        return from_plain(x, span or self.anchor)

    def eval(self, expr: Any) -> Value | None:
        if not isinstance(expr, dict):
            return self.const(expr)
        if "when" in expr:
            cond = _truth(self.eval(expr["when"]))
            if cond is UNKNOWN:
                return Value(UNKNOWN, self.anchor)
            if cond is not True:
                return None
        op = next((k for k in expr if k != "when"), None)
        if op is None:
            return None
        arg = expr[op]
        fn = getattr(self, f"_op_{op}", None)
        if fn is None:
            raise ValueError(f"registry_modules.yaml: unknown operator {op!r}")
        result: Value | None = fn(arg, expr)
        return result

    def _op_const(self, arg: Any, expr: dict[str, Any]) -> Value:
        return self.const(arg)

    def _op_input(self, name: str, expr: dict[str, Any]) -> Value | None:
        call = self.call
        given = call.args.get(name)
        preset = call.presets.get(name)
        if preset is not None:
            # a submodule's preset rules come first (concat(auto_..., var....) in the submodule)
            extra = [self.const(x, call.header) for x in preset]
            tail = given.data if given is not None and isinstance(given.data, list) else []
            return Value(extra + tail, call.header, call.header)
        if given is not None:
            return given
        default = call.spec.inputs.get(name)
        if default is None:
            return None
        return from_plain(default, call.header, f"module input {name} (the module's default)")

    def _op_item(self, key: str, expr: dict[str, Any]) -> Value | None:
        if self.item is None:
            return None
        cur: Value | None = self.item
        if key == ".":
            return cur
        for part in key.split("."):
            if cur is None:
                return None
            if cur.data is UNKNOWN or isinstance(cur.data, Reference):
                return Value(UNKNOWN, cur.span)
            cur = cur.get(part)
        return cur

    def _op_rule(self, index: int, expr: dict[str, Any]) -> Value | None:
        name = self.eval(expr.get("of"))
        if name is None:
            return None
        if not isinstance(name.data, str):
            return Value(UNKNOWN, name.anchor)
        row = self.call.spec.rules.get(name.data)
        if row is None or index >= len(row):
            return Value(UNKNOWN, name.anchor)  # a name the table does not know
        return self.const(row[index], name.anchor)

    def _op_first(self, parts: list[Any], expr: dict[str, Any]) -> Value | None:
        for p in parts:
            v = self.eval(p)
            if v is None or v.data is None:
                continue
            return v
        return None

    def _op_split(self, arg: Any, expr: dict[str, Any]) -> Value | None:
        v = self.eval(arg)
        if v is None or not isinstance(v.data, str):
            return v
        parts = [Value(p.strip(), v.span, v.key_span) for p in v.data.split(",") if p.strip()]
        return Value(parts, v.span, v.key_span, v.origin)

    def _op_block(self, fields: dict[str, Any], expr: dict[str, Any]) -> Value:
        out: dict[str, Value] = {}
        for k, e in fields.items():
            v = self.eval(e)
            if v is not None:
                out[k] = v
        return Value(out, self.anchor)

    def _op_blocks(self, parts: list[Any], expr: dict[str, Any]) -> Value | None:
        out: list[Value] = []
        for p in parts:
            v = self.eval(p)
            if v is None:
                continue
            if isinstance(v.data, list):
                out.extend(v.data)
            else:
                out.append(v)
        return Value(out, self.anchor) if out else None

    def _op_all(self, parts: list[Any], expr: dict[str, Any]) -> Value:
        return self._three_valued(parts, decisive=False)

    def _op_any(self, parts: list[Any], expr: dict[str, Any]) -> Value:
        return self._three_valued(parts, decisive=True)

    def _three_valued(self, parts: list[Any], decisive: bool) -> Value:
        """`all` (one False decides) or `any` (one True decides); an unknown part otherwise wins."""
        verdict: Any = not decisive
        for p in parts:
            t = _truth(self.eval(p))
            if t is decisive:
                return Value(decisive, self.anchor)
            if t is UNKNOWN:
                verdict = UNKNOWN
        return Value(verdict, self.anchor)

    def _op_in(self, choices: list[Any], expr: dict[str, Any]) -> Value:
        v = self.eval(expr.get("of"))
        if v is None:
            return Value(False, self.anchor)
        if v.data is UNKNOWN or isinstance(v.data, Reference):
            return Value(UNKNOWN, v.span)
        return Value(v.data in choices, v.span)


_LIST_OPS = ("first", "blocks", "all", "any")


def problems(spec: ModuleSpec) -> list[str]:
    """What is wrong with one module's description (unknown operators, rule names, keys); the
    table's test runs this over every module."""
    out: list[str] = []

    def expr(e: Any, where: str) -> None:
        if not isinstance(e, dict):
            return
        if "when" in e:
            expr(e["when"], f"{where}.when")
        ops = [k for k in e if k not in ("when", "of")]
        if len(ops) != 1 or not hasattr(_Ctx, f"_op_{ops[0]}"):
            out.append(f"{where}: expected one operator, got {ops}")
            return
        op, arg = ops[0], e[ops[0]]
        if op in _LIST_OPS:
            for i, x in enumerate(arg if isinstance(arg, list) else [arg]):
                expr(x, f"{where}.{op}[{i}]")
        elif op == "block":
            for k, x in (arg or {}).items():
                expr(x, f"{where}.{k}")
        elif op == "split":
            expr(arg, f"{where}.split")
        if op in ("rule", "in"):
            expr(e.get("of"), f"{where}.of")
        if op == "input" and not isinstance(arg, str):  # an input without a listed default is null
            out.append(f"{where}: input name {arg!r}")

    for i, rdef in enumerate(spec.resources):
        where = f"{spec.address}.resources[{i}]"
        unknown_keys = set(rdef) - {"type", "name", "only_if", "each", "take", "body"}
        if unknown_keys:
            out.append(f"{where}: unknown keys {sorted(unknown_keys)}")
        for key in ("only_if", "each", "take"):
            expr(rdef.get(key), f"{where}.{key}")
        for k, x in (rdef.get("body") or {}).items():
            expr(x, f"{where}.body.{k}")
    for sub, presets in spec.submodules.items():
        for name in presets.get("ingress_rules", []):
            if name not in spec.rules:
                out.append(f"{spec.address}//{sub}: rule {name} is not in rules")
    return out


def _truth(v: Value | None) -> Any:
    """True, False or UNKNOWN: Terraform's truthiness of a flag, and non-empty for the rest."""
    if v is None or v.data is None:
        return False
    d = v.data
    if d is UNKNOWN or isinstance(d, Reference):
        return UNKNOWN
    if isinstance(d, bool):
        return d
    if isinstance(d, str):
        return d.lower() not in ("", "false", "0")
    if isinstance(d, (list, dict)):
        return len(d) > 0
    if isinstance(d, (int, float)):
        return d != 0
    return UNKNOWN


__all__ = ["Call", "ModuleSpec", "expand", "lookup", "parse_source", "problems", "table"]
