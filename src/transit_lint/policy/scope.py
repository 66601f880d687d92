"""What a policy's `when` condition says at a glance, so that most nodes are skipped unjudged.

A policy fires only where `when` is TRUE, and a FALSE `when` has no other effect (an UNKNOWN one
is recorded, a raising one is a TL001 error). So a node may be skipped whenever `when` is
certainly FALSE on it *and* judging `when` there would raise nowhere. Most policies scope
themselves to the nodes that carry one attribute (`{attr: x, exists: true}`, or any leaf on
`x`: a leaf on an absent attribute is FALSE), so the evaluator first tests that attribute.
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


@dataclass(frozen=True, slots=True)
class Scope:
    """The nodes a condition certainly rejects: those that lack attribute `needs`, and those
    where `gate` says True (a gate also rejects where `needs` is absent, so it stands alone)."""

    needs: str | None = None  # an attribute whose absence alone makes the condition FALSE
    gate: Gate | None = None  # True only where the condition is certainly FALSE
    safe: bool = False  # judging the condition never raises, on any node

    def rejects(self) -> Gate | None:
        """The whole test as one gate."""
        return self.gate if self.gate is not None or self.needs is None else _exists(self.needs, True)


_OPAQUE = Scope()


def scope_of(c: Any, leaf: Leaf) -> Scope:
    """The scope of condition `c`; `leaf` resolves a leaf as the evaluator does (and raises
    where the evaluator would). A condition that might raise somewhere rejects nothing, except
    a lone leaf on an absent attribute (FALSE before its operator runs)."""
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
        return Scope(safe=scope_of(c["not"], leaf).safe)
    if "related" in c:
        return _OPAQUE
    try:
        name, op_name, arg = leaf(c)
    except Exception:  # noqa: BLE001 - a broken leaf raises on every node: judged as ever
        return _OPAQUE
    if op_name == "exists":
        return Scope(name, None, True) if arg else Scope(None, _exists(name, False), True)
    passed = verdict(op_name, arg)
    if passed is not None:
        return Scope(name, _compare(name, passed), True)
    return Scope(name, None, False)


def _all(subs: list[Scope]) -> Scope:
    """FALSE as soon as one part is."""
    needs = next((s.needs for s in subs if s.needs is not None), None)
    gates = [g for s in subs if (g := s.rejects()) is not None
             and not (s.gate is None and s.needs == needs)]  # that one is the `needs` test itself
    return Scope(needs, None if not gates else gates[0] if len(gates) == 1 else _either(gates), True)


def _any(subs: list[Scope]) -> Scope:
    """FALSE only when every part is."""
    names = {s.needs for s in subs}
    needs = names.pop() if len(names) == 1 else None
    gates = [g for s in subs if (g := s.rejects()) is not None]
    if len(gates) < len(subs) or all(s.gate is None for s in subs):
        return Scope(needs, None, True)  # every part rejects only on `needs` (or some cannot)
    return Scope(needs, gates[0] if len(gates) == 1 else _both(gates), True)


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
    """A total comparison is FALSE where the value is absent, or known and failing."""
    def gate(attrs: dict[str, Attr]) -> bool:
        a = attrs.get(name)
        if a is None:
            return True
        v = a.value
        return v is None or (v is not UNKNOWN and not passed(v))
    return gate


def _either(gates: list[Gate]) -> Gate:
    return lambda attrs: any(g(attrs) for g in gates)


def _both(gates: list[Gate]) -> Gate:
    return lambda attrs: all(g(attrs) for g in gates)
