"""Evaluate HCL expressions to spanned values, statically.

What can be known (literals, variables with values, locals, the common functions) is computed;
what cannot (resource attributes known only after apply, data sources, registry modules) becomes
UNKNOWN, or a `Reference` when it names another resource, so the graph can draw the edge. A
policy never fires on UNKNOWN.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..parsers.hcl import (
    BinOp,
    Call,
    Cond,
    Expr,
    Lit,
    ObjectExpr,
    Opaque,
    Template,
    Traversal,
    TupleExpr,
    UnOp,
)
from ..spans import Span
from ..tree import UNKNOWN, PartialText, Reference, Value, from_plain, is_known, restamp

MAX_DEPTH = 64  # guards recursion through locals and nested calls
MAX_FILE_BYTES = 1_000_000


@dataclass
class Scope:
    variables: dict[str, Value] = field(default_factory=dict)
    locals: dict[str, Expr] = field(default_factory=dict)
    local_origin: dict[str, str] = field(default_factory=dict)
    module_outputs: dict[str, dict[str, Value]] = field(default_factory=dict)
    iterators: dict[str, Value] = field(default_factory=dict)  # dynamic-block iterators, each, count
    module_dir: Path | None = None
    allowed_roots: tuple[Path, ...] = ()
    _local_cache: dict[str, Value] = field(default_factory=dict)
    _in_progress: set[str] = field(default_factory=set)

    def child(self, **iterators: Value) -> Scope:
        s = Scope(
            self.variables,
            self.locals,
            self.local_origin,
            self.module_outputs,
            {**self.iterators, **iterators},
            self.module_dir,
            self.allowed_roots,
        )
        s._local_cache = self._local_cache
        s._in_progress = self._in_progress
        return s




def unknown(span: Span) -> Value:
    return Value(UNKNOWN, span)




class Evaluator:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.depth = 0
        # the known parts of templates that evaluated to UNKNOWN, by span (tree.PartialText)
        self.partials: dict[Span, PartialText] = {}

    def eval(self, e: Expr) -> Value:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                return unknown(e.span)
            return self._eval(e)
        finally:
            self.depth -= 1

    def _eval(self, e: Expr) -> Value:
        if isinstance(e, Lit):
            return Value(e.value, e.span)
        if isinstance(e, Template):
            return self._template(e)
        if isinstance(e, Traversal):
            return self._traversal(e)
        if isinstance(e, TupleExpr):
            return Value([self.eval(x) for x in e.items], e.span)
        if isinstance(e, ObjectExpr):
            out: dict[str, Value] = {}
            for key_expr, val_expr, whole in e.items:
                key = self.eval(key_expr)
                if not isinstance(key.data, (str, int, float, bool)):
                    return unknown(e.span)
                val = self.eval(val_expr)
                # a copy: the value may be shared (an iterator's element used twice)
                out[str(key.data)] = Value(val.data, val.span, whole, val.origin)
            return Value(out, e.span)
        if isinstance(e, Cond):
            c = self.eval(e.cond)
            if isinstance(c.data, bool):
                return self.eval(e.then if c.data else e.other)
            if isinstance(c.data, str) and c.data in ("true", "false"):
                return self.eval(e.then if c.data == "true" else e.other)
            return unknown(e.span)
        if isinstance(e, Call):
            return self._call(e)
        if isinstance(e, BinOp):
            return self._binop(e)
        if isinstance(e, UnOp):
            v = self.eval(e.operand)
            if e.op == "!" and isinstance(v.data, bool):
                return Value(not v.data, e.span)
            if e.op == "-" and isinstance(v.data, (int, float)) and not isinstance(v.data, bool):
                return Value(-v.data, e.span)
            return unknown(e.span)
        if isinstance(e, Opaque):
            return unknown(e.span)
        return unknown(Span(1, 1, 1, 1))

    # ---- pieces ----
    def _template(self, e: Template) -> Value:
        pieces: list[tuple[str, bool]] = []
        for p in e.parts:
            s = p if isinstance(p, str) else _to_str(self.eval(p).data)
            if s is not None:
                pieces.append((s, True))
            else:
                pieces.append((p.text if isinstance(p, Traversal) else "?", False))
        if all(known for _, known in pieces):
            return Value("".join(s for s, _ in pieces), e.span)
        self.partials[e.span] = PartialText(tuple(pieces))
        return unknown(e.span)

    def _traversal(self, e: Traversal) -> Value:
        root, steps, sc = e.root, e.steps, self.scope
        if root in sc.iterators:
            return self._steps(sc.iterators[root], steps, e.span)
        if root == "var" and steps and isinstance(steps[0], str):
            v = sc.variables.get(steps[0])
            if v is None:
                return unknown(e.span)
            return self._steps(restamp(v, e.span, v.origin or f"var.{steps[0]}"), steps[1:], e.span)
        if root == "local" and steps and isinstance(steps[0], str):
            lv = self._local(steps[0])
            if lv is None:
                return unknown(e.span)
            origin = sc.local_origin.get(steps[0], f"local.{steps[0]}")
            return self._steps(restamp(lv, e.span, origin), steps[1:], e.span)
        if root == "module" and steps and isinstance(steps[0], str):
            outs = sc.module_outputs.get(steps[0])
            if outs is not None and len(steps) >= 2 and isinstance(steps[1], str) and steps[1] in outs:
                return self._steps(restamp(outs[steps[1]], e.span, f"module.{steps[0]}.{steps[1]}"), steps[2:], e.span)
            return Value(Reference(f"module.{steps[0]}", _name(steps, 1)), e.span)
        if root in ("count", "each", "path", "terraform", "self"):
            return unknown(e.span)
        if root == "data" and len(steps) >= 2:
            return Value(Reference(f"data.{steps[0]}.{steps[1]}", _name(steps, 2)), e.span)
        if steps and isinstance(steps[0], str):
            return Value(Reference(f"{root}.{steps[0]}", _name(steps, 1)), e.span)
        return unknown(e.span)

    def _steps(self, v: Value, steps: list[str | Expr], span: Span) -> Value:
        cur = v
        for st in steps:
            if cur.data is UNKNOWN or isinstance(cur.data, Reference):
                return Value(cur.data, span, origin=cur.origin)
            if st == "*":
                return unknown(span) if not isinstance(cur.data, list) else cur
            key: Any = st if isinstance(st, str) else self.eval(st).data
            if isinstance(cur.data, dict) and isinstance(key, (str, int)):
                nxt = cur.data.get(str(key))
            elif isinstance(cur.data, list) and isinstance(key, int) and not isinstance(key, bool):
                nxt = cur.data[key] if -len(cur.data) <= key < len(cur.data) else None
            else:
                nxt = None
            if nxt is None:
                return unknown(span)
            cur = nxt
        return cur

    def _local(self, name: str) -> Value | None:
        sc = self.scope
        if name in sc._local_cache:
            return sc._local_cache[name]
        expr = sc.locals.get(name)
        if expr is None or name in sc._in_progress:
            return None
        sc._in_progress.add(name)
        try:
            val = Evaluator(Scope(sc.variables, sc.locals, sc.local_origin, sc.module_outputs, {},
                                  sc.module_dir, sc.allowed_roots, sc._local_cache, sc._in_progress)).eval(expr)
        finally:
            sc._in_progress.discard(name)
        sc._local_cache[name] = val
        return val

    def _binop(self, e: BinOp) -> Value:
        a, b = self.eval(e.left), self.eval(e.right)
        x, y, op = a.data, b.data, e.op
        if op == "&&" or op == "||":
            if isinstance(x, bool) and isinstance(y, bool):
                return Value((x and y) if op == "&&" else (x or y), e.span)
            if op == "&&" and (x is False or y is False):
                return Value(False, e.span)
            if op == "||" and (x is True or y is True):
                return Value(True, e.span)
            return unknown(e.span)
        if not is_known(a) or not is_known(b):
            return unknown(e.span)
        try:
            if op == "==":
                return Value(a.plain() == b.plain(), e.span)
            if op == "!=":
                return Value(a.plain() != b.plain(), e.span)
            if isinstance(x, (int, float)) and isinstance(y, (int, float)):
                ops: dict[str, Callable[[Any, Any], Any]] = {
                    "+": lambda p, q: p + q, "-": lambda p, q: p - q, "*": lambda p, q: p * q,
                    "/": lambda p, q: p / q, "%": lambda p, q: p % q, "<": lambda p, q: p < q,
                    ">": lambda p, q: p > q, "<=": lambda p, q: p <= q, ">=": lambda p, q: p >= q,
                }
                if op in ops:
                    return Value(ops[op](x, y), e.span)
        except (ZeroDivisionError, TypeError, OverflowError):
            pass
        return unknown(e.span)

    def _call(self, e: Call) -> Value:
        fn = FUNCTIONS.get(e.name)
        if e.name == "try":
            for arg in e.args:
                v = self.eval(arg)
                if is_known(v) or isinstance(v.data, Reference):
                    return v
            return unknown(e.span)
        if e.name in ("file", "templatefile") and e.args:
            return self._file(e)
        if fn is None:
            return unknown(e.span)
        args = [self.eval(a) for a in e.args]
        if e.expand_last and args:
            last = args.pop()
            if not isinstance(last.data, list):
                return unknown(e.span)
            args.extend(last.data)
        try:
            out: Value = fn(args, e.span)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError, RecursionError):
            return unknown(e.span)
        return out

    def _file(self, e: Call) -> Value:
        """`file("x")` reads only inside the paths given to the linter; anything else is UNKNOWN."""
        arg = self.eval(e.args[0])
        sc = self.scope
        if e.name != "file" or not isinstance(arg.data, str) or sc.module_dir is None:
            return unknown(e.span)
        try:
            target = (sc.module_dir / arg.data).resolve()
            if not any(target == r or r in target.parents for r in sc.allowed_roots):
                return unknown(e.span)
            if not target.is_file() or target.stat().st_size > MAX_FILE_BYTES:
                return unknown(e.span)
            return Value(target.read_text("utf-8", "replace"), e.span, origin=f"file({arg.data})")
        except OSError:
            return unknown(e.span)


def _name(steps: list[str | Expr], start: int) -> str:
    names = [s for s in steps[start:] if isinstance(s, str) and s != "*"]
    return names[0] if names else ""


def _to_str(d: Any) -> str | None:
    if isinstance(d, bool):
        return "true" if d else "false"
    if isinstance(d, (str, int)):
        return str(d)
    if isinstance(d, float):
        return str(int(d)) if d.is_integer() else str(d)
    return None


# ---- functions -----------------------------------------------------------------------------
# Each takes evaluated arguments and the call span; raising TypeError/ValueError means UNKNOWN.

Fn = Callable[[list[Value], Span], Value]


def _need(args: list[Value]) -> None:
    for a in args:
        if not is_known(a):
            raise ValueError("unknown argument")


def _jsonencode(args: list[Value], span: Span) -> Value:
    # keep the structure (with spans) so policy documents can be judged value by value
    v = args[0]
    return Value(v.data, span, origin="jsonencode")


def _jsondecode(args: list[Value], span: Span) -> Value:
    _need(args)
    s = args[0].data
    if not isinstance(s, str):
        raise TypeError
    return from_plain(json.loads(s), span)


def _merge(args: list[Value], span: Span) -> Value:
    out: dict[str, Value] = {}
    for a in args:
        if a.data is None:
            continue
        if not isinstance(a.data, dict):
            raise TypeError
        out.update(a.data)
    return Value(out, span)


def _concat(args: list[Value], span: Span) -> Value:
    out: list[Value] = []
    for a in args:
        if not isinstance(a.data, list):
            raise TypeError
        out.extend(a.data)
    return Value(out, span)


def _lookup(args: list[Value], span: Span) -> Value:
    m, k = args[0], args[1]
    if not isinstance(m.data, dict) or not isinstance(k.data, str):
        raise TypeError
    if k.data in m.data:
        found: Value = m.data[k.data]
        return found
    if len(args) > 2:
        return args[2]
    raise KeyError(k.data)


def _coalesce(args: list[Value], span: Span) -> Value:
    for a in args:
        if a.data is UNKNOWN or isinstance(a.data, Reference):
            raise ValueError
        if a.data is not None and a.data != "":
            return a
    raise ValueError


def _coalescelist(args: list[Value], span: Span) -> Value:
    for a in args:
        if not isinstance(a.data, list):
            raise TypeError
        if a.data:
            return a
    raise ValueError


def _tolist(args: list[Value], span: Span) -> Value:
    a = args[0]
    if not isinstance(a.data, list):
        raise TypeError
    return Value(a.data, span, a.key_span, a.origin)


def _identity(args: list[Value], span: Span) -> Value:
    return args[0]


def _str1(f: Callable[[str], Any]) -> Fn:
    def run(args: list[Value], span: Span) -> Value:
        _need(args[:1])
        s = _to_str(args[0].data)
        if s is None:
            raise TypeError
        return from_plain(f(s), span)

    return run


def _tostring(args: list[Value], span: Span) -> Value:
    s = _to_str(args[0].data)
    if s is None:
        raise TypeError
    return Value(s, span)


def _tonumber(args: list[Value], span: Span) -> Value:
    d = args[0].data
    if isinstance(d, (int, float)) and not isinstance(d, bool):
        return args[0]
    if isinstance(d, str):
        try:
            return Value(int(d), span)
        except ValueError:
            return Value(float(d), span)
    raise TypeError


def _tobool(args: list[Value], span: Span) -> Value:
    d = args[0].data
    if isinstance(d, bool):
        return args[0]
    if d in ("true", "false"):
        return Value(d == "true", span)
    raise TypeError


def _format(args: list[Value], span: Span) -> Value:
    _need(args)
    fmt = args[0].data
    if not isinstance(fmt, str):
        raise TypeError
    vals = [a.data for a in args[1:]]
    import re

    i = iter(vals)

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "%%":
            return "%"
        return str(_to_str(next(i)))

    return Value(re.sub(r"%%|%[-+ #0]*\d*(?:\.\d+)?[sdvqtfeg]", sub, fmt), span)


def _join(args: list[Value], span: Span) -> Value:
    _need(args)
    sep = args[0].data
    parts: list[str] = []
    for a in args[1:]:
        if not isinstance(a.data, list):
            raise TypeError
        parts.extend(str(_to_str(x.data)) for x in a.data)
    return Value(str(sep).join(parts), span)


def _split(args: list[Value], span: Span) -> Value:
    _need(args)
    return from_plain(str(args[1].data).split(str(args[0].data)), span)


def _replace(args: list[Value], span: Span) -> Value:
    _need(args)
    s, a, b = (str(x.data) for x in args[:3])
    if len(a) > 1 and a.startswith("/") and a.endswith("/"):
        raise ValueError("regex replace not evaluated")
    return Value(s.replace(a, b), span)


def _contains(args: list[Value], span: Span) -> Value:
    _need(args)
    lst = args[0].data
    if not isinstance(lst, list):
        raise TypeError
    return Value(any(x.plain() == args[1].plain() for x in lst), span)


def _length(args: list[Value], span: Span) -> Value:
    d = args[0].data
    if isinstance(d, (list, dict, str)):
        return Value(len(d), span)
    raise TypeError


def _element(args: list[Value], span: Span) -> Value:
    lst, idx = args[0].data, args[1].data
    if not isinstance(lst, list) or not isinstance(idx, int) or not lst:
        raise TypeError
    item: Value = lst[idx % len(lst)]
    return item


def _flatten(args: list[Value], span: Span) -> Value:
    out: list[Value] = []

    def walk(v: Value) -> None:
        if isinstance(v.data, list):
            for x in v.data:
                walk(x)
        elif v.data is UNKNOWN:
            raise ValueError
        else:
            out.append(v)

    walk(args[0])
    return Value(out, span)


def _keys(args: list[Value], span: Span) -> Value:
    d = args[0].data
    if not isinstance(d, dict):
        raise TypeError
    return Value([Value(k, span) for k in sorted(d)], span)


def _values(args: list[Value], span: Span) -> Value:
    d = args[0].data
    if not isinstance(d, dict):
        raise TypeError
    return Value([d[k] for k in sorted(d)], span)


def _distinct(args: list[Value], span: Span) -> Value:
    _need(args)
    seen: list[Any] = []
    out: list[Value] = []
    lst = args[0].data
    if not isinstance(lst, list):
        raise TypeError
    for x in lst:
        p = x.plain()
        if p not in seen:
            seen.append(p)
            out.append(x)
    return Value(out, span)


def _compact(args: list[Value], span: Span) -> Value:
    lst = args[0].data
    if not isinstance(lst, list):
        raise TypeError
    return Value([x for x in lst if x.data not in (None, "")], span)


def _zipmap(args: list[Value], span: Span) -> Value:
    ks, vs = args[0].data, args[1].data
    if not isinstance(ks, list) or not isinstance(vs, list):
        raise TypeError
    _need(ks)
    return Value({str(k.data): v for k, v in zip(ks, vs, strict=False)}, span)


def _minmax(f: Callable[..., Any]) -> Fn:
    def run(args: list[Value], span: Span) -> Value:
        _need(args)
        return Value(f(a.data for a in args), span)

    return run


def _can(args: list[Value], span: Span) -> Value:
    return Value(is_known(args[0]), span) if is_known(args[0]) else Value(UNKNOWN, span)


FUNCTIONS: dict[str, Fn] = {
    "jsonencode": _jsonencode,
    "yamlencode": _jsonencode,
    "jsondecode": _jsondecode,
    "merge": _merge,
    "concat": _concat,
    "lookup": _lookup,
    "coalesce": _coalesce,
    "coalescelist": _coalescelist,
    "tolist": _tolist,
    "toset": _tolist,
    "tomap": _identity,
    "sensitive": _identity,
    "nonsensitive": _identity,
    "tostring": _tostring,
    "tonumber": _tonumber,
    "tobool": _tobool,
    "format": _format,
    "join": _join,
    "split": _split,
    "replace": _replace,
    "contains": _contains,
    "length": _length,
    "element": _element,
    "flatten": _flatten,
    "keys": _keys,
    "values": _values,
    "distinct": _distinct,
    "compact": _compact,
    "zipmap": _zipmap,
    "max": _minmax(max),
    "min": _minmax(min),
    "can": _can,
    "lower": _str1(str.lower),
    "upper": _str1(str.upper),
    "trimspace": _str1(str.strip),
    "title": _str1(str.title),
    "chomp": _str1(lambda s: s.rstrip("\r\n")),
    "startswith": lambda a, sp: Value(str(a[0].data).startswith(str(a[1].data)), sp)
    if is_known(a[0]) and is_known(a[1]) else Value(UNKNOWN, sp),
    "endswith": lambda a, sp: Value(str(a[0].data).endswith(str(a[1].data)), sp)
    if is_known(a[0]) and is_known(a[1]) else Value(UNKNOWN, sp),
}
