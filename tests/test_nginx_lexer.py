"""The fast nginx lexer against crossplane's own: the same tokens, lines and errors, at the same
point of the stream, on every nginx file in the repository and on a seeded fuzz."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import crossplane
import pytest
from crossplane.errors import NgxParserBaseException

from transit_lint.nginx.lexer import lex

ROOT = Path(__file__).resolve().parent.parent

Outcome = tuple[list[tuple[str, int, bool]], tuple[str, int | None] | None]


def _drain(tokens: Iterator[tuple[str, int, bool]]) -> Outcome:
    out: list[tuple[str, int, bool]] = []
    try:
        for t in tokens:
            out.append(t)
    except NgxParserBaseException as e:
        return out, (str(e.strerror), e.lineno)
    return out, None


def _same(text: str) -> None:
    assert _drain(lex(text)) == _drain(crossplane.lex_string(text)), repr(text)


def _nginx_files() -> list[Path]:
    out = [p for p in (ROOT / "fixtures").rglob("*") if p.is_file() and p.suffix == ".conf"]
    out += [p for p in (ROOT / "examples").rglob("*.conf")]
    return sorted(out)


def test_repository_files_lex_alike() -> None:
    files = _nginx_files()
    assert len(files) > 50
    for p in files:
        _same(p.read_text(encoding="utf-8", errors="replace"))


@pytest.mark.parametrize("text", [
    "", "\\", "a\\", "a \\\\", "# c\\", "# c\\\nx;", "#a\\\\\nb;", "a\\\nb;", "\\\n;",
    "set $a ${b};", "set $a ${b}", "x ${a b};", "x ${a\\}b};", "x ${a;b}c;", "x $;",
    'a "b\\"c" d;', "a 'b\\'c' d;", 'a "b\\\\" d;', 'a "unterminated', 'a "x\\', "a'b'c;",
    "a {", "a }", "}", "{ { }", "a;#c\n{b;}", "a\u00a0b;", "a\u2028b;", "a\r\nb;\r\n",
    "content_by_lua_block { ngx.say('hi') }",
])
def test_edge_cases_lex_alike(text: str) -> None:
    _same(text)


def test_fuzz_lexes_alike() -> None:
    rng = random.Random(20261122)
    alphabet = ["a", "b", "$", "{", "}", ";", "#", "\\", '"', "'", " ", "\n", "\t", "\r", "${", "x;", "\u00a0"]
    for _ in range(4000):
        _same("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))))


def test_fuzz_of_plain_texts_lexes_alike() -> None:
    """Texts without escapes or `${` take the one-regex path: the same fuzz, without those."""
    rng = random.Random(20261123)
    alphabet = ["a", "b", "$", "{", "}", ";", "#", '"', "'", " ", "\n", "\t", "\r", "x;", "\u00a0", "\u2028", "\x0b"]
    plain = 0
    for _ in range(4000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        plain += "${" not in text
        _same(text)
    assert plain > 3000
