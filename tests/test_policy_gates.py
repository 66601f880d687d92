"""The evaluator's shortcuts judge exactly as the reference semantics: a node skipped by a
policy's scope is one where `when` is FALSE and raises nowhere; operator verdicts agree with the
operators; findings are the same as judging every node."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from transit_lint.engine import RunOptions, run
from transit_lint.findings import Finding
from transit_lint.graph import Graph, build_graph
from transit_lint.model import Attr, Node
from transit_lint.policy.evaluate import FALSE, TRUE, UNK, Evaluation, evaluate
from transit_lint.policy.loader import Policy, Profile, load_catalog
from transit_lint.policy.operators import OPERATORS, UnknownValue, verdict
from transit_lint.policy.scope import scope_of
from transit_lint.spans import Span
from transit_lint.tree import UNKNOWN

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

VALUES: list[Any] = ["HTTP", "http", "Https", "", "80", 80, 80.0, 443, 1, 0, True, False, None, UNKNOWN,
                     [80, 443], ["HTTP"], {"a": 1}, ("TCP",), 1.5]
ARGS: list[Any] = ["http", "HTTP", "80", 80, 80.0, 1, True, False, None, "", ["http", "TCP"], ["tcp", "TCP"],
                   [80, "https"], [True, 1], [], ("udp",)]


@pytest.mark.parametrize("op", ["equals", "not_equals", "in", "not_in", "is", "port_in"])
def test_verdicts_agree_with_the_operators(op: str) -> None:
    for arg in [*ARGS, "tls", "plaintext", [443, "8443"]]:
        passed = verdict(op, arg)
        if passed is None:
            assert op not in ("equals", "not_equals", "is") or isinstance(arg, (list, tuple))
            continue
        for v in [*VALUES, " 443", "8080", "x80", (80, 90), [1, 2, 3]]:
            try:
                expected: Any = OPERATORS[op](v, arg)[0]
            except UnknownValue as e:
                expected = e
            except Exception as e:
                raise AssertionError(f"{op} {arg!r} has a verdict but raises on {v!r}") from e
            if isinstance(expected, UnknownValue):
                with pytest.raises(UnknownValue):
                    passed(v)
            else:
                assert passed(v) == expected, (op, v, arg)


def test_no_verdict_for_operators_that_may_raise() -> None:
    assert verdict("in", "http") is None  # a string argument: membership by character
    assert verdict("equals", ["a"]) is None
    assert verdict("in", [["a"]]) is None
    assert verdict("matches", "^a") is None
    assert verdict("subset_of", ["a"]) is None
    assert verdict("port_in", "no-such-set") is None


PROFILE = Profile("t", "t", {"nets": ["internal", "vpc"], "floor": "1.2", "bad": 3}, ())

LEAVES: list[dict[str, Any]] = [
    {"attr": "a", "exists": True},
    {"attr": "a", "exists": False},
    {"attr": "a", "is": True},
    {"attr": "a", "equals": "http"},
    {"attr": "b", "not_equals": "x"},
    {"attr": "b", "in": ["x", "Y"]},
    {"attr": "b", "in": {"param": "nets"}},
    {"attr": "b", "not_in": [80, "x"]},
    {"attr": "b", "port_in": "tls"},
    {"attr": "a", "port_in": [80, 8080]},
    {"attr": "a", "version_at_least": {"param": "floor"}},
    {"attr": "b", "matches": "("},  # raises wherever `b` is known
    {"attr": "b", "in": {"param": "bad"}},  # an int: raises wherever `b` is known
    {"attr": "a", "in": {"param": "missing"}},  # an unknown parameter: raises everywhere
    {"attr": "a"},  # no operator: raises everywhere
    {"related": {"edge": "uses", "require": {"attr": "a", "exists": True}}},
]


def conditions() -> list[Any]:
    out: list[Any] = list(LEAVES)
    for x, y in itertools.combinations(LEAVES, 2):
        out += [{"all": [x, y]}, {"any": [x, y]}, {"not": x}, {"all": [{"not": x}, y]}, {"any": [x, {"all": [y]}]}]
    return [*out, {"all": []}, {"any": []}, {"all": "x"}, "x", None]


def nodes() -> list[Node]:
    """Nodes for the conditions above: attributes `a` and `b`, plain and not."""
    values = ["http", "HTTP", "x", "internal", True, False, 80, 443, "1.0", "1.3", UNKNOWN, None, [1], 10 ** 5000,
              [10 ** 5000], {"x": 1}, "8" * 5000]
    out = []
    for a, b in itertools.product([*values, "-"], repeat=2):
        attrs = {name: Attr(v, Span.point(3)) for name, v in (("a", a), ("b", b)) if v != "-"}
        out.append(Node("n", "endpoint", "t", "terraform", "m.tf", Span.point(1), Span.point(1), attrs))
    return out


def catalog_cases() -> list[tuple[Any, list[Node]]]:
    """Each catalog condition, with nodes whose attributes it names are present and absent, with
    values its operators cannot print."""
    out = []
    for p in load_catalog().policies.values():
        names = sorted(_attrs(p.when) | _attrs(p.require))
        cases = []
        for v, missing in itertools.product([True, False, "ingress", 443, 10 ** 5000, [10 ** 5000], "8" * 5000],
                                            [None, *names]):
            attrs = {name: Attr(v, None) for name in names if name != missing}
            cases.append(Node("n", "endpoint", "t", "terraform", "m.tf", Span.point(1), Span.point(1), attrs))
        out += [(p.when, cases), (p.require, cases)]
    return out


def _attrs(c: Any) -> set[str]:
    if isinstance(c, dict):
        return ({c["attr"]} if isinstance(c.get("attr"), str) else set()).union(*map(_attrs, c.values()))
    if isinstance(c, list):
        return set().union(*map(_attrs, c))
    return set()


def test_a_scope_is_certain_only_where_the_condition_is_so_and_raises_nowhere() -> None:
    ev = Evaluation(PROFILE, Graph())
    rejected = accepted = 0
    synthetic = nodes()
    for c, some in [*((c, synthetic) for c in conditions()), *catalog_cases()]:
        scope = scope_of(c, ev._compiled)
        needs, gate = scope.test()
        accept = scope.passes()
        for node in some:
            a = node.attrs.get(needs) if needs else None
            if (needs is not None and (a is None or a.value is None)) or (gate is not None and gate(node.attrs)):
                rejected += 1
                assert ev.interpret(c, node).state == FALSE, (c, node.attrs)  # and it did not raise
            if accept is not None and accept(node.attrs):
                accepted += 1
                assert ev.interpret(c, node).state == TRUE, (c, node.attrs)
    assert rejected > 1000 and accepted > 1000


@pytest.mark.parametrize("profile_name", ["baseline", "strict"])
def test_findings_are_those_of_judging_every_node(profile_name: str) -> None:
    cat = load_catalog()
    policies = cat.enabled(profile_name, None, None)
    profile = cat.profiles[profile_name]
    fixture_nodes = run(RunOptions(paths=[str(FIXTURES)], base=FIXTURES, jobs=1, profile=profile_name)).nodes
    by_kind: dict[str, list[Node]] = {}
    for n in fixture_nodes:
        by_kind.setdefault(n.kind, []).append(n)
    for k in ("endpoint", "connection", "certificate", "firewall_rule", "tls_policy"):
        by_kind.setdefault(k, []).extend(
            Node(n.id, k, n.native_type, n.format, n.path, n.span, n.header, dict(n.attrs))
            for n in [*nodes(), *(n for _, some in catalog_cases() for n in some)])
    graph = build_graph([n for ns in by_kind.values() for n in ns])
    found, ev = evaluate(policies, by_kind, profile, graph)
    reference = Evaluation(profile, graph)
    expected = []
    for p in policies:
        for k in p.kinds:
            for n in by_kind.get(k, []):
                try:
                    f = _judge_every_leaf(reference, p, n)
                except Exception as e:  # noqa: BLE001 - as `evaluate` reports it
                    expected.append(("TL001", f"policy {p.id} could not be evaluated on {n.id}: {e}", p.id))
                    continue
                if f is not None:
                    expected.append((f.rule_id, f.message, f.fingerprint))
    assert [(f.rule_id, f.message, f.attribute if f.rule_id == "TL001" else f.fingerprint) for f in found] == expected
    assert ev.unknown_sites == reference.unknown_sites
    assert len(found) > 500 and any(f.rule_id == "TL001" for f in found) and ev.unknown_sites


def _judge_every_leaf(ev: Evaluation, policy: Policy, node: Node) -> Finding | None:
    """The reference semantics of one policy on one node: every condition interpreted."""
    if policy.when is not None:
        w = ev.interpret(policy.when, node)
        if w.state != TRUE:
            if w.state == UNK:
                ev._unknown(policy, node, w.span)
            return None
    r = ev.interpret(policy.require, node)
    if r.state == UNK:
        ev._unknown(policy, node, r.span)
    return ev.finding(policy, node, r) if r.state == FALSE else None
