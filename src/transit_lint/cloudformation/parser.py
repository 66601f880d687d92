"""CloudFormation text (YAML or JSON) -> the spanned tree every normalizer reads.

cfn-lint's decoder (`cfnlint.decode`) does the reading: it understands the short-form tags
(`!Ref`, `!Sub`, `!GetAtt` ... become `{"Ref": ...}` / `{"Fn::Sub": ...}` as in JSON), rejects
duplicate keys, guards against YAML alias bombs and reports errors with positions. It marks
strings, mappings and lists with their positions; numbers and booleans carry none, so they take
the line of the key that holds them. Intrinsic functions stay as single-key mappings here;
`intrinsics.py` evaluates them.

cfn-lint costs about half a second to import, so it is imported inside `parse_template` only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..spans import Span
from ..tree import Value
from ..yaml_comments import yaml_comments


@dataclass
class ParseProblem:
    span: Span
    message: str


@dataclass
class ParsedTemplate:
    root: Value | None  # None when the file could not be read at all
    problems: list[ParseProblem] = field(default_factory=list)
    comments: list[tuple[int, str]] = field(default_factory=list)
    is_json: bool = False


class _Lines:
    """Line lengths, to turn end marks into inclusive spans and skip trailing comments."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")

    def length(self, line: int) -> int:  # 1-based
        return len(self.lines[line - 1]) if 0 < line <= len(self.lines) else 0

    def blank_before(self, line: int, column: int) -> bool:
        """Only whitespace precedes (1-based) `column` on `line`."""
        if not 0 < line <= len(self.lines):
            return True
        return not self.lines[line - 1][: column - 1].strip()

    def is_filler(self, line: int) -> bool:
        if not 0 < line <= len(self.lines):
            return True
        s = self.lines[line - 1].strip()
        return not s or s.startswith("#")


MAX_NODES = 250_000  # values per template: YAML aliases can multiply a small file beyond reason


class _TooLarge(Exception):
    pass


def _is_yaml_mark(mark: Any) -> bool:
    return hasattr(mark, "index") or hasattr(mark, "buffer")


class _Builder:
    def __init__(self, text: str) -> None:
        self.lines = _Lines(text)
        self.count = 0

    def start(self, mark: Any) -> tuple[int, int] | None:
        if mark is None:
            return None
        if _is_yaml_mark(mark):
            return mark.line + 1, mark.column + 1
        # cfn-lint's JSON fallback (rare: JSON that YAML cannot read): lines are 0-based for
        # strings and 1-based for objects and arrays; this keeps what we can
        return max(int(mark.line), 1), max(int(mark.column), 1)

    def span(self, node: Any) -> Span | None:
        s = self.start(getattr(node, "start_mark", None))
        if s is None:
            return None
        end_mark = getattr(node, "end_mark", None)
        if end_mark is None or not _is_yaml_mark(end_mark):
            return Span(s[0], s[1], s[0], self.lines.length(s[0]) + 1)
        el, ec = end_mark.line + 1, end_mark.column + 1
        if el > s[0] and self.lines.blank_before(el, ec):
            # a block ends at the start of the next token: step back to the last line it owns,
            # leaving out the blank and comment lines that follow it
            el -= 1
            while el > s[0] and self.lines.is_filler(el):
                el -= 1
            ec = self.lines.length(el) + 1
        return Span(s[0], s[1], el, ec)

    def key_start(self, key: Any, fallback: Span) -> tuple[int, int]:
        s = self.start(getattr(key, "start_mark", None))
        if s is None or not _is_yaml_mark(getattr(key, "start_mark", None)):
            if s is not None:  # JSON fallback: key lines are 0-based
                return s[0] + 1, s[1]
            return fallback.line, fallback.column
        return s

    def build(self, node: Any, fallback: Span) -> Value:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge
        span = self.span(node) or fallback
        if isinstance(node, dict):
            out: dict[str, Value] = {}
            for k, v in node.items():
                kl, kc = self.key_start(k, span)
                key_only = Span(kl, kc, kl, self.lines.length(kl) + 1)
                child = self.build(v, key_only)
                child.key_span = Span(kl, kc, max(child.span.end_line, kl),
                                      child.span.end_column if child.span.end_line >= kl else key_only.end_column)
                out[str(k)] = child
            return Value(out, span)
        if isinstance(node, list):
            items: list[Value] = []
            for x in node:
                # an unmarked scalar in a list: the best we know is the list's first line
                items.append(self.build(x, Span(span.line, span.column, span.line, self.lines.length(span.line) + 1)))
            return Value(items, span)
        return Value(_scalar(node), span)


def _scalar(x: Any) -> Any:
    if x is None or isinstance(x, (bool, int, float)):
        return x
    if isinstance(x, str):
        return str(x)  # drop cfn-lint's str_node subclass
    return str(x)  # dates and other YAML scalars: CloudFormation reads them as strings


def parse_template(text: str) -> ParsedTemplate:
    """Read one template; never raises. Problems carry the decoder's position."""
    from cfnlint.decode import decode_str

    is_json = text.lstrip().startswith("{")
    if is_json and "\t" in text:
        # valid JSON holds raw tabs only as whitespace (inside strings they must be escaped), and
        # the YAML reader refuses some of them: a space keeps every line and column
        text = text.replace("\t", " ")
    try:
        data, matches = decode_str(text)
    except RecursionError:
        return ParsedTemplate(None, [ParseProblem(Span.point(1), "template is nested too deeply to read")])
    except Exception as e:  # noqa: BLE001 - the decoder promises matches; a parser never raises
        return ParsedTemplate(None, [ParseProblem(Span.point(1), f"template could not be read: {e}")])
    if data is None or matches:
        problems = [ParseProblem(_match_span(m), str(getattr(m, "message", m))) for m in matches]
        return ParsedTemplate(None, problems or [ParseProblem(Span.point(1), "template could not be read")],
                              is_json=is_json)
    try:
        root = _Builder(text).build(data, Span(1, 1, 1, 1))
    except RecursionError:
        return ParsedTemplate(None, [ParseProblem(Span.point(1), "template is nested too deeply to read")])
    except _TooLarge:
        return ParsedTemplate(None, [ParseProblem(Span.point(1), f"template holds more than {MAX_NODES} values "
                                                                 "once YAML aliases are expanded")])
    if not root.is_map():
        return ParsedTemplate(None, [ParseProblem(root.span, "a template must be a mapping at the top level")])
    comments = [] if is_json else yaml_comments(text)
    return ParsedTemplate(root, [], comments, is_json)


def _match_span(m: Any) -> Span:
    line = int(getattr(m, "linenumber", 1) or 1)
    col = int(getattr(m, "columnnumber", 1) or 1)
    end_line = int(getattr(m, "linenumberend", line) or line)
    end_col = int(getattr(m, "columnnumberend", col) or col)
    if end_line < line:
        end_line, end_col = line, col
    return Span(max(line, 1), max(col, 1), max(end_line, 1), max(end_col, 1))
