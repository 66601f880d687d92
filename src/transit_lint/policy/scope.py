"""What a policy's conditions say at a glance, so that most nodes are passed over unjudged.

A policy fires only where `when` is TRUE and `require` is FALSE; a FALSE `when` or a TRUE
`require` has no other effect (an UNKNOWN one is recorded, a raising one is a TL001 error). So a
node may be passed over wherever `when` is certainly FALSE, or `require` certainly TRUE, *and*
judging the condition there would raise nowhere. Most policies scope themselves to the nodes
that carry one attribute (`{attr: x, exists: true}`, or any leaf on `x`: a leaf on an absent
attribute is FALSE before its operator runs), so the evaluator first tests that attribute.

Operators with a `verdict` (`equals`, `in`, `is`, `port_in` ...) are judged ahead only on plain
values (short strings, booleans, floats, ints Python can print): on those they raise nothing
but UnknownValue (an UNKNOWN leaf, never certain), so passing them over, or the other parts of
an `all`, changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..model import Attr
from ..tree import UNKNOWN
from .operators import UnknownValue, Verdict, verdict

Gate = Callable[[dict[str, Attr]], bool]
Leaf = Callable[[dict[str, Any]], tuple[str, str, Any]]  # condition -> (attribute, operator, argument)

_BIG = 10 ** 600  # ints Python prints under any int_max_str_digits setting (640 at least)


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a condition is certainly FALSE (attribute `needs` is absent, or `gate` says so) and
    where it is certainly TRUE (`accept` says so)."""

    needs: str | None = None  # an attribute whose absence alone makes the condition FALSE
    gate: Gate | None = None  # True only where the condition is certainly FALSE
    accept: Gate | None = None  # True only where the condition is certainly TRUE
    safe: bool = False  # judging the condition cannot raise where the values of `reads` are plain
    reads: frozenset[str] = frozenset()  # attributes whose values an operator judges
    leaf: bool = False

    def rejects(self) -> Gate | None:
        """`needs` and `gate` as one gate (a leaf's or a composite's gate already is)."""
        if self.gate is not None or self.needs is None:
            return self.gate
        return _exists(self.needs, True)

    def test(self) -> tuple[str | None, Gate | None]:
        """(needs, gate) for a `when`. A lone leaf may be passed over as it stands (an absent
        attribute stops it before its operator runs; a gate judges plain values only); a
        composite only where every value its operators would judge is plain."""
        if self.leaf or not self.reads:
            return self.needs, self.gate
        return None, None if self.gate is None else _guarded(self.gate, tuple(self.reads))

    def passes(self) -> Gate | None:
        """The gate for a `require`: True only where it is certainly TRUE and raises nowhere."""
        if self.leaf or not self.reads or self.accept is None:
            return self.accept
        return _guarded(self.accept, tuple(self.reads))


_OPAQUE = Scope()


def scope_of(c: Any, leaf: Leaf) -> Scope:
    """The scope of condition `c`; `leaf` resolves a leaf as the evaluator does (and raises
    where the evaluator would). A composite that might raise somewhere is never certain; a lone
    leaf is always FALSE on the nodes that lack its attribute."""
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
        return Scope(None, sub.accept, sub.rejects(), sub.safe, sub.reads) if sub.safe else _OPAQUE
    if "related" in c:
        return _OPAQUE
    try:
        name, op_name, arg = leaf(c)
    except Exception:  # noqa: BLE001 - a broken leaf raises on every node: judged as ever
        return _OPAQUE
    if op_name == "exists":
        if arg:
            return Scope(name, None, _exists(name, False), True, leaf=True)
        return Scope(None, _exists(name, False), _exists(name, True), True, leaf=True)
    passed = verdict(op_name, arg)
    if passed is not None:
        return Scope(name, _compare(name, passed, False), _compare(name, passed, True), True, frozenset({name}), True)
    return Scope(name, None, None, False, leaf=True)


def _all(subs: list[Scope]) -> Scope:
    """FALSE as soon as one part is; TRUE when every part is."""
    needs = next((s.needs for s in subs if s.needs is not None), None)
    gates = [g for s in subs if (g := s.rejects()) is not None]
    accepts = [s.accept for s in subs if s.accept is not None]
    return Scope(needs, _either(gates) if gates else None, _both(accepts) if len(accepts) == len(subs) else None,
                 True, frozenset().union(*(s.reads for s in subs)))


def _any(subs: list[Scope]) -> Scope:
    """FALSE only when every part is; TRUE as soon as one part is."""
    names = {s.needs for s in subs}
    gates = [g for s in subs if (g := s.rejects()) is not None]
    accepts = [s.accept for s in subs if s.accept is not None]
    return Scope(names.pop() if len(names) == 1 else None, _both(gates) if len(gates) == len(subs) else None,
                 _either(accepts) if accepts else None, True, frozenset().union(*(s.reads for s in subs)))


def _plain(a: Attr | None) -> bool:
    """A value the operators with a verdict judge without raising (but UnknownValue), and print."""
    if a is None:
        return True
    v = a.value
    t = type(v)
    if t is str:
        return len(v) <= _LONG
    return t is bool or t is float or v is None or v is UNKNOWN or (t is int and -_BIG < v < _BIG)


_LONG = 600  # a longer string of digits may be a port number Python cannot parse


def _guarded(gate: Gate, reads: tuple[str, ...]) -> Gate:
    return lambda attrs: gate(attrs) and all(map(_plain, map(attrs.get, reads)))


def _exists(name: str, wanted: bool) -> Gate:
    """True where the attribute's presence differs from `wanted` (so: the leaf is FALSE)."""
    if wanted:
        def gate(attrs: dict[str, Attr]) -> bool:
            a = attrs.get(name)
            return a is None or a.value is None
    else:
        def gate(attrs: dict[str, Attr]) -> bool:
            a = attrs.get(name)
            return a is not None and a.value is not None
    return gate


def _compare(name: str, passed: Verdict, outcome: bool) -> Gate:
    """True where the leaf is certainly `outcome`: FALSE where the value is absent; else a
    plain, known value that passes (or fails) without UnknownValue."""
    absent = not outcome

    def gate(attrs: dict[str, Attr]) -> bool:
        # the hottest test of a run (every node of every policy's kinds): `_plain`, inlined,
        # without UNKNOWN (never certain)
        a = attrs.get(name)
        if a is None:
            return absent
        v = a.value
        t = type(v)
        if t is str:
            if len(v) > _LONG:
                return False
        elif not (t is bool or t is float or (t is int and -_BIG < v < _BIG)):
            return absent if v is None else False
        try:
            return bool(passed(v)) is outcome
        except UnknownValue:
            return False
    return gate


def _either(gates: list[Gate]) -> Gate:
    return _chained(gates, lambda a, b: lambda attrs: a(attrs) or b(attrs))


def _both(gates: list[Gate]) -> Gate:
    return _chained(gates, lambda a, b: lambda attrs: a(attrs) and b(attrs))


def _chained(gates: list[Gate], join: Callable[[Gate, Gate], Gate]) -> Gate:
    """Gates joined pairwise into one closure (no generator per call)."""
    first, *rest = gates
    return first if not rest else join(first, _chained(rest, join))
