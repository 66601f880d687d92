"""The Kubernetes YAML loader: spans, documents, JSON, templates and the hostile-input guards."""

from __future__ import annotations

import dataclasses
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transit_lint.parsers.yamltree import MAX_DEPTH, load_stream
from transit_lint.spans import Span
from transit_lint.tree import UNKNOWN

MANIFEST = """# leading comment
apiVersion: v1
kind: Pod
metadata: &meta
  name: web
  labels: {app: web}
spec:
  containers:
    - name: app
      command: ["kube-apiserver", "--secure-port=6443"]
      args:
        - --tls-min-version=VersionTLS12
      ports: [{containerPort: 443}]
---
apiVersion: v1
kind: Service
metadata: *meta
"""  # anchors do not cross documents: *meta is an error in the second one


def test_values_and_entries_are_spanned() -> None:
    stream = load_stream(MANIFEST)
    assert [p.span.line for p in stream.problems] == [17]
    (pod,) = stream.documents
    c = pod.root.get("spec").get("containers").data[0]  # type: ignore[union-attr]
    cmd = c.get("command")
    assert cmd.span == Span(10, 16, 10, 56)
    assert cmd.key_span == Span(10, 7, 10, 56)
    arg = c.get("args").data[0]
    assert (arg.span.line, arg.data) == (12, "--tls-min-version=VersionTLS12")
    ports = c.get("ports").data[0].get("containerPort")
    assert ports.data == 443 and ports.anchor.line == 13
    # block collections end at their last value, not at the next key or the comment after them
    assert pod.root.get("metadata").key_span == Span(4, 1, 6, 21)


def test_spans_are_ordinary_frozen_spans() -> None:
    (doc,) = load_stream("a:\n  b: [1, {c: d}]\n").documents
    b = doc.root.get("a").get("b")  # type: ignore[union-attr]
    for span in (doc.span, b.span, b.key_span, b.data[1].span):
        assert type(span) is Span
        assert span == Span(*span.to_tuple()) and hash(span) == hash(Span(*span.to_tuple()))
        with pytest.raises(dataclasses.FrozenInstanceError):
            span.line = 0  # type: ignore[misc]
    assert b.key_span == Span(2, 3, 2, 17) and b.span == Span(2, 6, 2, 17)


def test_alias_shares_data_and_is_spanned_where_used() -> None:
    (doc,) = load_stream("a: &m {x: 1}\nb:\n  c: *m\n").documents
    c = doc.root.get("b").get("c")  # type: ignore[union-attr]
    assert c.data is doc.root.get("a").data
    assert c.key_span.line == 3


def test_scalars_follow_kubernetes_yaml() -> None:
    (doc,) = load_stream('a: "80"\nb: 80\nc: on\nd: 1:20\ne: ~\nf: 0x1F\ng: "{{ .Values.x }}"\n').documents
    r = doc.root
    assert r.get("a").data == "80" and r.get("b").data == 80
    assert r.get("c").data is True  # YAML 1.1, as go-yaml reads it
    assert r.get("d").data == "1:20"  # no sexagesimal numbers
    assert r.get("e").data is None and r.get("f").data == 31
    assert r.get("g").data is UNKNOWN and doc.templated


def test_merge_keys() -> None:
    (doc,) = load_stream("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n").documents
    assert doc.root.get("derived").plain() == {"x": 1, "y": 3}


def test_json_with_tabs() -> None:
    text = '{\n\t"apiVersion": "v1",\n\t"kind": "Service",\n\t"spec": {"ports": [{"port": 80}]}\n}\n'
    (doc,) = load_stream(text).documents
    assert doc.root.get("kind").data == "Service"
    assert doc.root.get("spec").key_span.line == 4


def test_a_broken_document_does_not_hide_the_others() -> None:
    text = "a: 1\n---\nb: [\n---\nc: 3\n...\nd: 4\n"
    stream = load_stream(text)
    assert [d.root.plain() for d in stream.documents] == [{"a": 1}, {"c": 3}, {"d": 4}]
    (problem,) = stream.problems
    assert problem.span.line == 3


def test_unrendered_templates_are_skipped_not_reported() -> None:
    text = ("{{- if .Values.enabled }}\napiVersion: v1\nkind: Service\nmetadata:\n"
            "  name: {{ .Release.Name }}\n{{- end }}\n")
    stream = load_stream(text)
    assert not stream.problems and not stream.documents and stream.templates_skipped == 1


def test_flow_mapping_template_value_is_unknown() -> None:
    (doc,) = load_stream("port: {{ .Values.port }}\nname: x\n").documents
    assert doc.root.get("port").data is UNKNOWN
    assert doc.root.get("name").data == "x"


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for prev, n in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{n}: &{n} [" + ",".join([f"*{prev}"] * 9) + "]")
    t0 = time.perf_counter()
    stream = load_stream("\n".join(lines) + "\n---\nok: 1\n")
    assert time.perf_counter() - t0 < 2
    assert "aliases" in stream.problems[0].message
    assert [d.root.plain() for d in stream.documents] == [{"ok": 1}]


def test_recursive_alias_is_refused() -> None:
    stream = load_stream("a: &x [*x]\n")
    assert stream.problems and not stream.documents


def test_deep_nesting_is_refused_without_recursion_or_delay() -> None:
    depth = 200_000  # PyYAML's C composer crashes the interpreter on this
    t0 = time.perf_counter()
    stream = load_stream("a: " + "[" * depth + "]" * depth + "\n")
    assert time.perf_counter() - t0 < 2
    assert f"deeper than {MAX_DEPTH}" in stream.problems[0].message


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"ab:-[]{}&*!|>\"' \n\t#%@`,?.", "{{", "}}", "---\n", "  ", "- "]),
                max_size=80))
def test_never_raises(parts: list[str]) -> None:
    load_stream("".join(parts))
