"""Lexical helpers: placeholder masking, parameter bags, and the words drivers read as true or false."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import unquote

# Template placeholders that may sit anywhere in a value. Every alternative is bounded, so that
# scanning stays linear on hostile input.
_PLACEHOLDER = re.compile(
    r"\$\{\{[^{}\n]{0,200}\}\}"  # ${{ secrets.X }} (GitHub Actions)
    r"|\$\{[^{}\n]{0,200}\}"  # ${VAR}, ${var.x}, ${AWS::Region}
    r"|\$\([^()\n]{0,200}\)"  # $(VAR) (Kubernetes env expansion)
    r"|\{\{[^{}\n]{0,200}\}\}"  # {{ .Values.x }} (Helm, Jinja)
    r"|\{%[^%\n]{0,200}%\}"  # {% ... %}
    r"|<%[^%\n]{0,200}%>"  # <%= ... %> (ERB)
    r"|#\{[^{}\n]{0,200}\}"  # #{...} (Ruby, Octopus)
    r"|%\([A-Za-z_][A-Za-z0-9_]{0,60}\)[sd]"  # %(name)s
    r"|%s|%d(?![0-9A-Fa-f])"  # printf; %dX with a hex X is percent-encoding
    r"|\$[A-Za-z_][A-Za-z0-9_]{0,60}"  # $VAR (shell)
    r"|\{[A-Za-z_][A-Za-z0-9_.]{0,60}\}"  # {name} (str.format)
    r"|<[A-Za-z_][A-Za-z0-9_.\-]{0,60}>"  # <host> (documentation)
)

MASK_CHAR = "P"


def mask_placeholders(text: str) -> str:
    """Replace every placeholder by a run of MASK_CHAR of the same length, so offsets survive.

    Structure is read from the masked text and values are sliced from the original one, so
    `{{ .Values.host }}` is one opaque token and is still reported as written.
    """
    if "$" not in text and "{" not in text and "%" not in text and "<" not in text:
        return text
    return _PLACEHOLDER.sub(lambda m: MASK_CHAR * (m.end() - m.start()), text)


def is_templated(text: str, masked: str, start: int, end: int) -> bool:
    """Whether text[start:end] contains (part of) a placeholder."""
    return text[start:end] != masked[start:end]


def has_placeholder(text: str) -> bool:
    return mask_placeholders(text) != text


def decode(value: str) -> str:
    """Percent-decode; never raises (bad escapes are kept as written)."""
    if "%" not in value:
        return value
    return unquote(value, errors="replace")


_COMPACT = re.compile(r"[\s_\-.]+")


@lru_cache(maxsize=4096)
def compact(key: str) -> str:
    """Key used for lookups: lower-cased, without spaces, `_`, `-` and `.` (`SSL Mode` = `ssl-mode` = `sslmode`)."""
    return _COMPACT.sub("", key.lower())


def value_word(value: str) -> str:
    """A value reduced for comparison: lower-cased, without quotes, spaces, `_` and `-`."""
    return _COMPACT.sub("", value.strip().strip("'\"{}").lower())


_TRUE = frozenset({"true", "1", "yes", "on", "y", "t", "enable", "enabled"})
_FALSE = frozenset({"false", "0", "no", "off", "n", "f", "disable", "disabled"})


def truth(value: str | None) -> bool | None:
    """True/False for the usual spellings, None when absent or not a boolean word."""
    if value is None:
        return None
    word = value_word(value)
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    return None


class Params:
    """The parameters of one connection string, looked up case- and separator-insensitively.

    Every lookup is remembered, so that the result can list the TLS-relevant parameters that were
    read (and only those: passwords are never copied out), and so that a templated value that
    decided the outcome turns the result into UNKNOWN.
    """

    def __init__(self, items: Iterable[tuple[str, str, bool]] = ()) -> None:
        self._by_key: dict[str, tuple[str, str, bool]] = {}
        for key, value, templated in items:
            self.add(key, value, templated)
        self.consulted: dict[str, str] = {}
        self.templated_keys: list[str] = []
        self.templated_segment = False

    def add(self, key: str, value: str, templated: bool = False) -> None:
        name = key.strip()
        self._by_key[compact(name)] = (name, value, templated)

    def __contains__(self, key: str) -> bool:
        return compact(key) in self._by_key

    def compact_keys(self) -> set[str]:
        return set(self._by_key)

    def items(self) -> list[tuple[str, str]]:
        """(key as written, value) pairs, without recording a lookup."""
        return [(written, value) for written, value, _ in self._by_key.values()]

    def get(self, *names: str) -> str | None:
        """The value of the first of `names` that is present (None if none is)."""
        for name in names:
            found = self._by_key.get(compact(name))
            if found is None:
                continue
            written, value, templated = found
            key = written.lower()
            self.consulted[key] = value
            if templated and key not in self.templated_keys:
                self.templated_keys.append(key)
            return value
        return None

    def name(self, *names: str) -> str:
        """The key as written for the first of `names` that is present (else the first name)."""
        for name in names:
            found = self._by_key.get(compact(name))
            if found is not None:
                return found[0]
        return names[0]

    def peek(self, *names: str) -> str | None:
        """Like get, without recording the lookup (for deciding which technology a string is)."""
        for name in names:
            found = self._by_key.get(compact(name))
            if found is not None:
                return found[1]
        return None

    def word(self, *names: str) -> str | None:
        value = self.get(*names)
        return None if value is None else value_word(value)
