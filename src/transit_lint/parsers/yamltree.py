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
from typing import Any, NoReturn

import yaml

from ..spans import Span
from ..tree import UNKNOWN, Value
from ..yamlio import loader

LOADER = loader()
MAX_DEPTH = 256  # Kubernetes objects nest ~20 levels; libyaml slows down quadratically past this
MAX_NODES = 1_000_000  # values in one document after alias expansion

_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_CONVERTED_TAGS = {
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
}
# plain scalar text -> its value: a pure function of the text (the same keys and words recur across
# files), so remembered (bounded)
_PLAIN_VALUES: dict[str, Any] = {}
_MISSING = object()


def _plain_value(text: str) -> Any:
    """The value of an untagged plain scalar: the tag YAML's resolver gives it, converted."""
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    value = _tagged_value(tag, text)
    if len(_PLAIN_VALUES) < 50_000 and len(text) <= 200:
        _PLAIN_VALUES[text] = value
    return value


def _tagged_value(tag: str, text: str) -> Any:
    if tag in _CONVERTED_TAGS and not (tag == "tag:yaml.org,2002:int" and ":" in text):
        try:
            return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, text))
        except (ValueError, yaml.YAMLError):
            return text
    return text  # strings, timestamps, sexagesimal numbers (Go YAML reads them as strings), unknown tags


_MERGE_TAG = "tag:yaml.org,2002:merge"
_SEPARATOR = re.compile(r"^(?:---|\.\.\.)(?=\s|$)", re.M)
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_TEMPLATE_OPEN = re.compile(r"\{\{|\{%")
_DYNAMIC_REF = "{{resolve:"  # CloudFormation's dynamic reference: its value is read at deploy time


@dataclass
class YamlDocument:
    root: Value
    span: Span
    templated: bool = False  # some values are UNKNOWN because they hold template actions


@dataclass
class YamlProblem:
    message: str
    span: Span


class CallFree:
    """The collections of one stream that hold no CloudFormation function call (a single-key
    map under `Ref` or `Fn::*`, a short-form tag) nor dynamic reference anywhere inside: an
    evaluator can return them as they are and a walk for functions can skip them. Looked up by
    the `data` (dict or list) of a value of this stream, which must not change; the table keeps
    every collection it names alive, so an id never stands for another object. Also the names
    of the functions the stream calls."""

    __slots__ = ("collections", "max_depth", "names")

    def __init__(self) -> None:
        self.collections: dict[int, Any] = {}  # id(data) -> data
        self.max_depth = 0  # the deepest nesting of the stream: no collection is higher
        self.names: set[str] = set()  # the functions called anywhere in the stream

    def note(self, data: Any) -> bool:
        """Whether `data` is a function call (a single-key map under `Ref` or `Fn::*`); its
        name is recorded."""
        if not isinstance(data, dict) or len(data) != 1:
            return False
        key: str = next(iter(data))
        if key == "Ref" or key.startswith("Fn::"):
            self.names.add(key)
            return True
        return False

    def __contains__(self, data: object) -> bool:
        return id(data) in self.collections


@dataclass
class YamlStream:
    documents: list[YamlDocument] = field(default_factory=list)
    problems: list[YamlProblem] = field(default_factory=list)
    templates_skipped: int = 0  # documents that are unrendered templates
    call_free: CallFree | None = None  # with `load_stream(..., calls=True)`


class _Refused(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line, self.column = line, column


def is_json(text: str) -> bool:
    stripped = text.lstrip("\ufeff \t\r\n")
    # `{{` opens no JSON text (a key is a string): it is a template's first line (`{{- if ... }}`)
    return stripped.startswith(("{", "[")) and not stripped.startswith("{{")


# a local tag (`!Ref`, `!Sub` ...) and the value it is attached to -> the value to keep
TagHandler = Callable[[str, Value], Value]


def load_stream(text: str, *, tags: TagHandler | None = None, unique_keys: bool = False,
                templates: bool = True, calls: bool = False) -> YamlStream:
    """Every document of `text`; never raises. `tags` rewrites values carrying a local tag
    (CloudFormation's short forms); `unique_keys` refuses a document that repeats a mapping key;
    `templates=False` reads `{{ }}` as text (CloudFormation's dynamic references are its own);
    `calls` records the collections free of CloudFormation function calls (`out.call_free`)."""
    out = YamlStream(call_free=CallFree() if calls else None)
    if is_json(text):
        # JSON allows tabs between tokens, YAML does not; inside JSON strings a raw tab is invalid
        # anyway, so replacing them changes no value and keeps every column
        text = text.replace("\t", " ")
    lines = text.split("\n")
    for start, chunk in _chunks(text):
        if not chunk.strip():
            continue
        try:
            docs = _Builder(chunk, start, lines, tags, unique_keys, templates, out.call_free).run()
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
    if "---" not in text and "..." not in text:
        return [(0, text)]  # no marker: the line-start scan would find nothing
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
    """An open mapping or sequence."""

    __slots__ = ("anchor", "calls", "column", "data", "flow", "is_map", "key", "last", "line", "merges", "size",
                 "start", "tag", "template")

    def __init__(self, is_map: bool, start: Any, line: int, anchor: str | None, flow: bool, template: bool,
                 tag: str | None) -> None:
        self.is_map = is_map
        self.data: Any = {} if is_map else []
        self.start = start  # libyaml's mark: `_end` compares its line, errors report it
        self.line, self.column = line, start.column + 1
        self.anchor = anchor
        self.flow = flow
        self.template = template
        self.key: tuple[str, int, int, bool] | None = None  # (text, line, column, is a merge key)
        self.last: Span | None = None  # the last item's span: a block collection ends where it does
        self.merges: list[Value] = []
        self.size = 1
        self.tag = tag
        self.calls = False  # an item holds a function call (see CallFree)


class _Builder:
    """Values from libyaml's events. The loop handles scalars and plain collections inline: a
    method call per event costs about as much as libyaml's own work for it."""

    def __init__(self, chunk: str, offset: int, lines: list[str], tags: TagHandler | None = None,
                 unique_keys: bool = False, templates: bool = True, call_free: CallFree | None = None) -> None:
        self.tags = tags
        self.call_free = call_free
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

    # ---- events ----
    def run(self) -> list[YamlDocument]:
        # the events straight from the parser (yaml.parse wraps them in a generator: ~1 us each)
        loader = LOADER(self.chunk)
        try:
            self._read(loader.get_event)
        finally:
            loader.dispose()
        return self.docs

    def _read(self, next_event: Callable[[], Any]) -> None:
        scalar, alias, document = yaml.ScalarEvent, yaml.AliasEvent, yaml.DocumentStartEvent
        mapping = yaml.MappingStartEvent
        opens = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
        closes = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
        stack, offset, tags, unique_keys = self.stack, self.offset, self.tags, self.unique_keys
        templates, anchors, docs = self.templates, self.anchors, self.docs
        plain_values, missing, new_span, unknown = _PLAIN_VALUES, _MISSING, Span, UNKNOWN
        call_free = self.call_free
        call_free_collections = call_free.collections if call_free is not None else {}
        # scalars are checked for dynamic references only where the text has one
        dynamic = call_free is not None and _DYNAMIC_REF in self.chunk
        frame: _Frame | None = None  # the open collection (stack[-1])
        ev = next_event()
        while ev is not None:
            kind = type(ev)
            if kind is scalar:
                start = ev.start_mark
                text: str = ev.value
                if frame is not None and frame.is_map and frame.key is None:
                    frame.key = (text, offset + start.line + 1, start.column + 1,
                                 text == "<<" and ev.style == "" and ev.implicit[0])
                    ev = next_event()
                    continue
                # the value's span (an end at column 0 of a later line is the end of the line before)
                end = ev.end_mark
                end_line, end_col = offset + end.line + 1, end.column + 1
                if end_col == 1 and end.line > start.line:
                    end_line, end_col = self._end(start, end)
                span = new_span(offset + start.line + 1, start.column + 1, end_line, end_col)
                tag = ev.tag
                if templates and "{" in text and "\n" not in text and _TEMPLATE.search(text):
                    self.templated = True
                    value = Value(unknown, span, None, "unrendered template")
                else:
                    if ev.style == "" and ev.implicit[0]:
                        data = plain_values.get(text, missing)
                        if data is missing:
                            data = _plain_value(text)
                    elif tag is None or tag == "!":
                        data = text
                    else:
                        data = _tagged_value(tag, text)
                    value = Value(data, span)
                    if tag is not None and tags is not None and _is_local(tag):
                        value = tags(tag, value)
                        if call_free is not None:
                            call_free.note(value.data)
                        if frame is not None:
                            frame.calls = True
                    if dynamic and frame is not None and isinstance(data, str) and _DYNAMIC_REF in data:
                        frame.calls = True
                self.nodes += 1
                size = 1
                if ev.anchor:
                    anchors[ev.anchor] = (value, 1)
            elif kind in closes:
                assert frame is not None
                done = frame
                stack.pop()
                frame = stack[-1] if stack else None
                start = done.start
                # the collection's span: a block one ends where its last item does
                last = done.last
                if done.flow or last is None:
                    end_line, end_col = self._end(start, ev.end_mark)
                else:
                    end_line, end_col = last.end_line, last.end_column
                span = new_span(done.line, done.column, end_line, end_col)
                if done.template or done.merges or done.tag is not None:
                    value = self._value(done, span)
                else:
                    value = Value(done.data, span)
                if call_free is not None:
                    data = done.data
                    # a call is a single-key map, or what a tag made of the collection
                    tagged = value.data is not data
                    is_call = (tagged or (done.is_map and len(data) == 1)) and call_free.note(value.data)
                    if is_call or done.calls or tagged or done.merges:
                        if frame is not None:
                            frame.calls = True
                    else:
                        call_free_collections[id(data)] = data
                self.nodes += 1
                size = done.size
                if done.anchor:
                    self.open_anchors.discard(done.anchor)
                    anchors[done.anchor] = (value, size)
            elif kind in opens:
                start = ev.start_mark
                if len(stack) >= MAX_DEPTH:
                    self._too_deep(start)
                is_map = kind is mapping
                flow = ev.flow_style
                frame = _Frame(is_map, start, offset + start.line + 1, ev.anchor, bool(flow),
                               bool(templates and is_map and flow and self.chunk.startswith("{{", start.index)),
                               ev.tag)
                stack.append(frame)
                if call_free is not None and len(stack) > call_free.max_depth:
                    call_free.max_depth = len(stack)
                if ev.anchor:
                    self.open_anchors.add(ev.anchor)
                ev = next_event()
                continue
            elif kind is alias:
                start = ev.start_mark
                found = self._alias(ev, frame)
                if found is None:
                    ev = next_event()
                    continue
                value, size = found
                self.nodes += size
                if call_free is not None and frame is not None and _alias_calls(value.data, call_free):
                    frame.calls = True
            else:
                if kind is document:
                    anchors.clear()
                    self.nodes = 0
                    self.templated = False
                ev = next_event()
                continue
            if self.nodes > MAX_NODES:
                self._too_many(start)
            # the value joins its collection
            if frame is None:
                docs.append(YamlDocument(value, value.span, self.templated))
            else:
                frame.size += size
                if frame.size > MAX_NODES:
                    self._too_many(start)
                span = frame.last = value.span
                if not frame.is_map:
                    frame.data.append(value)
                elif frame.key is None:  # a collection used as a key: keep it as text
                    line, col = self._pos(start)
                    frame.key = (_key_text(value), line, col, False)
                else:
                    key, k_line, k_col, merge = frame.key
                    frame.key = None
                    if merge:
                        frame.merges.extend(v for v in (value.data if isinstance(value.data, list) else [value])
                                            if isinstance(v.data, dict))
                    else:
                        if unique_keys and key in frame.data:
                            raise _Refused(f"duplicate key {key!r}", k_line, k_col)
                        # values reaching here are new: the entry is the value with its key's span
                        value.key_span = new_span(k_line, k_col, span.end_line, span.end_column)
                        frame.data[key] = value
            ev = next_event()

    def _too_deep(self, mark: Any) -> NoReturn:
        line, col = self._pos(mark)
        raise _Refused(f"document nests deeper than {MAX_DEPTH} levels; not read", line, col)

    def _count(self, n: int, mark: Any) -> None:
        self.nodes += n
        if self.nodes > MAX_NODES:
            self._too_many(mark)

    def _too_many(self, mark: Any) -> NoReturn:
        line, col = self._pos(mark)
        raise _Refused(f"document expands to more than {MAX_NODES} values through aliases; not read", line, col)

    def _alias(self, ev: Any, frame: _Frame | None) -> tuple[Value, int] | None:
        """The value an alias stands for and its size; None when it is a mapping's key."""
        name = ev.anchor
        line, col = self._pos(ev.start_mark)
        if name in self.open_anchors and name not in self.anchors:
            raise _Refused(f"alias *{name} refers to a node that contains it; not read", line, col)
        if name not in self.anchors:
            raise _Refused(f"alias *{name} has no anchor", line, col)
        target, size = self.anchors[name]
        if frame is not None and frame.is_map and frame.key is None:
            self._count(size, ev.start_mark)
            frame.key = (str(target.plain()) if target.data is not UNKNOWN else "?", line, col, False)
            return None
        end_line, end_col = self._end(ev.start_mark, ev.end_mark)
        return Value(target.data, Span(line, col, end_line, end_col), origin=target.origin), size

    def _value(self, frame: _Frame, span: Span) -> Value:
        """The value of a collection that just closed, when it is a template, merges keys or
        carries a tag."""
        if frame.template:
            self.templated = True
            return Value(UNKNOWN, span, origin="unrendered template")
        if frame.is_map:
            for m in frame.merges:
                for k, v in m.items():
                    frame.data.setdefault(k, v)
        value = Value(frame.data, span)
        if self.tags is not None and _is_local(frame.tag):
            value = self.tags(frame.tag, value)  # type: ignore[arg-type]
        return value


def _alias_calls(data: Any, call_free: CallFree) -> bool:
    """Whether an alias's value (it shares its anchor's data) holds a function call."""
    if isinstance(data, (dict, list)):
        return data not in call_free
    return isinstance(data, str) and _DYNAMIC_REF in data


def _is_local(tag: str | None) -> bool:
    """`!Ref`, not `!!str` (resolved to tag:yaml.org,...), nor the non-specific `!`."""
    return tag is not None and tag.startswith("!") and len(tag) > 1


def _key_text(v: Value) -> str:
    if v.data is UNKNOWN:
        return "{{template}}"
    plain = v.plain()
    return str(plain)
