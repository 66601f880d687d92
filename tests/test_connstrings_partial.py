"""Partially-known strings: a template whose host or credentials are unknown is judged by its
known scheme and options (tree.PartialText, connstrings.find_all_partial)."""

from __future__ import annotations

import pytest

from transit_lint.connstrings import TlsMode, find_all_partial
from transit_lint.spans import Span
from transit_lint.tree import PARTIAL_TEXT_META, UNKNOWN, PartialText, Value, partial_text

AT = Span(4, 20, 4, 90)


def pieces(template: str) -> PartialText:
    """`<name>` in the test template is an unknown interpolation called name."""
    out: list[tuple[str, bool]] = []
    rest = template
    while "<" in rest:
        before, _, tail = rest.partition("<")
        name, _, rest = tail.partition(">")
        if before:
            out.append((before, True))
        out.append((name, False))
    if rest:
        out.append((rest, True))
    return PartialText(tuple(out))


def judge(template: str) -> list[tuple[str, TlsMode, str | None]]:
    p = pieces(template)
    return [(c.technology, c.tls_mode, c.host) for c in find_all_partial(p.text, p.unknown_ranges)]


def test_text_renders_each_unknown_as_a_placeholder() -> None:
    p = pieces("postgres://<var.user>:<var.pw>@db.internal:5432/app?sslmode=disable")
    assert p.text == "postgres://${var.user}:${var.pw}@db.internal:5432/app?sslmode=disable"
    assert [p.text[a:b] for a, b in p.unknown_ranges] == ["${var.user}", "${var.pw}"]


@pytest.mark.parametrize("label", ["", "x{y}", "a\nb", "z" * 201])
def test_labels_that_would_break_the_placeholder_become_a_question_mark(label: str) -> None:
    assert PartialText((("redis://", True), (label, False))).text == "redis://${?}"


@pytest.mark.parametrize(("template", "expected"), [
    # the brief's cases: credentials or host unknown, scheme and options written
    ("postgres://<var.user>:<var.pw>@db.internal:5432/app?sslmode=disable",
     [("postgresql", TlsMode.PLAINTEXT, "db.internal")]),
    ("redis://<aws_elasticache_cluster.c.cache_nodes[0].address>:6379",
     [("redis", TlsMode.PLAINTEXT, "${aws_elasticache_cluster.c.cache_nodes[0].address}")]),
    ("postgres://<aws_db_instance.replica.address>:5432/app?sslmode=disable",
     [("postgresql", TlsMode.PLAINTEXT, "${aws_db_instance.replica.address}")]),
    ("postgres://app@<local.host>:5432/app?sslmode=verify-full",
     [("postgresql", TlsMode.VERIFIED, "${local.host}")]),
    ("rediss://<local.host>:6380", [("redis", TlsMode.VERIFIED, "${local.host}")]),
    ("Server=<local.host>;Database=app;Encrypt=False", [("sqlserver", TlsMode.PLAINTEXT, "${local.host}")]),
    # the scheme itself unknown: no candidate at all
    ("<var.scheme>://db.internal:5432/app?sslmode=disable", []),
    ("postgres<var.suffix>://db.internal:5432/app?sslmode=disable", []),
    ("<var.prefix>redis://cache.internal:6379", []),
    # an option's value unknown, or the options themselves: UNKNOWN
    ("postgres://db.internal:5432/app?sslmode=<var.mode>", [("postgresql", TlsMode.UNKNOWN, "db.internal")]),
    ("postgres://db.internal:5432/app?sslmode=dis<var.x>", [("postgresql", TlsMode.UNKNOWN, "db.internal")]),
    ("postgres://db.internal:5432/app?<var.options>", [("postgresql", TlsMode.UNKNOWN, "db.internal")]),
    ("mongodb://<local.hosts>/jobs?tls=<var.tls>", [("mongodb", TlsMode.UNKNOWN, "${local.hosts}")]),
])
def test_known_parts_decide(template: str, expected: list[tuple[str, TlsMode, str | None]]) -> None:
    assert judge(template) == expected


def test_a_driver_default_is_not_assumed_when_the_end_is_unknown() -> None:
    # the unknown rest may carry ?sslmode=...; with a known path after the host it cannot
    (conn,) = find_all_partial(pieces("postgres://<local.rest>").text, pieces("postgres://<local.rest>").unknown_ranges)
    assert conn.tls_mode is TlsMode.UNKNOWN and conn.assumed is None
    assert judge("postgres://<local.host>:5432/app") == [("postgresql", TlsMode.OPPORTUNISTIC, "${local.host}")]
    # a scheme that decides on its own is not softened
    assert judge("amqp://<local.host>") == [("amqp", TlsMode.PLAINTEXT, "${local.host}")]


def test_credentials_never_reach_a_result() -> None:
    p = pieces("postgres://app:Canary-Pw-0099@<local.host>:5432/app?sslmode=disable")
    (conn,) = find_all_partial(p.text, p.unknown_ranges)
    assert "Canary" not in repr(conn)


def test_partial_text_is_read_only_for_unknown_values_the_front_end_recorded() -> None:
    p = pieces("redis://<local.host>:6379")
    meta = {PARTIAL_TEXT_META: {AT: p}}
    assert partial_text(Value(UNKNOWN, AT, Span(4, 7, 4, 90)), meta) is p
    assert partial_text(Value(UNKNOWN, Span(9, 1, 9, 5)), meta) is None
    assert partial_text(Value("redis://cache:6379", AT), meta) is None
    assert partial_text(Value(UNKNOWN, AT), {}) is None
