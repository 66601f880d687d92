"""Multi-document YAML (and JSON) -> one spanned `Value` tree per document.

The trees are built from libyaml's event stream (PyYAML's C parser), not from its composer: the
composer recurses once per nesting level and crashes the interpreter on deeply nested input,
while the event stream lets us stop at a depth limit. Building from events also lets us count
alias expansion (a "billion laughs" document is refused, not expanded) and give every value, and
every `key: value` entry, its own span.

Each document is parsed on its own (the text is split at `---` / `...` lines), so one broken
document is reported and the others are still read. A document that fails to parse and holds
`{{ }}` or `{% %}` is an unrendered template (a Helm chart's `templates/`): it is skipped with a
note, never reported as a syntax error. In documents that do parse, a single-line scalar holding
a template action is UNKNOWN.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..spans import Span
from ..tree import UNKNOWN, Value
from ..yamlio import LOADER

MAX_DEPTH = 256  # Kubernetes objects nest ~20 levels; libyaml slows down quadratically past this
MAX_NODES = 1_000_000  # values in one document after alias expansion

_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_IMPLICIT_TAGS: dict[str, str] = {}


def _implicit_tag(text: str) -> str:
    """The tag YAML's resolver gives a plain scalar: a pure function of its text (the same
    keys and words recur across files), so remembered (bounded)."""
    tag = _IMPLICIT_TAGS.get(text)
    if tag is None:
        tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
        if len(_IMPLICIT_TAGS) < 50_000 and len(text) <= 200:
            _IMPLICIT_TAGS[text] = tag
    return tag


_CONVERTED_TAGS = {
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
}
_MERGE_TAG = "tag:yaml.org,2002:merge"
_SEPARATOR = re.compile(r"^(?:---|\.\.\.)(?=\s|$)", re.M)
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_TEMPLATE_OPEN = re.compile(r"\{\{|\{%")


@dataclass
class YamlDocument:
    root: Value
    span: Span
    templated: bool = False  # some values are UNKNOWN because they hold template actions


@dataclass
class YamlProblem:
    message: str
    span: Span


@dataclass
class YamlStream:
    documents: list[YamlDocument] = field(default_factory=list)
    problems: list[YamlProblem] = field(default_factory=list)
    templates_skipped: int = 0  # documents that are unrendered templates


class _Refused(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line, self.column = line, column


def is_json(text: str) -> bool:
    stripped = text.lstrip("\ufeff \t\r\n")
    return stripped.startswith(("{", "["))


# a local tag (`!Ref`, `!Sub` ...) and the value it is attached to -> the value to keep
TagHandler = Callable[[str, Value], Value]


def load_stream(text: str, *, tags: TagHandler | None = None, unique_keys: bool = False,
                templates: bool = True) -> YamlStream:
    """Every document of `text`; never raises. `tags` rewrites values carrying a local tag
    (CloudFormation's short forms); `unique_keys` refuses a document that repeats a mapping key;
    `templates=False` reads `{{ }}` as text (CloudFormation's dynamic references are its own)."""
    out = YamlStream()
    if is_json(text):
        # JSON allows tabs between tokens, YAML does not; inside JSON strings a raw tab is invalid
        # anyway, so replacing them changes no value and keeps every column
        text = text.replace("\t", " ")
    lines = text.split("\n")
    for start, chunk in _chunks(text):
        if not chunk.strip():
            continue
        try:
            docs = _Builder(chunk, start, lines, tags, unique_keys, templates).run()
        except _Refused as e:
            out.problems.append(YamlProblem(str(e), Span.point(e.line, e.column)))
            continue
        except yaml.YAMLError as e:
            if templates and _TEMPLATE_OPEN.search(_strip_comments(chunk)):
                out.templates_skipped += 1
                continue
            mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
            last = start + len(chunk.rstrip().split("\n"))  # errors at the end belong to the last line
            line = min(start + (mark.line if mark is not None else 0) + 1, last)
            col = (mark.column if mark is not None else 0) + 1
            problem = getattr(e, "problem", None) or str(e)
            out.problems.append(YamlProblem(f"invalid YAML: {problem}", Span.point(line, col)))
            continue
        out.documents.extend(docs)
    return out


def _strip_comments(chunk: str) -> str:
    return "\n".join(ln for ln in chunk.split("\n") if not ln.lstrip().startswith("#"))


def _chunks(text: str) -> list[tuple[int, str]]:
    """(0-based first line, text) per document, split at `---` / `...` lines."""
    out: list[tuple[int, str]] = []
    pos, line = 0, 0
    for m in _SEPARATOR.finditer(text):
        if m.start() > pos:
            out.append((line, text[pos : m.start()]))
            line += text.count("\n", pos, m.start())
            pos = m.start()
        if m.group(0) == "...":  # document end: the marker belongs to neither document
            nl = text.find("\n", m.start())
            nxt = len(text) if nl < 0 else nl + 1
            line += text.count("\n", pos, nxt)
            pos = nxt
    out.append((line, text[pos:]))
    # a chunk that is only a `---` line is empty; _Builder skips it
    return out


class _Frame:
    __slots__ = ("anchor", "data", "flow", "is_map", "key", "key_start", "last_end", "merges", "size", "start",
                 "tag", "template")

    def __init__(self, is_map: bool, start: Any, anchor: str | None, flow: bool, template: bool,
                 tag: str | None = None) -> None:
        self.is_map = is_map
        self.data: Any = {} if is_map else []
        self.start = start
        self.anchor = anchor
        self.flow = flow
        self.template = template
        self.key: tuple[str, Any, bool] | None = None  # (text, start mark, is a merge key)
        self.key_start: Any = None
        self.last_end: tuple[int, int] | None = None
        self.merges: list[Value] = []
        self.size = 1
        self.tag = tag


class _Builder:
    def __init__(self, chunk: str, offset: int, lines: list[str], tags: TagHandler | None = None,
                 unique_keys: bool = False, templates: bool = True) -> None:
        self.tags = tags
        self.templates = templates
        self.unique_keys = unique_keys
        self.chunk = chunk
        self.offset = offset
        self.lines = lines
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Value, int]] = {}
        self.open_anchors: set[str] = set()
        self.docs: list[YamlDocument] = []
        self.nodes = 0
        self.templated = False

    # ---- spans ----
    def _pos(self, mark: Any) -> tuple[int, int]:
        return self.offset + mark.line + 1, mark.column + 1

    def _end(self, start: Any, end: Any) -> tuple[int, int]:
        """An end mark at column 0 of a later line means "end of the previous line"."""
        line, col = self._pos(end)
        if end.column == 0 and end.line > start.line:
            line -= 1
            col = len(self.lines[line - 1]) + 1 if 0 < line <= len(self.lines) else 1
        return line, col

    def _span(self, start: Any, end: tuple[int, int]) -> Span:
        line, col = self._pos(start)
        return Span(line, col, end[0], end[1])

    # ---- events ----
    def run(self) -> list[YamlDocument]:
        scalar, alias = yaml.ScalarEvent, yaml.AliasEvent
        opens = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
        closes = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
        # the events straight from the parser (yaml.parse wraps them in a generator: ~1 us each)
        loader = LOADER(self.chunk)
        try:
            next_event = loader.get_event
            ev = next_event()
            while ev is not None:
                kind = type(ev)
                if kind is scalar:
                    self._scalar(ev)
                elif kind in opens:
                    self._open(ev)
                elif kind in closes:
                    self._close(ev)
                elif kind is alias:
                    self._alias(ev)
                elif kind is yaml.DocumentStartEvent:
                    self.anchors.clear()
                    self.nodes = 0
                    self.templated = False
                ev = next_event()
        finally:
            loader.dispose()
        return self.docs

    def _open(self, ev: Any) -> None:
        if len(self.stack) >= MAX_DEPTH:
            line, col = self._pos(ev.start_mark)
            raise _Refused(f"document nests deeper than {MAX_DEPTH} levels; not read", line, col)
        is_map = type(ev) is yaml.MappingStartEvent
        start = ev.start_mark
        template = bool(self.templates and is_map and ev.flow_style and start is not None
                        and self.chunk.startswith("{{", start.index))
        self.stack.append(_Frame(is_map, start, ev.anchor, bool(ev.flow_style), template, ev.tag))
        if ev.anchor:
            self.open_anchors.add(ev.anchor)

    def _count(self, n: int, mark: Any) -> None:
        self.nodes += n
        if self.nodes > MAX_NODES:
            line, col = self._pos(mark)
            raise _Refused(f"document expands to more than {MAX_NODES} values through aliases; not read", line, col)

    def _scalar(self, ev: Any) -> None:
        frame = self.stack[-1] if self.stack else None
        if frame is not None and frame.is_map and frame.key is None:
            text = ev.value
            merge = ev.style == "" and ev.implicit[0] and text == "<<"
            frame.key = (text, ev.start_mark, merge)
            return
        end = self._end(ev.start_mark, ev.end_mark)
        value = Value(self._convert(ev), self._span(ev.start_mark, end))
        if value.data is UNKNOWN:
            value.origin = "unrendered template"
        elif self.tags is not None and _is_local(ev.tag):
            value = self.tags(ev.tag, value)
        self._count(1, ev.start_mark)
        if ev.anchor:
            self.anchors[ev.anchor] = (value, 1)
        self._add(value, 1, ev.start_mark)

    def _convert(self, ev: Any) -> Any:
        text: str = ev.value
        if ev.style == "" and ev.implicit[0]:
            tag = _implicit_tag(text)
        elif ev.tag in (None, "!"):
            tag = "tag:yaml.org,2002:str"
        else:
            tag = ev.tag
        if self.templates and "\n" not in text and _TEMPLATE.search(text):
            self.templated = True
            return UNKNOWN
        if tag in _CONVERTED_TAGS and not (tag == "tag:yaml.org,2002:int" and ":" in text):
            try:
                return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, text))
            except (ValueError, yaml.YAMLError):
                return text
        return text  # strings, timestamps, sexagesimal numbers (Go YAML reads them as strings), unknown tags

    def _alias(self, ev: Any) -> None:
        name = ev.anchor
        line, col = self._pos(ev.start_mark)
        if name in self.open_anchors and name not in self.anchors:
            raise _Refused(f"alias *{name} refers to a node that contains it; not read", line, col)
        if name not in self.anchors:
            raise _Refused(f"alias *{name} has no anchor", line, col)
        target, size = self.anchors[name]
        self._count(size, ev.start_mark)
        frame = self.stack[-1] if self.stack else None
        if frame is not None and frame.is_map and frame.key is None:
            frame.key = (str(target.plain()) if target.data is not UNKNOWN else "?", ev.start_mark, False)
            return
        end = self._end(ev.start_mark, ev.end_mark)
        self._add(Value(target.data, self._span(ev.start_mark, end), origin=target.origin), size, ev.start_mark)

    def _close(self, ev: Any) -> None:
        frame = self.stack.pop()
        end = self._end(frame.start, ev.end_mark) if frame.flow or frame.last_end is None else frame.last_end
        span = self._span(frame.start, end)
        if frame.template:
            self.templated = True
            value = Value(UNKNOWN, span, origin="unrendered template")
        else:
            if frame.is_map:
                for m in frame.merges:
                    for k, v in m.items():
                        frame.data.setdefault(k, v)
            value = Value(frame.data, span)
            if self.tags is not None and _is_local(frame.tag):
                value = self.tags(frame.tag, value)  # type: ignore[arg-type]
        self._count(1, frame.start)
        if frame.anchor:
            self.open_anchors.discard(frame.anchor)
            self.anchors[frame.anchor] = (value, frame.size)
        self._add(value, frame.size, frame.start)

    def _add(self, value: Value, size: int, start: Any) -> None:
        if not self.stack:
            self.docs.append(YamlDocument(value, value.span, self.templated))
            return
        frame = self.stack[-1]
        frame.size += size
        if frame.size > MAX_NODES:
            line, col = self._pos(start)
            raise _Refused(f"document expands to more than {MAX_NODES} values through aliases; not read", line, col)
        frame.last_end = (value.span.end_line, value.span.end_column)
        if not frame.is_map:
            frame.data.append(value)
            return
        if frame.key is None:  # a collection used as a key: keep it as text
            frame.key = (_key_text(value), start, False)
            return
        text, key_start, merge = frame.key
        frame.key = None
        if merge:
            frame.merges.extend(v for v in (value.data if isinstance(value.data, list) else [value])
                                if isinstance(v.data, dict))
            return
        k_line, k_col = self._pos(key_start)
        if self.unique_keys and text in frame.data:
            raise _Refused(f"duplicate key {text!r}", k_line, k_col)
        entry = Value(value.data, value.span, Span(k_line, k_col, value.span.end_line, value.span.end_column),
                      value.origin)
        frame.data[text] = entry


def _is_local(tag: str | None) -> bool:
    """`!Ref`, not `!!str` (resolved to tag:yaml.org,...), nor the non-specific `!`."""
    return tag is not None and tag.startswith("!") and len(tag) > 1


def _key_text(v: Value) -> str:
    if v.data is UNKNOWN:
        return "{{template}}"
    plain = v.plain()
    return str(plain)
