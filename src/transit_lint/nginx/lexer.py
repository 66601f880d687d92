"""crossplane's nginx lexer, token for token, at regex speed.

`crossplane.lex_string` walks the text one character at a time through three stacked
generators (escapes, line counting, tokens): about half of the time spent on an nginx file, and
the whole of the content sniff that every `.conf` candidate goes through. This module yields the
same `(token, line, quoted)` triples and raises the same `NgxParserSyntaxError` (reason, line)
at the same point of the stream, by jumping over runs of ordinary characters with one regex; a
text with no escape and no `${` (most files) is split by a single regex altogether.
`tests/test_nginx_lexer.py` holds it to crossplane on every nginx file in the repository and on
a seeded fuzz of the characters the grammar treats specially.

Texts that name an OpenResty `*_by_lua_block` go to crossplane itself: its Lua block lexer is a
plug-in with state of its own, and such files are rare.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator

import crossplane
from crossplane.errors import NgxParserSyntaxError
from crossplane.lexer import _balance_braces

Token = tuple[str, int, bool]

_PLAIN = re.compile(r"""[^\s\\{};"'#$]+""")
_SPACE = re.compile(r"\s+")
_NEWLINE = re.compile("\n")
_QUOTE_STOPS = {q: re.compile("[\\\\" + q + "]") for q in "\"'"}


def lex(text: str) -> Iterator[Token]:
    """Tokens of an nginx configuration text, as `crossplane.lex_string(text)` yields them."""
    if "_by_lua_block" in text:
        return iter(crossplane.lex_string(text))
    if "\\" not in text and "${" not in text:
        return _plain_tokens(text)  # most files: no escape or expansion to track
    # crossplane's own brace check (a private helper; ngxparse is pinned below 0.6 and
    # tests/test_nginx_lexer.py holds the whole stream to crossplane's)
    return iter(_balance_braces(_tokens(text)))


# A token of a text without escapes or `${`: a comment to the end of its line, a brace or `;`, a
# quoted string, an unterminated quote, or a word (a quote or `#` inside a word is plain); a
# newline is a token too, to count lines.
_PLAIN_TOKEN = re.compile(r"""#[^\n]*|[;{}]|"[^"]*"|'[^']*'|["']|[^\s;{}"'#][^\s;{}]*""")
_PLAIN_TOKEN_OR_NEWLINE = re.compile("\n|" + _PLAIN_TOKEN.pattern)


def _plain_tokens(text: str) -> Iterator[Token]:
    """The tokens of a text without escapes or `${`, from one regex (3x faster than `_tokens`),
    with crossplane's brace checks: the same tokens, lines and errors at the same points."""
    depth = 0
    line = 1
    for tok in _PLAIN_TOKEN_OR_NEWLINE.findall(text):
        first = tok[0]
        if first == "\n":
            line += 1
            continue
        if first == '"' or first == "'":
            if len(tok) == 1:
                raise NgxParserSyntaxError(f'unexpected end of file, expecting "{first}"', None, line)
            yield tok[1:-1], line, True
            line += tok.count("\n")
            continue
        if first == "{":
            depth += 1
        elif first == "}":
            depth -= 1
            if depth < 0:
                raise NgxParserSyntaxError('unexpected "}"', None, line)
        yield tok, line, False
    if depth > 0:  # crossplane names the line of the last token
        *_, last = _PLAIN_TOKEN.finditer(text)
        raise NgxParserSyntaxError('unexpected end of file, expecting "}"', None, 1 + text.count("\n", 0, last.start()))


def _tokens(text: str) -> Iterator[Token]:
    # crossplane drops a backslash that ends the text (an escape with nothing to escape)
    n = len(text)
    tail = len(text) - len(text.rstrip("\\"))
    if tail % 2:
        n -= 1
    newlines = [m.start() for m in _NEWLINE.finditer(text)]

    def line_at(end: int) -> int:
        """crossplane's line of the character (or escape pair) that ends before `end`."""
        return 1 + bisect_right(newlines, end - 1)

    def unit_end(i: int) -> int:
        """End of the character at i, an escape pair counting as one."""
        return i + 2 if text[i] == "\\" else i + 1

    token = ""
    token_line = 0
    i = 0
    while i < n:
        c = text[i]
        if c.isspace():
            if token:
                yield token, token_line, False
                token = ""
            i = _SPACE.match(text, i).end()  # type: ignore[union-attr]  # c is a space
            continue
        if c == "#" and not token:
            yield _comment(text, i, n), line_at(i + 1), False
            nl = text.find("\n", i, n)
            if nl < 0:
                return
            i = nl + 1
            continue
        if not token:
            token_line = line_at(unit_end(i))
        if c == "\\":
            token += text[i:i + 2]
            i += 2
            continue
        if c == "{" and token and token[-1] == "$":
            token, i = _expansion(text, i, n, token, token_line)
            if i < n and text[i].isspace():
                yield token, token_line, False
                token = ""
                i += 1
            continue
        if c in "\"'":
            if token:
                token += c
                i += 1
                continue
            quoted, i = _quoted(text, i, n, token_line)
            yield quoted, token_line, True
            continue
        if c in "{};":
            if token:
                yield token, token_line, False
                token = ""
            yield c, line_at(i + 1), False
            i += 1
            continue
        if c in "#$":
            token += c
            i += 1
            continue
        m = _PLAIN.match(text, i)
        assert m is not None  # every other character is plain
        token += m.group()
        i = m.end()
    if token:
        yield token, token_line, False


def _comment(text: str, i: int, n: int) -> str:
    """A comment runs to the end of its line; an escaped newline ends it too, without its
    backslash (crossplane reads `\\` + newline as one character that ends with a newline)."""
    nl = text.find("\n", i, n)
    end = n if nl < 0 else nl
    if nl >= 0:
        backslashes = end - i - len(text[i:end].rstrip("\\"))
        if backslashes % 2:
            end -= 1
    return text[i:end]


def _expansion(text: str, i: int, n: int, token: str, token_line: int) -> tuple[str, int]:
    """`${name}`: characters join the token until it ends with `}` or a space comes; crossplane
    reads one character past the brace, so the end of the text there is an error."""
    while True:
        if token[-1] == "}" or text[i].isspace():
            return token, i
        step = 2 if text[i] == "\\" else 1
        token += text[i:i + step]
        i += step
        if i >= n:
            raise NgxParserSyntaxError('unexpected end of file, expecting "}"', None, token_line)


def _quoted(text: str, i: int, n: int, token_line: int) -> tuple[str, int]:
    """A quoted string from the quote at i: `\\` + the quote stands for the quote, every other
    escape pair is kept as written. Returns the string and the index after the closing quote."""
    quote = text[i]
    stop = _QUOTE_STOPS[quote]
    parts: list[str] = []
    j = i + 1
    while True:
        m = stop.search(text, j, n)
        if m is None:
            raise NgxParserSyntaxError(f'unexpected end of file, expecting "{quote}"', None, token_line)
        k = m.start()
        parts.append(text[j:k])
        if text[k] == quote:
            return "".join(parts), k + 1
        if k + 1 >= n:  # a lone backslash ends the text
            raise NgxParserSyntaxError(f'unexpected end of file, expecting "{quote}"', None, token_line)
        pair = text[k:k + 2]
        parts.append(quote if pair[1] == quote else pair)
        j = k + 2
