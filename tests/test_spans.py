"""Span's own constructor (it sets its frozen slots directly, for speed) makes ordinary frozen spans."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from transit_lint.spans import Span


def test_span_constructor_sets_every_field() -> None:
    # the constructor sets exactly these slots: a new field must be added to it too
    assert [f.name for f in dataclasses.fields(Span)] == ["line", "column", "end_line", "end_column"]
    s = Span(1, 2, 3, 4)
    assert (s.line, s.column, s.end_line, s.end_column) == (1, 2, 3, 4)
    assert repr(s) == "Span(line=1, column=2, end_line=3, end_column=4)"


def test_spans_stay_frozen_values() -> None:
    s = Span(1, 2, 3, 4)
    assert s == Span(1, 2, 3, 4) and s != Span(1, 2, 3, 5)
    assert hash(s) == hash(Span(1, 2, 3, 4))
    assert pickle.loads(pickle.dumps(s)) == s
    assert dataclasses.replace(s, line=0) == Span(0, 2, 3, 4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.line = 0  # type: ignore[misc]


def test_spans_and_findings_survive_pickling() -> None:
    """Workers ship findings back pickled (custom __reduce__ for speed): nothing may change."""
    import pickle

    from transit_lint.findings import Finding, ResourceRef, Severity

    span = Span(3, 5, 7, 9)
    ref = ResourceRef("aws_lb.a", "endpoint", "aws_lb", Span(1, 1, 9, 2))
    full = Finding("TL101", "plaintext-listener", Severity.HIGH, "m", "a/b.tf", span, ref,
                   {"cwe": ["CWE-319"]}, "f" * 32, "protocol", True, "because", ["note"])
    bare = Finding("TL000", "parse-error", Severity.LOW, "m", "c.yaml", span, None, {}, "0" * 32)
    for value in (span, ref, full, bare):
        again = pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        assert again == value and type(again) is type(value)
    assert pickle.loads(pickle.dumps(full)).severity is Severity.HIGH
