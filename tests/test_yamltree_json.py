"""The JSON fast path of the span loader reads every JSON text exactly as libyaml's event loop
does (values, spans, entry spans, documents, problems, the call-free table), or leaves it to the
event loop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transit_lint.cloudformation.parser import _long_form
from transit_lint.parsers import yamltree
from transit_lint.parsers.yamltree import CallFree, YamlStream, load_stream
from transit_lint.tree import Value

ROOT = Path(__file__).resolve().parent.parent
MODES: list[dict[str, Any]] = [{}, {"tags": _long_form, "unique_keys": True, "templates": False, "calls": True}]


def _dump(v: Value, call_free: CallFree | None, path: tuple[Any, ...], free: list[tuple[Any, ...]]) -> list[Any]:
    row: list[Any] = [path, v.span.to_tuple(), v.key_span.to_tuple() if v.key_span else None, v.origin]
    if isinstance(v.data, (dict, list)):
        if call_free is not None and v.data in call_free:
            free.append(path)
        items = v.data.items() if isinstance(v.data, dict) else enumerate(v.data)
        rows = [[*row, type(v.data).__name__, list(v.data) if isinstance(v.data, dict) else len(v.data)]]
        for k, x in items:
            rows += _dump(x, call_free, (*path, k), free)
        return rows
    return [[*row, type(v.data).__name__, repr(v.data)]]


def _everything(stream: YamlStream) -> Any:
    free: list[tuple[Any, ...]] = []
    docs = [(_dump(d.root, stream.call_free, (), free), d.span.to_tuple(), d.templated) for d in stream.documents]
    cf = stream.call_free
    table = (sorted(map(repr, free)), cf.max_depth, sorted(cf.names)) if cf is not None else None
    return docs, [(p.message, p.span.to_tuple()) for p in stream.problems], stream.templates_skipped, table


def _same_as_event_loop(text: str, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Asserts both readers agree in every mode; whether the fast path read the text."""
    fast = yamltree._json_document(text.replace("\t", " "), True, None) is not None
    for mode in MODES:
        got = _everything(load_stream(text, **mode))
        with monkeypatch.context() as m:
            m.setattr(yamltree, "_json_document", lambda *a: None)
            want = _everything(load_stream(text, **mode))
        assert got == want, text[:300]
    return fast


def test_fixture_json_files(monkeypatch: pytest.MonkeyPatch) -> None:
    # and the KICS corpus's JSON (CloudFormation, plans, manifests) when ../shared is beside the repo
    folders = [ROOT / "fixtures", ROOT / "examples", ROOT.parent / "shared" / "peer-corpus" / "kics"]
    files = [f for folder in folders for f in sorted(folder.rglob("*.json"))]
    read = [_same_as_event_loop(f.read_text(encoding="utf-8", errors="replace"), monkeypatch) for f in files]
    assert any(read)  # the fast path is taken


FALLS_BACK = [
    '{"a": "\\ud83d\\ude00"}',  # libyaml refuses surrogate escapes
    '{"a"\n: 1}',  # the `:` on the key's next line: no key for libyaml
    '{"' + "k" * 1030 + '": 1}',  # past libyaml's simple-key reach
    '{"a": NaN}',
    '{"a": 1, "a": 2}',  # duplicate keys: refused, or the last one kept
    '{"a": "x\x85y"}',  # a line break for libyaml
    '{"a": "x\u2028y"}',
    '{"a": "x\x7fy"}',  # control characters libyaml refuses
    '{"a":\r1}',  # a lone CR breaks the line for libyaml
    "[" * 300 + "]" * 300,  # past the depth limit
    '{"a": 1,}',  # not JSON
    '{"a": 1} # note',
    '\ufeff{"a": 1}',
]
READ = [
    '{"a": 1}',
    '{"a":1,"b":[true,false,null,-0,1.5,1e5,1.0e+5,1E-3,12345678901234567890]}',
    '{\r\n  "a": "\\u00e9\\n\\t\\/\\"\\\\\\b\\f",\r\n  "b": "\U0001f600 \u00e9"\r\n}',
    '[\n\t{"Ref": "X"},\n\t{"Fn::If": ["c", {"Ref": "A"}, "{{resolve:ssm:p}}"]}\n]',
    '{"a": "{{ .Values.x }}", "b": {"c": "{% if %}"}, "d": "{{x}}\\n"}',
    '{"' + "k" * 990 + '": 1}',
    "[" * 250 + "]" * 250,
    '\n\n  {"a": {}, "b": [], "c": [[]]}\n\n',
]


@pytest.mark.parametrize("text", FALLS_BACK)
def test_what_the_fast_path_leaves_to_the_event_loop(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not _same_as_event_loop(text, monkeypatch)


@pytest.mark.parametrize("text", READ)
def test_what_the_fast_path_reads(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _same_as_event_loop(text, monkeypatch)


_PIECES = ["a", " ", "#", ":", "{", "}", "[", "]", ",", "{{", "}}", "{%", "{{resolve:x}}", "\u00e9", "\U0001f600",
           "\x85", "\u2028", "\x7f", "\t", "\\n", '\\"', "\\\\", "\\/", "\\u0041", "\\ud800", "&a", "*a", "!Ref", "<<"]
_KEYS = st.sampled_from(["Ref", "Fn::If", "Fn::Sub", "Condition", "a", "b", "<<", ""]) | st.text(max_size=4)
_SCALARS = (st.lists(st.sampled_from(_PIECES), max_size=4).map(lambda p: '"' + "".join(p) + '"')
            | st.sampled_from(["0", "-0", "1", "1.5", "1e5", "1.0e5", "1.0e+5", "-1E-3", "true", "false", "null"]))
_SPACE = st.sampled_from(["", "", " ", "\n", "\n  ", "\r\n", "\t", "\r"])


def _json_texts() -> st.SearchStrategy[str]:
    def collections(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        entry = st.tuples(_KEYS, _SPACE, inner).map(lambda t: f"{json.dumps(t[0])}:{t[1]}{t[2]}")
        return (st.tuples(_SPACE, st.lists(entry, max_size=3)).map(lambda t: "{" + t[0] + ", ".join(t[1]) + "}")
                | st.tuples(_SPACE, st.lists(inner, max_size=3)).map(lambda t: "[" + t[0] + ",".join(t[1]) + "]"))

    return collections(st.recursive(_SCALARS, collections, max_leaves=12))


@settings(max_examples=300, deadline=None)
@given(_json_texts())
def test_fuzzed_json_reads_alike(text: str) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        _same_as_event_loop(text, monkeypatch)
