"""One nginx file -> spanned directives, parse problems and comments.

The grammar is ngxparse's (the maintained crossplane fork, imported as `crossplane`), in
non-strict mode so that directives newer than its table (`http2`, `ssl_reject_handshake`,
`ssl_ech_file`, ...) do not fail a file. Includes are not followed here (`single=True`): the
include resolver decides what may be read. crossplane reports only the line a directive starts
on, so a second pass over its token stream finds where each statement ends, and repairs the
text (an unbalanced brace, an unterminated quote, a missing `;` before the next directive) so
that one typo costs a TL000 finding, not the whole file.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import crossplane
import crossplane.parser
from crossplane.analyzer import DIRECTIVES, FREEFORM_CONTEXTS
from crossplane.errors import NgxParserBaseException

from ..spans import Span
from .lexer import lex

MAX_REPAIRS = 8
MISSING_SEMICOLON = 'missing ";" at the end of the line (the next directive was read as arguments)'
_IN_FILE = re.compile(r" in [^\n]*?(?::\d+)?$")


@dataclass(eq=False)
class Directive:
    """One nginx statement as written, with where it sits.

    `via` lists the `include` directives through which this copy was reached (outermost
    first); `included` holds what an `include` brought in, and `unresolved` why it was not
    followed (outside the paths given, not found, ...)."""

    name: str
    args: list[str]
    path: Path
    rel: str
    span: Span
    block: list[Directive] | None = None
    via: tuple[Directive, ...] = ()
    included: list[Directive] | None = None
    unresolved: str | None = None

    @property
    def line(self) -> int:
        return self.span.line

    def reached_via(self, via: tuple[Directive, ...]) -> Directive:
        """A copy reached through other includes (`dataclasses.replace` is 4x slower, and the
        include expansion copies every directive)."""
        return Directive(self.name, self.args, self.path, self.rel, self.span, self.block, via, self.included,
                         self.unresolved)

    def where(self) -> str:
        return f"{self.rel}:{self.span.line}"


@dataclass
class Problem:
    line: int
    message: str


@dataclass
class ParsedFile:
    path: Path
    rel: str
    directives: list[Directive]
    problems: list[Problem] = field(default_factory=list)
    comments: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Scan:
    ends: dict[tuple[int, str], deque[int]]
    comments: list[tuple[int, str]]
    problems: list[Problem]
    repaired: str | None  # the text with one structural error repaired, when one was found
    tokens: list[tuple[str, int, bool]] | None = None  # the whole token stream, when it lexed cleanly


def known_directive(name: str) -> bool:
    return name in DIRECTIVES


def parse_nginx(text: str, path: Path, rel: str) -> ParsedFile:
    """Parse one file; never raises (every problem becomes a Problem with its line)."""
    problems: list[Problem] = []
    original_lines = text.count("\n") + 1
    scan = _scan(text)
    for _ in range(MAX_REPAIRS):
        problems.extend(scan.problems)
        if scan.repaired is None:
            break
        text = scan.repaired
        scan = _scan(text)
    else:
        problems.extend(scan.problems)
    try:
        payload: Any = _parse_tokens(text, rel, scan.tokens)
    except Exception as e:  # noqa: BLE001 - the grammar must never take the run down
        problems.append(Problem(1, f"nginx parser failed: {e}"))
        return ParsedFile(path, rel, [], _dedupe(problems), scan.comments)
    seen_lines = {p.line for p in problems}
    for err in payload.get("errors", []):
        line = err.get("line") or 1
        if line not in seen_lines:
            problems.append(Problem(int(line), _IN_FILE.sub("", str(err.get("error", "parse error")))))
            seen_lines.add(int(line))
    lines = text.split("\n")[:original_lines]
    configs = payload.get("config") or [{}]
    directives = _build(configs[0].get("parsed", []), path, rel, lines, scan.ends, defaultdict(int))
    return ParsedFile(path, rel, directives, _dedupe(problems), scan.comments)


def _parse_tokens(text: str, rel: str, tokens: list[tuple[str, int, bool]] | None) -> Any:
    """crossplane.parse_string, over the tokens the structure scan already lexed when it lexed the
    whole text cleanly: the same payload, and lexing is most of an nginx file's cost."""
    parse_with_tokens = getattr(crossplane.parser, "_parse_with_initial_tokens", None)
    if tokens is None or parse_with_tokens is None:
        return crossplane.parse_string(text, filename=rel, single=True, check_ctx=False, comments=False,
                                       catch_errors=True)
    config_dir = os.path.dirname(os.path.abspath(rel)) if rel else os.getcwd()
    return parse_with_tokens(iter(tokens), rel, config_dir, single=True,
                             check_ctx=False, comments=False, catch_errors=True)


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[int, str]] = set()
    out = []
    for p in sorted(problems, key=lambda p: p.line):
        if (p.line, p.message) not in seen:
            seen.add((p.line, p.message))
            out.append(p)
    return out


def _build(stmts: list[dict[str, Any]], path: Path, rel: str, lines: list[str],
           ends: dict[tuple[int, str], deque[int]], used_cols: dict[int, int]) -> list[Directive]:
    out: list[Directive] = []
    for s in stmts:
        name = str(s.get("directive", ""))
        if not name or name == "#":
            continue
        line = int(s.get("line") or 1)
        queue = ends.get((line, name))
        end_line = min(queue.popleft() if queue else line, max(len(lines), line))
        col = _column(lines, line, name, used_cols[line])
        used_cols[line] = col + len(name)
        end_text = lines[end_line - 1] if 0 < end_line <= len(lines) else ""
        span = Span(line, col, end_line, max(len(end_text.rstrip()), 1) + 1)
        d = Directive(name, [str(a) for a in s.get("args", [])], path, rel, span)
        if "block" in s:
            d.block = _build(s["block"], path, rel, lines, ends, used_cols)
        out.append(d)
    return out


def _column(lines: list[str], line: int, name: str, after: int) -> int:
    """1-based column of the directive name on its line (crossplane gives lines only)."""
    if not 0 < line <= len(lines):
        return 1
    text = lines[line - 1]
    for m in re.finditer(re.escape(name), text):
        if m.start() < after:
            continue
        before = text[m.start() - 1] if m.start() else " "
        if before.isspace() or before in ";{}":
            return m.start() + 1
    return after + 1 if after else 1


# ---------------------------------------------------------------- token pass


def statement_names(text: str, limit: int) -> list[str]:
    """The first `limit` statement names (outside map/types-like blocks), for content sniffing."""
    names: list[str] = []
    at_start = True
    freeform = 0  # depth inside blocks whose statements are data, not directives
    stack: list[bool] = []
    try:
        for tok, _line, quoted in lex(text):
            if not quoted and tok.startswith("#"):
                continue
            if not quoted and tok in (";", "{", "}"):
                if tok == "{":
                    is_free = bool(names) and names[-1] in FREEFORM_CONTEXTS | {"split_clients", "match"}
                    stack.append(is_free)
                    freeform += is_free
                elif tok == "}" and stack:
                    freeform -= stack.pop()
                at_start = True
                continue
            if at_start and not freeform:
                names.append(tok)
                if len(names) >= limit:
                    break
            at_start = False
    except NgxParserBaseException:
        pass
    return names



def _scan(text: str) -> _Scan:
    """Statement end lines, comments and the first structural error (with a repaired text)."""
    ends: dict[tuple[int, str], deque[int]] = defaultdict(deque)
    comments: list[tuple[int, str]] = []
    problems: list[Problem] = []
    stack: list[tuple[str, int]] = []  # open blocks: (directive, line)
    stmt: list[tuple[str, int, bool]] = []
    closes_on_line: dict[int, int] = defaultdict(int)
    missing_semicolon: list[int] = []  # lines that need a `;` at their end
    tokens: list[tuple[str, int, bool]] = []
    try:
        for token in lex(text):
            tokens.append(token)
            tok, line, quoted = token
            if not quoted and tok.startswith("#"):
                comments.append((line, tok))
                continue
            if not quoted and tok in (";", "{"):
                if stmt:
                    name, start = stmt[0][0], stmt[0][1]
                    fix = _missing_semicolon(stmt, stack)
                    if fix is not None:
                        missing_semicolon.append(fix)
                    if tok == ";":
                        ends[(start, name)].append(line)
                    else:
                        stack.append((name, start))
                elif tok == "{":
                    stack.append(("", line))
                stmt = []
            elif not quoted and tok == "}":
                closes_on_line[line] += 1
                stmt = []
                if stack:
                    name, start = stack.pop()
                    if name:
                        ends[(start, name)].append(line)
            else:
                stmt.append((tok, line, quoted))
    except NgxParserBaseException as e:
        reason = str(e.strerror)
        lines = text.split("\n")
        line = int(e.lineno or 1)
        if reason.startswith('unexpected "}"'):
            problems.append(Problem(line, 'unexpected "}" (no block is open here)'))
            return _Scan(ends, comments, problems, _drop_brace(lines, line, closes_on_line[line]))
        if reason.startswith('unexpected end of file, expecting "}"'):
            name, start = stack[-1] if stack else ("", line)
            what = f'block "{name}" opened on line {start}' if name else f"block opened on line {start}"
            problems.append(Problem(start, f'{what} is never closed (unexpected end of file, expecting "}}")'))
            return _Scan(ends, comments, problems, text + "\n}" * max(len(stack), 1))
        m = re.search(r'expecting "(.)"', reason)
        if m and m.group(1) in "\"'":
            problems.append(Problem(line, f"unterminated {m.group(1)} quote"))
            if 0 < line <= len(lines) and not lines[line - 1].endswith(m.group(1)):
                lines[line - 1] += m.group(1)
                return _Scan(ends, comments, problems, "\n".join(lines))
            return _Scan(ends, comments, problems, None)
        problems.append(Problem(line, reason))
        return _Scan(ends, comments, problems, None)
    if missing_semicolon:
        lines = text.split("\n")
        for ln in missing_semicolon:
            problems.append(Problem(ln, MISSING_SEMICOLON))
            lines[ln - 1] = _append_semicolon(lines[ln - 1])
        return _Scan(ends, comments, problems, "\n".join(lines))
    return _Scan(ends, comments, problems, None, tokens)


def _missing_semicolon(stmt: list[tuple[str, int, bool]], stack: list[tuple[str, int]]) -> int | None:
    """`listen 80` + newline + `server_name x;` reads as one statement: find such a break."""
    if stack and stack[-1][0] in FREEFORM_CONTEXTS | {"if"}:
        return None
    if not known_directive(stmt[0][0]) or stmt[0][0].endswith("_by_lua_block"):
        return None
    for prev, cur in pairwise(stmt):
        tok, line, quoted = cur
        if line > prev[1] and not quoted and known_directive(tok) and tok not in _ARG_WORDS:
            return prev[1]
    return None


# words that are both directive names and common arguments
_ARG_WORDS = frozenset({"ssl", "http2", "http3", "quic", "default", "break", "internal", "proxy_protocol"})


def _append_semicolon(line: str) -> str:
    m = re.search(r"\s#", line)
    if m:
        return line[: m.start()] + ";" + line[m.start():]
    return line + ";"


def _drop_brace(lines: list[str], line: int, closes_before: int) -> str | None:
    """Blank the unbalanced `}` on `line`: the one after `closes_before` balanced ones."""
    if not 0 < line <= len(lines):
        return None
    text = lines[line - 1]
    seen = 0
    for i, ch in enumerate(text):
        if ch == "#":
            break
        if ch == "}":
            if seen == closes_before:
                lines[line - 1] = text[:i] + " " + text[i + 1:]
                return "\n".join(lines)
            seen += 1
    return None
