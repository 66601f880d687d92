"""What a policy's `when` condition says at a glance, so that most nodes are skipped unjudged.

A policy fires only where `when` is TRUE, and a FALSE `when` has no other effect (an UNKNOWN one
is recorded, a raising one is a TL001 error). So a node may be skipped whenever `when` is
certainly FALSE on it *and* judging `when` there would raise nowhere. Most policies scope
themselves to the nodes that carry one attribute (`{attr: x, exists: true}`, or any leaf on
`x`: a leaf on an absent attribute is FALSE before its operator runs), so the evaluator first
tests that attribute.

Comparisons (`equals`, `in`, `is` ... with plain arguments) are judged ahead only on plain values
(strings, booleans, floats, ints Python can print): on those their operators cannot raise, so
skipping them, or the other parts of an `all`, changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..model import Attr
from ..tree import UNKNOWN
from .operators import Verdict, verdict

Gate = Callable[[dict[str, Attr]], bool]
Leaf = Callable[[dict[str, Any]], tuple[str, str, Any]]  # condition -> (attribute, operator, argument)

_BIG = 10 ** 600  # ints Python prints under any int_max_str_digits setting (640 at least)


@dataclass(frozen=True, slots=True)
class Scope:
    """The nodes a condition certainly rejects: those that lack attribute `needs`, and those
    where `gate` says True."""

    needs: str | None = None  # an attribute whose absence alone makes the condition FALSE
    gate: Gate | None = None  # True only where the condition is certainly FALSE
    safe: bool = False  # judging the condition cannot raise where the values of `reads` are plain
    reads: frozenset[str] = frozenset()  # attributes whose values an operator judges
    leaf: bool = False

    def rejects(self) -> Gate | None:
        """`needs` and `gate` as one gate (a leaf's or a composite's gate already is)."""
        if self.gate is not None or self.needs is None:
            return self.gate
        return _exists(self.needs, True)

    def test(self) -> tuple[str | None, Gate | None]:
        """(needs, gate) for the evaluator. A lone leaf may be skipped as it stands (an absent
        attribute stops it before its operator runs; a comparison gate judges plain values
        only); a composite only where every value its operators would judge is plain."""
        if self.leaf or not self.reads:
            return self.needs, self.gate
        return None, None if self.gate is None else _guarded(self.gate, tuple(self.reads))


_OPAQUE = Scope()


def scope_of(c: Any, leaf: Leaf) -> Scope:
    """The scope of condition `c`; `leaf` resolves a leaf as the evaluator does (and raises
    where the evaluator would). A composite that might raise somewhere rejects nothing; a lone
    leaf always rejects the nodes that lack its attribute."""
    if not isinstance(c, dict):
        return _OPAQUE
    if "all" in c or "any" in c:
        parts = c["all"] if "all" in c else c["any"]
        if not isinstance(parts, list) or not parts:
            return _OPAQUE
        subs = [scope_of(x, leaf) for x in parts]
        if not all(s.safe for s in subs):
            return _OPAQUE  # every part is judged: another one might raise
        return _all(subs) if "all" in c else _any(subs)
    if "not" in c:
        sub = scope_of(c["not"], leaf)
        return Scope(safe=sub.safe, reads=sub.reads)
    if "related" in c:
        return _OPAQUE
    try:
        name, op_name, arg = leaf(c)
    except Exception:  # noqa: BLE001 - a broken leaf raises on every node: judged as ever
        return _OPAQUE
    if op_name == "exists":
        return Scope(name, None, True, leaf=True) if arg else Scope(None, _exists(name, False), True, leaf=True)
    passed = verdict(op_name, arg)
    if passed is not None:
        return Scope(name, _compare(name, passed), True, frozenset({name}), True)
    return Scope(name, None, False, leaf=True)


def _all(subs: list[Scope]) -> Scope:
    """FALSE as soon as one part is."""
    needs = next((s.needs for s in subs if s.needs is not None), None)
    gates = [g for s in subs if (g := s.rejects()) is not None]
    return Scope(needs, _either(gates) if gates else None, True, frozenset().union(*(s.reads for s in subs)))


def _any(subs: list[Scope]) -> Scope:
    """FALSE only when every part is."""
    names = {s.needs for s in subs}
    gates = [g for s in subs if (g := s.rejects()) is not None]
    return Scope(names.pop() if len(names) == 1 else None, _both(gates) if len(gates) == len(subs) else None, True,
                 frozenset().union(*(s.reads for s in subs)))


def _plain(a: Attr | None) -> bool:
    """A value the comparison operators judge without raising (and print, for their detail)."""
    if a is None:
        return True
    v = a.value
    t = type(v)
    return t in _PLAIN or v is None or v is UNKNOWN or (t is int and -_BIG < v < _BIG)


_PLAIN = frozenset({str, bool, float})


def _guarded(whole: Gate, reads: tuple[str, ...]) -> Gate:
    return lambda attrs: whole(attrs) and all(map(_plain, map(attrs.get, reads)))


def _exists(name: str, wanted: bool) -> Gate:
    if wanted:
        def gate(attrs: dict[str, Attr]) -> bool:
            a = attrs.get(name)
            return a is None or a.value is None
    else:
        def gate(attrs: dict[str, Attr]) -> bool:
            a = attrs.get(name)
            return a is not None and a.value is not None
    return gate


def _compare(name: str, passed: Verdict) -> Gate:
    """A comparison is FALSE where the value is absent, or plain, known and failing."""
    def gate(attrs: dict[str, Attr]) -> bool:
        a = attrs.get(name)
        if a is None:
            return True
        v = a.value
        if type(v) is str or type(v) is bool:  # the common case, plain
            return not passed(v)
        return v is None or (v is not UNKNOWN and _plain(a) and not passed(v))
    return gate


def _either(gates: list[Gate]) -> Gate:
    first, *rest = gates
    if not rest:
        return first
    tail = _either(rest)
    return lambda attrs: first(attrs) or tail(attrs)


def _both(gates: list[Gate]) -> Gate:
    first, *rest = gates
    if not rest:
        return first
    tail = _both(rest)
    return lambda attrs: first(attrs) and tail(attrs)
