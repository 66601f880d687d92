"""Kubernetes front end: manifests (YAML streams, JSON, `List`s) -> native resources.

Every Kubernetes object becomes one native resource of type `<group>/<Kind>`
(`networking.k8s.io/Ingress`, `core/Service`). Some objects are also read as something more
specific (see `views.py`): control-plane programs, containers' TLS switches, the ingress-nginx
controller's ConfigMap. Documents that are not Kubernetes objects are skipped; documents that
are unrendered templates are skipped with a note.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..findings import parse_error
from ..frontends import FrontendResult, LoadContext, SourceFile
from ..parsers.yamltree import YamlStream, is_json, load_stream
from ..yaml_comments import yaml_comments
from .objects import K8sObject, objects_of

FORMAT = "kubernetes"

_YAML_KEYS = (re.compile(r"^\"?apiVersion\"?\s*:", re.M), re.compile(r"^\"?kind\"?\s*:", re.M))
_JSON_KEYS = (re.compile(r"\"apiVersion\"\s*:"), re.compile(r"\"kind\"\s*:"))
_CFN = re.compile(r"AWSTemplateFormatVersion|^\s*\"?Type\"?\s*:\s*\"?AWS::", re.M)


def sniff(path: Path, text: str) -> bool:
    """A YAML or JSON text with top-level `apiVersion` and `kind` that is not CloudFormation."""
    # the substring tests skip regex scans that cannot match (every candidate file is sniffed)
    if "apiVersion" not in text or "kind" not in text:
        return False
    text = text.lstrip("\ufeff")
    keys = _JSON_KEYS if is_json(text) else _YAML_KEYS
    if not all(k.search(text) for k in keys):
        return False
    return "AWS" not in text or not _CFN.search(text)


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:]')


def sniff_prefix(path: Path, text: str) -> bool:
    """`sniff` for the first bytes of a file over the size limit. A JSON text is claimed only when
    its top-level object shows both keys there: the whole text is not read, and an OpenAPI
    document names `apiVersion` and `kind` as properties deep inside (the Kubernetes repository's
    swagger.json files)."""
    if not sniff(path, text):
        return False
    if not is_json(text):
        return True  # YAML's keys are matched at the start of a line: the top level already
    keys: set[str] = set()
    depth, last = 0, ""
    for m in _JSON_TOKEN.finditer(text):
        token = m.group()
        if token in "{[":
            depth += 1
        elif token in "}]":
            depth -= 1
            if depth == 0:
                break
        elif token == ":" and depth == 1 and last.startswith('"'):
            keys.add(last[1:-1])
            if {"apiVersion", "kind"} <= keys:
                return True
        last = token
    return False


def load(files: list[SourceFile], ctx: LoadContext) -> FrontendResult:
    from . import hooks  # noqa: F401  (registers the table hooks)
    from .views import derived_resources

    result = FrontendResult()
    objects: list[K8sObject] = []
    for f in files:
        ahead = _AHEAD.pop(f.rel, None)
        stream, comments = ahead[1] if ahead is not None and ahead[0] is f.text else _read(f)
        result.files_parsed += 1
        result.comments[f.rel] = comments
        for p in stream.problems:
            result.errors.append(parse_error(f.rel, p.span, p.message))
        if stream.templates_skipped:
            n = stream.templates_skipped
            result.notes.append(f"{f.rel}: {n} document{'s' if n > 1 else ''} with unrendered templates skipped "
                                "(render first: helm template . | transit-lint - --stdin-name rendered.yaml)")
        for doc in stream.documents:
            objects.extend(objects_of(doc.root, f.rel))
    natives = [o.resource() for o in objects]
    result.resources = natives + derived_resources(objects, natives)
    return result


_Read = tuple[YamlStream, list[tuple[int, str]]]  # (documents, comments)

# files parsed ahead, while the main process still walks the tree (`parse_ahead`): rel -> (text, read)
_AHEAD: dict[str, tuple[str, _Read]] = {}


def _read(f: SourceFile) -> _Read:
    stream = load_stream(f.text)
    json_text = is_json(f.text)
    if stream.problems and json_text:
        stream = _json_objects(f.text) or stream
    return stream, [] if json_text else yaml_comments(f.text)


def parse_ahead(f: SourceFile) -> None:
    """Parse one file before its shard is linted (a worker does so while the main process still
    walks the tree); `load` takes the result for the same file with the same text. Parsing is
    a function of the text alone, so the shard's result is the same either way."""
    _AHEAD[f.rel] = (f.text, _read(f))


def forget_ahead() -> None:
    _AHEAD.clear()


def _json_objects(text: str) -> YamlStream | None:
    """JSON objects one after another (`kubectl apply -f` reads such a stream; YAML stops at the
    second): each read on its own, at its own lines and columns. None unless the text is two or
    more JSON values and nothing else."""
    import json

    decoder = json.JSONDecoder()
    spans: list[tuple[int, int]] = []
    pos, n = 0, len(text)
    while True:
        while pos < n and text[pos] in " \t\r\n\ufeff":
            pos += 1
        if pos >= n:
            break
        try:
            end = decoder.raw_decode(text, pos)[1]
        except ValueError:
            return None
        spans.append((pos, end))
        pos = end
    if len(spans) < 2:
        return None
    out = YamlStream()
    for start, end in spans:
        line_start = text.rfind("\n", 0, start) + 1
        # padded to its place: the spans libyaml gives are the file's own
        part = load_stream("\n" * text.count("\n", 0, start) + " " * (start - line_start) + text[start:end])
        out.documents += part.documents
        out.problems += part.problems
        out.templates_skipped += part.templates_skipped
    return out
