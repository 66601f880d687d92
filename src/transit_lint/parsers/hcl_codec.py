"""A compact, data-only encoding of parsed HCL files.

Used to ship parse results from worker processes and to store them in the parse cache. It is
plain JSON (never pickle: a cache folder can arrive inside an untrusted pull request, and
unpickling executes code), and decoding checks every tag against a closed set of classes.
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from ..spans import Span
from .hcl import (
    Attribute,
    BinOp,
    Block,
    Call,
    Cond,
    HclFile,
    Lit,
    ObjectExpr,
    Opaque,
    SyntaxProblem,
    Template,
    Traversal,
    TupleExpr,
    UnOp,
)

_CLASSES: dict[str, type] = {c.__name__: c for c in (
    Attribute, BinOp, Block, Call, Cond, HclFile, Lit, ObjectExpr, Opaque, SyntaxProblem, Template,
    Traversal, TupleExpr, UnOp)}
_FIELDS = {name: tuple(f.name for f in fields(cls)) for name, cls in _CLASSES.items()}


class CodecError(ValueError):
    """The encoded data is not a parse result of this version."""


def _enc(x: Any) -> Any:
    if isinstance(x, Span):
        return {"$s": [x.line, x.column, x.end_line, x.end_column]}
    name = type(x).__name__
    if name in _CLASSES and type(x) is _CLASSES[name]:
        return {"$t": name, "v": [_enc(getattr(x, f)) for f in _FIELDS[name]]}
    if isinstance(x, dict):
        return {"$d": [[k, _enc(v)] for k, v in x.items()]}
    if isinstance(x, (list, tuple)):
        return [_enc(v) for v in x]
    return x


def _dec(x: Any) -> Any:
    if isinstance(x, list):
        return [_dec(v) for v in x]
    if isinstance(x, dict):
        if "$s" in x:
            a, b, c, d = x["$s"]
            return Span(int(a), int(b), int(c), int(d))
        if "$d" in x:
            return {str(k): _dec(v) for k, v in x["$d"]}
        tag = x.get("$t")
        cls = _CLASSES.get(tag) if isinstance(tag, str) else None
        if cls is None:
            raise CodecError(f"unknown tag {tag!r}")
        names = _FIELDS[str(tag)]
        vals = x.get("v")
        if not isinstance(vals, list) or len(vals) != len(names):
            raise CodecError(f"bad {tag}")
        decoded = [_dec(v) for v in vals]
        obj = cls(*decoded)
        if isinstance(obj, ObjectExpr):
            obj.items = [tuple(i) for i in obj.items]  # type: ignore[misc]
        if isinstance(obj, HclFile):
            obj.comments = [(int(a), str(b)) for a, b in obj.comments]
        return obj
    return x


def encode(f: HclFile) -> str:
    return json.dumps(_enc(f), separators=(",", ":"))


def decode(text: str) -> HclFile:
    try:
        obj = _dec(json.loads(text))
    except (ValueError, TypeError, KeyError, RecursionError) as e:
        raise CodecError(str(e)) from None
    if not isinstance(obj, HclFile):
        raise CodecError("not a parsed file")
    return obj
