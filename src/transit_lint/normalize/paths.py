"""A tiny path language over spanned trees, used by the mapping tables.

`a.b.c`          walk keys; lists are projected (every element is walked), as blocks repeat
`a[type=x].b`    keep only list elements (or the map itself) whose key `type` equals `x`
`a[type!=x]`     ... whose `type` differs from `x`;  `a[key]`  ... that have `key`
`a[0]`           the first element of a list
`a.*`            every value of a map (or element of a list)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from ..tree import Value

_SEG = re.compile(r"([^.\[\]]+|\*)((?:\[[^\]]*\])*)")
_FILTER = re.compile(r"\[(\d+)\]|\[([^\]=!]+)(?:(!?=)([^\]]*))?\]")

Step = tuple[str, tuple[tuple[str, str, str] | int, ...]]  # name, filters


@cache
def compile_path(path: str) -> tuple[Step, ...]:
    steps: list[Step] = []
    for part in _split(path):
        m = _SEG.fullmatch(part)
        if not m:
            raise ValueError(f"bad path segment {part!r} in {path!r}")
        filters: list[tuple[str, str, str] | int] = []
        for f in _FILTER.finditer(m.group(2) or ""):
            if f.group(1) is not None:
                filters.append(int(f.group(1)))
            else:
                filters.append((f.group(2).strip(), f.group(3) or "has", (f.group(4) or "").strip()))
        steps.append((m.group(1), tuple(filters)))
    return tuple(steps)


def _split(path: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in path:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "." and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        out.append(cur)
    return out


def _flatten(v: Value) -> list[Value]:
    return list(v.data) if isinstance(v.data, list) else [v]


def _matches(v: Value, key: str, op: str, want: str) -> bool:
    got = v.get(key)
    if op == "has":
        return got is not None
    if got is None or isinstance(got.data, (dict, list)):
        return op == "!="
    equal = str(got.data).lower() == want.lower()
    return equal if op == "=" else not equal


Resolver = Callable[[Value], list[Value]]


@cache
def resolver(path: str) -> Resolver:
    """`resolve` for one path, compiled once: most table paths are plain keys (`a.b.c`, no
    filter, no `*`), which a direct walk over the dicts reads without the general machinery."""
    steps = compile_path(path)
    if any(filters or name == "*" for name, filters in steps):
        return lambda root: _resolve_steps(root, steps)
    names = tuple(name for name, _ in steps)
    if len(names) == 1:
        key = names[0]

        def one_key(root: Value) -> list[Value]:
            data = root.data
            if isinstance(data, dict):
                child = data.get(key)
                return [] if child is None else [child]
            return _walk(root, names)

        return one_key
    return lambda root: _walk(root, names)


def _walk(root: Value, names: tuple[str, ...]) -> list[Value]:
    """`resolve` of a path of plain keys (lists projected, as in `_resolve_steps`)."""
    current = [root]
    for name in names:
        nxt: list[Value] = []
        for v in current:
            data = v.data
            if isinstance(data, dict):
                child = data.get(name)
                if child is not None:
                    nxt.append(child)
            elif isinstance(data, list):
                for item in data:
                    if isinstance(item.data, dict) and (child := item.data.get(name)) is not None:
                        nxt.append(child)
        if not nxt:
            return []
        current = nxt
    return current


def resolve(root: Value, path: str) -> list[Value]:
    """Every value at `path` under `root`, in document order."""
    return resolver(path)(root)


def _resolve_steps(root: Value, steps: tuple[Step, ...]) -> list[Value]:
    current = [root]
    for name, filters in steps:
        nxt: list[Value] = []
        for v in current:
            for item in _flatten(v):
                if name == "*":
                    if isinstance(item.data, dict):
                        nxt.extend(item.data.values())
                    elif isinstance(item.data, list):
                        nxt.extend(item.data)
                    continue
                child = item.get(name)
                if child is not None:
                    nxt.append(child)
        for f in filters:
            if isinstance(f, int):
                flat = [x for v in nxt for x in _flatten(v)]
                nxt = flat[f : f + 1]
            else:
                key, op, want = f
                nxt = [x for v in nxt for x in _flatten(v) if _matches(x, key, op, want)]
        current = nxt
        if not current:
            return []
    return current


def flatten_all(found: list[Value]) -> list[Value]:
    """Lists among `found` replaced by their elements (one level)."""
    out: list[Value] = []
    for v in found:
        out.extend(_flatten(v))
    return out
