"""find_all: every connection string embedded in a larger text (a JSON blob, a properties file,
a shell command line). A cheap pre-check rejects the common case of text without any."""

from __future__ import annotations

import re

from . import kafka
from .build import Parsed, finish
from .forms import (
    GO_DSN_TAIL,
    balanced_end,
    descriptor_conn,
    go_dsn_conn,
    libpq_conn,
    semicolon_conn,
    stackexchange_conn,
)
from .jdbc import parse_jdbc
from .keyvalue import LIBPQ_KEYS, looks_like_libpq, scan_libpq, scan_semicolon
from .lexical import mask_placeholders
from .model import ConnString
from .urls import parse_url

# Anything that can start a connection string. Text without a match is skipped at once.
_PRECHECK = re.compile(
    r"://|jdbc:|@tcp|\(\s*description|=|[Ss][Ee][Cc][Uu][Rr][Ii][Tt][Yy].[Pp]|[Ss][Ee][Rr][Vv][Ee][Rr][Ss]"
)

_URL_START = re.compile(r"(?<![A-Za-z0-9+.\-])(?:[Jj][Dd][Bb][Cc]:[A-Za-z]|[A-Za-z][A-Za-z0-9+.\-]{0,40}://)")
_URL_BODY = re.compile(r"[^\s\"'<>`]*")
_TRAILING = ".,;:!?\\"
_PAIRS = {")": "(", "]": "[", "}": "{"}
_DESCRIPTOR = re.compile(r"\(\s*description(?:_list)?\s*=", re.I)
_SEMI_RUN = re.compile(
    r"(?<![\w.\-])(?:[A-Za-z][\w .\-]{0,60}=(?:\{[^}\n]*\}|\"[^\"\n]*\"|'[^'\n]*'|[^;\"'\n{]*)[ \t]*;[ \t]*)+"
    r"(?:[A-Za-z][\w .\-]{0,60}=(?:\{[^}\n]*\}|\"[^\"\n]*\"|'[^'\n]*'|[^;\"'\n{]*))?"
)
_LIBPQ_ANCHOR = re.compile(r"(?i)(?<![\w.\-])(?:" + "|".join(sorted(LIBPQ_KEYS, key=len, reverse=True)) + r")[ \t]*=")
_GO_AT = re.compile(r"@(?:tcp6?|unix)\(")
_SE_ANCHOR = re.compile(r"(?i),[ \t]*(?:password|ssl|abortconnect|sslhost|allowadmin)[ \t]*=")
_STOP_LEFT = frozenset(" \t\r\n\"'`=,;([{<>")
_SE_STOP = frozenset(" \t\r\n\"'`;")


def find_all(text: str) -> list[ConnString]:
    """Every connection string in text, ordered by position; offsets are relative to text."""
    try:
        if not _PRECHECK.search(text):
            return []
        return _Finder(text).run()
    except Exception:  # the contract: no input may make the linter crash
        return []


class _Finder:
    def __init__(self, text: str) -> None:
        self.text = text
        self.masked = mask_placeholders(text)
        self.found: list[ConnString] = []

    def free(self, start: int, end: int) -> bool:
        return all(end <= f.start or start >= f.end for f in self.found)

    def add(self, item: ConnString | None) -> None:
        if item is not None and item.end > item.start and self.free(item.start, item.end):
            self.found.append(item)

    def run(self) -> list[ConnString]:
        masked = self.masked
        if "://" in masked or ":" in masked:
            self.urls()
        if ";" in masked:
            self.semicolon_runs()
        if "(" in masked:
            self.descriptors()
        if "=" in masked:
            self.libpq_runs()
            if "," in masked:
                self.stackexchange()
        if "@" in masked:
            self.go_dsns()
        self.kafka_pairs()
        return sorted(self.found, key=lambda f: f.start)

    # -- scheme://… and jdbc:…
    def urls(self) -> None:
        text, masked = self.text, self.masked
        for match in _URL_START.finditer(masked):
            start = match.start()
            if not self.free(start, start + 1):
                continue
            body = _URL_BODY.match(masked, start)
            end = body.end() if body is not None else start
            jdbc = masked[start : start + 5].lower() == "jdbc:"
            if jdbc and masked[start : start + 12].lower() == "jdbc:oracle:":
                end = self._oracle_end(start, end)
            end = _trim(masked, start, end)
            if end <= start:
                continue
            sub_text, sub_masked = text[start:end], masked[start:end]
            self.add(parse_jdbc(sub_text, sub_masked, start) if jdbc else parse_url(sub_text, sub_masked, start))

    def _oracle_end(self, start: int, end: int) -> int:
        masked = self.masked
        at = masked.find("@", start, end if end > start else len(masked))
        if at < 0:
            return end
        open_at = at + 1
        while open_at < len(masked) and masked[open_at] in " \t":
            open_at += 1
        if open_at < len(masked) and masked[open_at] == "(":
            close = balanced_end(masked, open_at)
            if close > 0:
                return close
        return end

    # -- Key=Value;Key=Value
    def semicolon_runs(self) -> None:
        text, masked = self.text, self.masked
        for match in _SEMI_RUN.finditer(masked):
            start, end = match.start(), match.end()
            while end > start and masked[end - 1] in " \t;":
                end -= 1
            first_eq = masked.find("=", start, end)
            first_semi = masked.find(";", start, end)
            if 0 <= first_eq < first_semi and "=" in masked[first_eq + 1 : first_semi]:
                start = first_eq + 1  # KEY=Server=…;… (an env-file line)
            if not self.free(start, end):
                continue
            pairs = scan_semicolon(text, masked, start, end)
            if pairs:
                self.add(semicolon_conn(text, masked, pairs, start, end, 0))

    # -- (DESCRIPTION=…)
    def descriptors(self) -> None:
        for match in _DESCRIPTOR.finditer(self.masked):
            start = match.start()
            if not self.free(start, start + 1):
                continue
            end = balanced_end(self.masked, start)
            if end > 0:
                self.add(descriptor_conn(self.text, self.masked, start, end))

    # -- host=… dbname=… sslmode=…
    def libpq_runs(self) -> None:
        text, masked = self.text, self.masked
        position = 0
        while True:
            match = _LIBPQ_ANCHOR.search(masked, position)
            if match is None:
                return
            pairs, stop = scan_libpq(text, masked, match.start(), len(masked), embedded=True)
            position = max(stop, match.end())
            if pairs and looks_like_libpq(pairs) and self.free(match.start(), stop):
                self.add(libpq_conn(pairs, match.start(), stop))

    # -- user:pass@tcp(host:3306)/db?tls=…
    def go_dsns(self) -> None:
        masked = self.masked
        for match in _GO_AT.finditer(masked):
            at = match.start()
            start = at
            while start > 0 and masked[start - 1] not in _STOP_LEFT:
                start -= 1
            if self.free(start, at + 1) and GO_DSN_TAIL.match(masked, at):
                self.add(go_dsn_conn(self.text, masked, start, at))

    # -- host:6380,password=…,ssl=True
    def stackexchange(self) -> None:
        masked = self.masked
        for match in _SE_ANCHOR.finditer(masked):
            start = match.start()
            while start > 0 and masked[start - 1] not in _SE_STOP and masked[start - 1] != "=":
                start -= 1
            end = match.end()
            while end < len(masked) and masked[end] not in _SE_STOP:
                end += 1
            end = _trim(masked, start, end)
            if self.free(start, end):
                self.add(stackexchange_conn(self.text, masked, start, end))

    # -- security.protocol=SSL / "bootstrap.servers": "…"
    def kafka_pairs(self) -> None:
        matches = [m for m in kafka.find_pairs(self.text, self.masked) if self.free(m.start, max(m.end, m.start + 1))]
        if not matches:
            return
        values = kafka.collect((m.key, m.value) for m in matches)
        result = kafka.classify(values)
        if result is None:
            return
        anchor = next((m for m in matches if m.key == kafka.PROTOCOL), None)
        anchor = anchor or next((m for m in matches if m.key == kafka.SERVERS), matches[0])
        verdict, params, hosts = result
        end = max(anchor.end, anchor.start + 1)
        parsed = Parsed("kafka", verdict, hosts, params, 9092, generic_switches=False)
        self.add(finish(parsed, "kv", anchor.start, end))


def _trim(masked: str, start: int, end: int) -> int:
    """Drop sentence punctuation and unbalanced closing brackets from the end of a candidate."""
    while end > start:
        char = masked[end - 1]
        if char in _TRAILING or (
            char in _PAIRS and masked.count(_PAIRS[char], start, end) < masked.count(char, start, end)
        ):
            end -= 1
        else:
            break
    return end
