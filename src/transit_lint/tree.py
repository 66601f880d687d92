"""The spanned tree every parser produces and every normalizer reads.

A `Value` is a scalar, a mapping or a list, and it always knows its source span, so that a
finding can point at the offending value instead of the enclosing resource (cfn-lint's idea of
carrying marks from load time). Values that cannot be known statically are `UNKNOWN`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .spans import Span


class _Unknown:
    """A value that cannot be known without running or deploying anything."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("UNKNOWN has no truth value; test `is UNKNOWN` first")

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


@dataclass(slots=True)
class Value:
    """A spanned value.

    `data` is a Python scalar (str, int, float, bool, None), `UNKNOWN`, a `dict[str, Value]`
    or a `list[Value]`. `span` covers the value itself; `key_span` covers the `key = value`
    (or `key: value`) entry that holds it, which is where a finding about it should start.
    `origin` says where an indirect value came from (a variable default, a parameter).
    """

    data: Any
    span: Span
    key_span: Span | None = None
    origin: str | None = None

    @property
    def anchor(self) -> Span:
        """Where a finding about this value points: the entry line when known."""
        return self.key_span or self.span

    def is_map(self) -> bool:
        return isinstance(self.data, dict)

    def is_list(self) -> bool:
        return isinstance(self.data, list)

    def is_unknown(self) -> bool:
        return self.data is UNKNOWN

    def get(self, key: str) -> Value | None:
        if isinstance(self.data, dict):
            found: Value | None = self.data.get(key)
            return found
        return None

    def items(self) -> Iterator[tuple[str, Value]]:
        if isinstance(self.data, dict):
            yield from self.data.items()

    def plain(self) -> Any:
        """The value without spans (UNKNOWN stays UNKNOWN)."""
        if isinstance(self.data, dict):
            return {k: v.plain() for k, v in self.data.items()}
        if isinstance(self.data, list):
            return [v.plain() for v in self.data]
        return self.data


@dataclass(slots=True)
class Document:
    """One parsed unit of a file: a Terraform module's resources, one YAML document, one nginx
    configuration. `root` is the spanned tree; `meta` carries format-specific facts."""

    path: str
    format: str
    root: Value
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reference:
    """A value that names another object: Terraform `aws_lb_target_group.app.arn`,
    CloudFormation `!Ref TG` / `!GetAtt TG.Arn`. Policies treat it as not statically known;
    the graph turns it into an edge."""

    address: str  # "aws_lb_target_group.app", "module.x", "data.aws_iam_policy_document.p", "TG"
    attribute: str  # "arn", "" when the object itself

    def __str__(self) -> str:
        return f"{self.address}.{self.attribute}" if self.attribute else self.address


def restamp(v: Value, span: Span, origin: str | None) -> Value:
    """Move a value that came through a variable, local or parameter to the place it is used."""
    data = v.data
    if isinstance(data, dict):
        data = {k: restamp(x, span, None) for k, x in data.items()}
    elif isinstance(data, list):
        data = [restamp(x, span, None) for x in data]
    return Value(data, span, None, origin or v.origin)


def is_known(v: Value) -> bool:
    """True when the whole value is known (no UNKNOWN or Reference anywhere inside)."""
    d = v.data
    if d is UNKNOWN or isinstance(d, Reference):
        return False
    if isinstance(d, dict):
        return all(is_known(x) for x in d.values())
    if isinstance(d, list):
        return all(is_known(x) for x in d)
    return True


def references(v: Value, key: str = "") -> Iterator[tuple[str, Reference]]:
    """Every reference inside a value, with the name of the attribute that holds it."""
    # collected eagerly by plain recursion: nested generators cost ~3x on every resource body
    # (the graph and the exposure pass walk each body)
    out: list[tuple[str, Reference]] = []
    collect_references(v, key, out)
    return iter(out)


# NativeResource.meta key: (body, its references) found by a pass that walked the whole body (the
# connection-string pass); the graph takes them instead of walking the body again
SCANNED_REFERENCES = "scanned_references"


class ReferenceMemo:
    """`references(body)` computed once per body within one pass that asks for the same bodies
    several times (several nodes of one resource). The memo keeps each body alive, so an id is
    never reused while it is here; the bodies must not change while the memo is used."""

    __slots__ = ("_by_id",)

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[Value, list[tuple[str, Reference]]]] = {}

    def __call__(self, v: Value) -> list[tuple[str, Reference]]:
        hit = self._by_id.get(id(v))
        if hit is None:
            out: list[tuple[str, Reference]] = []
            collect_references(v, "", out)
            hit = self._by_id[id(v)] = (v, out)
        return hit[1]

    def seed(self, v: Value, refs: list[tuple[str, Reference]]) -> None:
        """`references(v)` as another walk of the same body found them."""
        self._by_id.setdefault(id(v), (v, refs))


def collect_references(v: Value, key: str, out: list[tuple[str, Reference]]) -> None:
    """Append `references(v, key)` to `out`."""
    d = v.data
    if isinstance(d, dict):
        for k, x in d.items():
            collect_references(x, k, out)
    elif isinstance(d, list):
        for x in d:
            collect_references(x, key, out)
    elif isinstance(d, Reference):
        out.append((key, d))


def from_plain(x: Any, span: Span, origin: str | None = None) -> Value:
    """A spanned value from plain data (decoded JSON, tfvars.json), every part at `span`."""
    if isinstance(x, dict):
        return Value({str(k): from_plain(v, span) for k, v in x.items()}, span, origin=origin)
    if isinstance(x, list):
        return Value([from_plain(v, span) for v in x], span, origin=origin)
    return Value(x, span, origin=origin)


# ---- partially-known strings ---------------------------------------------------------------------

PARTIAL_TEXT_META = "partial_text"  # NativeResource.meta key: {span of an UNKNOWN value: PartialText}
_SAFE_LABEL = re.compile(r"[^{}\n]{1,200}\Z")


@dataclass(frozen=True, slots=True)
class PartialText:
    """The known parts of a string template whose value is UNKNOWN because some interpolations
    cannot be known statically (`"postgres://${aws_db_instance.r.address}:5432/app?sslmode=disable"`).

    `pieces` are (text, known) in order: literal text, or an interpolation labelled as written
    (`aws_db_instance.r.address`, `?` when it has no short name). The value itself stays UNKNOWN for
    everyone; only a reader that can judge a string by its known parts (the connection-string pass)
    asks for `text`, where each unknown interpolation is a `${label}` placeholder.
    """

    pieces: tuple[tuple[str, bool], ...]

    @property
    def text(self) -> str:
        return "".join(t if known else _placeholder(t) for t, known in self.pieces)

    @property
    def unknown_ranges(self) -> tuple[tuple[int, int], ...]:
        """(start, end) of every placeholder in `text`."""
        out: list[tuple[int, int]] = []
        at = 0
        for t, known in self.pieces:
            width = len(t) if known else len(_placeholder(t))
            if not known:
                out.append((at, at + width))
            at += width
        return tuple(out)


def _placeholder(label: str) -> str:
    return "${" + (label if _SAFE_LABEL.match(label) else "?") + "}"


def partial_text(v: Value, meta: dict[str, Any]) -> PartialText | None:
    """The known parts of an UNKNOWN value that a front end recorded in its resource's
    `meta[PARTIAL_TEXT_META]`; None for any other value."""
    if v.data is not UNKNOWN:
        return None
    table = meta.get(PARTIAL_TEXT_META)
    found = table.get(v.span) if isinstance(table, dict) else None
    return found if isinstance(found, PartialText) else None
