"""The linter loop: every enabled policy against the nodes of its kinds.

Conditions are evaluated in three-valued logic: a leaf is TRUE, FALSE or UNKNOWN (the value is
present but not statically known). A leaf on an absent attribute is FALSE, as in classical
logic; `exists` is the operator that judges absence itself, and policies scope themselves with
`when: {attr: x, exists: true}` where an absent value means "not applicable". Tables record
provider defaults, so an absent native attribute usually arrives as its default value. A policy
fires only when `when` is TRUE and `require` is FALSE, and it points at the failing leaf's value,
or at the node's header when that value is absent.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from .. import tls
from ..findings import Finding, ResourceRef, make_finding
from ..graph import Graph
from ..model import Node
from ..spans import Span
from ..tree import UNKNOWN
from .loader import Policy, Profile
from .operators import OPERATORS, UnknownValue, version_of
from .scope import Gate, scope_of

TRUE, FALSE, UNK = "true", "false", "unknown"
_FLIP = {TRUE: FALSE, FALSE: TRUE, UNK: UNK}


@dataclass(slots=True)
class Outcome:
    state: str
    attr: str | None = None  # the leaf attribute that decided a FALSE
    detail: str = ""
    span: Span | None = None


class Evaluation:
    def __init__(self, profile: Profile, graph: Graph) -> None:
        self.profile = profile
        self.graph = graph
        self.unknown_count = 0
        self.unknown_sites: list[tuple[str, str, str, Span]] = []  # (policy, path, resource, span)
        # leaf conditions by identity; the policies (and so their dicts) live as long as the run
        self._leaves: dict[int, tuple[str, str, Any]] = {}

    def param(self, arg: Any) -> Any:
        if isinstance(arg, dict) and set(arg) == {"param"}:
            name = arg["param"]
            if name not in self.profile.params:
                raise KeyError(f"profile {self.profile.name} has no parameter {name!r}")
            return self.profile.params[name]
        return arg

    # ---- conditions ----
    def cond(self, c: Any, node: Node) -> Outcome:
        return self._check(c)(node, self)

    def _check(self, c: Any) -> Check:
        """Condition `c` compiled once per profile: the same conditions are judged on every node
        of their kinds, in every shard (the entry keeps `c` alive, so its id stays its own)."""
        return _per_profile(_CHECKS, c, self.profile, 20_000, self._compile)

    def _compile(self, c: Any) -> Check:
        """A closure that judges condition `c` exactly as `interpret` does (same outcomes, same
        exceptions at the same moments); shapes it does not expect are left to `interpret`."""
        if not isinstance(c, dict):
            return lambda node, ev: ev.interpret(c, node)
        if "all" in c:
            if not isinstance(c["all"], list):
                return lambda node, ev: ev.interpret(c, node)
            return _all([self._check(x) for x in c["all"]])
        if "any" in c:
            if not isinstance(c["any"], list):
                return lambda node, ev: ev.interpret(c, node)
            return _any([self._check(x) for x in c["any"]])
        if "not" in c:
            return _not(self._check(c["not"]))
        if "related" in c:
            spec = c["related"]
            return lambda node, ev: ev.related(spec, node)
        try:
            name, op_name, arg = self._compiled(c)
        except Exception:  # noqa: BLE001 - a broken leaf fails on every node, as interpreted
            return lambda node, ev: ev.leaf(c, node)
        return _exists(name, bool(arg)) if op_name == "exists" else _compare(name, op_name, arg)

    def interpret(self, c: Any, node: Node) -> Outcome:
        """The reference semantics of a condition, walked node by node."""
        if "all" in c:
            outs = [self.cond(x, node) for x in c["all"]]
            false = [o for o in outs if o.state == FALSE]
            if false:
                return false[0]
            return Outcome(UNK) if any(o.state == UNK for o in outs) else Outcome(TRUE)
        if "any" in c:
            outs = [self.cond(x, node) for x in c["any"]]
            if any(o.state == TRUE for o in outs):
                return Outcome(TRUE)
            if any(o.state == UNK for o in outs):
                return Outcome(UNK)
            # point at the first alternative whose value exists; else the first
            located = [o for o in outs if o.span is not None]
            return located[0] if located else outs[0]
        if "not" in c:
            o = self.cond(c["not"], node)
            flipped = {TRUE: FALSE, FALSE: TRUE, UNK: UNK}[o.state]
            return Outcome(flipped, o.attr, o.detail, o.span)
        if "related" in c:
            return self.related(c["related"], node)
        return self.leaf(c, node)

    def _compiled(self, c: dict[str, Any]) -> tuple[str, str, Any]:
        """(attribute, operator, argument with profile parameters resolved), once per leaf: the
        same leaf is judged on every node of its kinds."""
        hit = self._leaves.get(id(c))
        if hit is None:
            (op_name, raw_arg), = ((k, v) for k, v in c.items() if k != "attr")
            hit = self._leaves[id(c)] = (c["attr"], op_name, self.param(raw_arg))
        return hit

    def leaf(self, c: dict[str, Any], node: Node) -> Outcome:
        """The interpreter's leaf (shapes the compiler leaves alone): the compiled leaf's logic."""
        name, op_name, arg = self._compiled(c)
        check = _exists(name, bool(arg)) if op_name == "exists" else _compare(name, op_name, arg)
        return check(node, self)

    def related(self, spec: dict[str, Any], node: Node) -> Outcome:
        others = self.graph.neighbours(node, spec.get("edge"), spec.get("direction", "out"), spec.get("kind"))
        quant = spec.get("quantifier", "any")
        outs = [self.cond(spec["require"], o) for o in others]
        states = [o.state for o in outs]
        if quant == "any":
            ok = TRUE in states
        elif quant == "all":
            ok = all(s == TRUE for s in states)
        else:  # none
            ok = TRUE not in states
        if not ok and UNK in states:
            return Outcome(UNK)
        return Outcome(TRUE if ok else FALSE, spec.get("edge"))

    # ---- one policy, one node ----
    def judge(self, policy: Policy, node: Node) -> Finding | None:
        return self._judge(self.plan(policy), policy, node)

    def plan(self, policy: Policy) -> Plan:
        """The policy's conditions compiled, and the gate that rejects most nodes at a glance;
        once per profile, as `_check` (every shard judges the same policies)."""
        return _per_profile(_PLANS, policy, self.profile, 2_000, self._plan)

    def _plan(self, policy: Policy) -> Plan:
        if policy.when is None:
            when, needs, gate, sure = None, None, None, None
        else:
            scope = scope_of(policy.when, self._compiled)
            (needs, gate), sure = scope.test(), scope.passes()
            when = self._check(policy.when)
        return Plan(when, sure, self._check(policy.require), needs, gate,
                    scope_of(policy.require, self._compiled).passes())

    def _judge(self, plan: Plan, policy: Policy, node: Node) -> Finding | None:
        if plan.when is not None and (plan.sure is None or not plan.sure(node.attrs)):
            w = plan.when(node, self)
            if w.state != TRUE:
                if w.state == UNK:
                    self._unknown(policy, node, w.span)
                return None
        if plan.accept is not None and plan.accept(node.attrs):
            return None
        r = plan.require(node, self)
        if r.state == TRUE:
            return None
        if r.state == UNK:
            self._unknown(policy, node, r.span)
            return None
        return self.finding(policy, node, r)

    def _unknown(self, policy: Policy, node: Node, span: Span | None) -> None:
        self.unknown_count += 1
        self.unknown_sites.append((policy.id, node.path, node.id, span or node.header))

    def finding(self, policy: Policy, node: Node, r: Outcome) -> Finding:
        span = r.span
        attr_name = r.attr
        if policy.location and policy.location in node.attrs:
            # the policy names where its findings point; a defaulted value points at the header
            span, attr_name = node.attrs[policy.location].span, policy.location
        if span is None:
            span = node.header
        notes: list[str] = []
        origin_attr = node.get(attr_name) if attr_name else None
        if origin_attr is not None and origin_attr.origin and origin_attr.origin != "provider default":
            notes.append(f"value from {origin_attr.origin}")
        elif origin_attr is not None and origin_attr.origin == "provider default":
            notes.append(f"{attr_name} is not set; the provider default applies")
        if node.via:
            notes.append(f"instantiated by {node.via}")
        message = render(policy.message, node, r.detail, self.profile)
        return make_finding(
            rule_id=policy.id,
            rule_name=policy.name,
            severity=policy.severity,
            message=message,
            path=node.path,
            span=span,
            resource=ResourceRef(node.id, node.kind, node.native_type, node.span),
            standards=policy.standards,
            attribute=attr_name,
            notes=notes,
        )


Check = Callable[[Node, Evaluation], Outcome]


@dataclass(frozen=True, slots=True)
class Plan:
    """One policy, compiled for one evaluation."""

    when: Check | None
    sure: Gate | None  # True: `when` is certainly TRUE on the node and raises nowhere
    require: Check
    # the nodes where `when` is certainly FALSE and raises nowhere: those that lack attribute
    # `needs`, and those the gate rejects (see scope.py)
    needs: str | None
    gate: Gate | None
    accept: Gate | None  # True: `require` is certainly TRUE on the node and raises nowhere


# plans by (id(policy), id(profile)); see Evaluation.plan
_PLANS: dict[tuple[int, int], tuple[Policy, Profile, Plan]] = {}


# compiled conditions by (id(condition), id(profile)); see Evaluation._check
_CHECKS: dict[tuple[int, int], tuple[Any, Profile, Check]] = {}

_K = TypeVar("_K")
_V = TypeVar("_V")


def _per_profile(table: dict[tuple[int, int], tuple[_K, Profile, _V]], key: _K, profile: Profile, limit: int,
                 make: Callable[[_K], _V]) -> _V:
    """`make(key)` once per (key, profile), remembered by identity; the entry keeps both alive, so
    their ids stay their own."""
    hit = table.get((id(key), id(profile)))
    if hit is None or hit[0] is not key or hit[1] is not profile:
        if len(table) > limit:  # catalogs loaded again and again (tests): start afresh
            table.clear()
        hit = table[(id(key), id(profile))] = (key, profile, make(key))
    return hit[2]


def _all(parts: list[Check]) -> Check:
    def check(node: Node, ev: Evaluation) -> Outcome:
        outs = [p(node, ev) for p in parts]  # every part, as interpreted: no short cut
        for o in outs:
            if o.state == FALSE:
                return o
        return Outcome(UNK) if any(o.state == UNK for o in outs) else Outcome(TRUE)
    return check


def _any(parts: list[Check]) -> Check:
    def check(node: Node, ev: Evaluation) -> Outcome:
        outs = [p(node, ev) for p in parts]
        if any(o.state == TRUE for o in outs):
            return Outcome(TRUE)
        if any(o.state == UNK for o in outs):
            return Outcome(UNK)
        # point at the first alternative whose value exists; else the first
        for o in outs:
            if o.span is not None:
                return o
        return outs[0]
    return check


def _not(part: Check) -> Check:
    def check(node: Node, ev: Evaluation) -> Outcome:
        o = part(node, ev)
        return Outcome(_FLIP[o.state], o.attr, o.detail, o.span)
    return check


def _exists(name: str, wanted: bool) -> Check:
    def check(node: Node, ev: Evaluation) -> Outcome:
        attr = node.attrs.get(name)
        present = attr is not None and attr.value is not None
        return Outcome(TRUE if present == wanted else FALSE, name, "", attr.span if attr else None)
    return check


def _compare(name: str, op_name: str, arg: Any) -> Check:
    def check(node: Node, ev: Evaluation) -> Outcome:
        attr = node.attrs.get(name)
        if attr is None or attr.value is None:
            return Outcome(FALSE, name)
        value = attr.value
        if value is UNKNOWN:
            return Outcome(UNK, name, "", attr.span)
        try:
            ok, detail, bad_index = OPERATORS[op_name](value, arg)
        except UnknownValue:
            return Outcome(UNK, name, "", attr.span)
        span = attr.span
        if bad_index is not None and attr.item_spans and bad_index < len(attr.item_spans):
            span = attr.item_spans[bad_index]
        return Outcome(TRUE if ok else FALSE, name, detail, span)
    return check


_PLACEHOLDER = re.compile(r"\{([a-zA-Z_][\w.]*)(?:\|(\w+))?\}")


def render(template: str, node: Node, detail: str, profile: Profile) -> str:
    """Fill `{attr.name}`, `{id}`, `{native_type}`, `{detail}`, `{param.x}`; `|tls` formats a
    TLS version for people ("TLS 1.0")."""
    parts = []
    for literal, key, fmt in _template(template):
        parts.append(literal)
        if key is not None:
            parts.append(_fill(key, fmt, node, detail, profile))
    return "".join(parts)


@lru_cache(maxsize=1024)
def _template(template: str) -> tuple[tuple[str, str | None, str | None], ...]:
    """(literal text, placeholder key, format) pieces, split once per message template."""
    out: list[tuple[str, str | None, str | None]] = []
    at = 0
    for m in _PLACEHOLDER.finditer(template):
        out.append((template[at:m.start()], m.group(1), m.group(2)))
        at = m.end()
    out.append((template[at:], None, None))
    return tuple(out)


def _fill(key: str, fmt: str | None, node: Node, detail: str, profile: Profile) -> str:
    if key == "id":
        val: Any = node.id
    elif key == "native_type":
        val = node.native_type
    elif key == "detail":
        val = detail
    elif key.startswith("param."):
        val = profile.params.get(key[6:], "?")
    else:
        val = node.value(key, "?")
    if val is UNKNOWN:
        val = "?"
    if fmt == "tls":
        v = version_of(val)
        val = tls.display_version(v) if v else val
    if isinstance(val, list):
        val = ", ".join(str(x) for x in val)
    return str(val)


def placeholders(template: str) -> list[str]:
    return [m.group(1) for m in _PLACEHOLDER.finditer(template)]


def evaluate(policies: list[Policy], nodes_by_kind: dict[str, list[Node]], profile: Profile, graph: Graph
             ) -> tuple[list[Finding], Evaluation]:
    ev = Evaluation(profile, graph)
    findings: list[Finding] = []
    for policy, plan, kind in _agenda(ev, policies, nodes_by_kind):
        needs, gate, formats = plan.needs, plan.gate, policy.formats
        for node in nodes_by_kind[kind]:
            if formats and node.format not in formats:
                continue
            if needs is not None and ((a := node.attrs.get(needs)) is None or a.value is None):
                continue  # `when` is FALSE: nothing to record
            try:
                if gate is not None and gate(node.attrs):
                    continue
                f = ev._judge(plan, policy, node)
            except Exception as e:  # noqa: BLE001 - a broken policy must not end the run
                f = make_finding(
                    rule_id="TL001", rule_name="policy-error", severity=policy.severity,
                    message=f"policy {policy.id} could not be evaluated on {node.id}: {e}",
                    path=node.path, span=node.header, attribute=policy.id,
                    resource=ResourceRef(node.id, node.kind, node.native_type, node.span))
            if f is not None:
                findings.append(f)
    return findings, ev


Agenda = list[tuple[Policy, Plan, str]]
# (policy ids, profile id, kinds present) -> (policies, profile, agenda): shards are small (a few
# nodes of one or two kinds), so walking every policy for each would cost more than judging
_AGENDAS: dict[tuple[tuple[int, ...], int, frozenset[str]], tuple[tuple[Policy, ...], Profile, Agenda]] = {}


def _agenda(ev: Evaluation, policies: list[Policy], nodes_by_kind: dict[str, list[Node]]) -> Agenda:
    """(policy, plan, kind) in the order the policies are judged: policy by policy, each kind in
    the policy's order; only the kinds that have nodes here."""
    key = (tuple(map(id, policies)), id(ev.profile), frozenset(k for k, v in nodes_by_kind.items() if v))
    hit = _AGENDAS.get(key)
    if hit is None or hit[1] is not ev.profile or any(map(operator.is_not, hit[0], policies)):
        if len(_AGENDAS) > 2_000:  # catalogs loaded again and again (tests): start afresh
            _AGENDAS.clear()
        agenda = [(p, ev.plan(p), k) for p in policies for k in p.kinds if k in key[2]]
        hit = _AGENDAS[key] = (tuple(policies), ev.profile, agenda)
    return hit[2]
