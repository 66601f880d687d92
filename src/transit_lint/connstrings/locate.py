"""find_all: every connection string embedded in a larger text (a JSON blob, a properties file,
a shell command line). Substring gates reject the common case of text without any."""

from __future__ import annotations

import bisect
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
from .gates import Gates, ascii_lower, open_gates
from .jdbc import parse_jdbc
from .keyvalue import LIBPQ_KEYS, looks_like_libpq, scan_libpq, scan_semicolon
from .lexical import mask_placeholders
from .model import ConnString
from .urls import handler_for, parse_url

_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-:")
_URL_BODY = re.compile(r"[^\s\"'<>`]{0,4096}")  # no real connection string is longer
_TRAILING = ".,;:!?\\"
_PAIRS = {")": "(", "]": "[", "}": "{"}
_DESCRIPTOR = re.compile(r"\(\s*description(?:_list)?\s*=")  # run on ASCII-lower-cased text
_SEMI_RUN = re.compile(
    r"(?<![\w.\-])(?:[A-Za-z][\w .\-]{0,60}=(?:\{[^}\n]*\}|\"[^\"\n]*\"|'[^'\n]*'|[^;\"'\n{]*)[ \t]*;[ \t]*)+"
    r"(?:[A-Za-z][\w .\-]{0,60}=(?:\{[^}\n]*\}|\"[^\"\n]*\"|'[^'\n]*'|[^;\"'\n{]*))?"
)
_DESCRIPTOR_LIMIT = 8000
_KEY_ANCHOR = re.compile(r"(?<![\w.\-])([A-Za-z_][A-Za-z0-9_]*)[ \t]*=")
_GO_AT = re.compile(r"@tcp6?\(")  # run on ASCII-lower-cased text
_SE_ANCHOR = re.compile(r",(?:password|ssl|abortconnect|sslhost|allowadmin)=")  # lower-cased text
_STOP_LEFT = frozenset(" \t\r\n\"'`=,;([{<>/")
_SE_STOP = frozenset(" \t\r\n\"'`;")


def find_all(text: str) -> list[ConnString]:
    """Every connection string in text, ordered by position; offsets are relative to text."""
    try:
        gates = open_gates(text)
        if gates is None:
            return []
        return _Finder(text, gates).run()
    except Exception:  # noqa: BLE001 -- the contract: no input may make the linter crash
        return []


class _Finder:
    def __init__(self, text: str, gates: Gates) -> None:
        self.text = text
        self.masked = mask_placeholders(text)
        self.low = gates.low if self.masked is text else ascii_lower(self.masked)
        self.gates = gates
        self.found: list[ConnString] = []
        self._starts: list[int] = []  # sorted, parallel to _ends; the spans never overlap
        self._ends: list[int] = []

    def free(self, start: int, end: int) -> bool:
        index = bisect.bisect_right(self._starts, start)
        if index > 0 and self._ends[index - 1] > start:
            return False
        return index == len(self._starts) or self._starts[index] >= end

    def add(self, item: ConnString | None) -> None:
        if item is not None and item.end > item.start and self.free(item.start, item.end):
            index = bisect.bisect_right(self._starts, item.start)
            self._starts.insert(index, item.start)
            self._ends.insert(index, item.end)
            self.found.append(item)

    def run(self) -> list[ConnString]:
        gates = self.gates
        if gates.url:
            self.urls()
        if gates.libpq:
            self.libpq_runs()
        if gates.semicolon:
            self.semicolon_runs()
        if gates.descriptor:
            self.descriptors()
        if gates.stackexchange:
            self.stackexchange()
        if gates.go_dsn:
            self.go_dsns()
        if gates.kafka:
            self.kafka_pairs()
        return sorted(self.found, key=lambda f: f.start)

    def _positions(self, needle: str) -> list[int]:
        out: list[int] = []
        index = self.low.find(needle)
        while index >= 0:
            out.append(index)
            index = self.low.find(needle, index + 1)
        return out

    # -- scheme://… and jdbc:…
    def urls(self) -> None:
        masked = self.masked
        done = 0
        for start in self._positions("jdbc:oracle:"):
            if start >= done and (start == 0 or masked[start - 1] not in _SCHEME_CHARS):
                done = self._url_at(start)
        done = 0
        for sep in self._positions("://"):
            if sep < done:
                continue  # inside a candidate already tried (`?redirect=http://…`)
            start = sep
            while start > 0 and sep - start < 80 and masked[start - 1] in _SCHEME_CHARS:
                start -= 1
            token = self.low[start:sep]
            jdbc = token.rfind("jdbc:")
            start = start + jdbc if jdbc >= 0 else start + token.rfind(":") + 1
            while start < sep and not masked[start].isalpha():
                start += 1
            if start < sep and (jdbc >= 0 or handler_for(self.low[start:sep]) is not None):
                done = self._url_at(start)

    def _url_at(self, start: int) -> int:
        """Try the candidate that starts at start; return where it ends."""
        if not self.free(start, start + 1):
            return start
        masked = self.masked
        body = _URL_BODY.match(masked, start)
        end = body.end() if body is not None else start
        jdbc = self.low.startswith("jdbc:", start)
        if self.low.startswith("jdbc:oracle:", start):
            end = self._oracle_end(start, end)
        end = _trim(masked, start, end)
        if end <= start:
            return start
        sub_text, sub_masked = self.text[start:end], masked[start:end]
        self.add(parse_jdbc(sub_text, sub_masked, start) if jdbc else parse_url(sub_text, sub_masked, start))
        return end

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
            starts = [start]
            first_eq = masked.find("=", start, end)
            first_semi = masked.find(";", start, end)
            if 0 <= first_eq < first_semi and "=" in masked[first_eq + 1 : first_semi]:
                starts.append(first_eq + 1)  # KEY=Server=…;… (an env-file line)
            for begin in starts:
                if not self.free(begin, end):
                    continue
                pairs = scan_semicolon(text, masked, begin, end)
                found = semicolon_conn(text, masked, pairs, begin, end, 0) if pairs else None
                if found is not None:
                    self.add(found)
                    break

    # -- (DESCRIPTION=…)
    def descriptors(self) -> None:
        done = 0
        for match in _DESCRIPTOR.finditer(self.low):
            start = match.start()
            if start < done or not self.free(start, start + 1):
                continue
            end = balanced_end(self.masked, start, _DESCRIPTOR_LIMIT)
            if end > 0:
                self.add(descriptor_conn(self.text, self.masked, start, end))
            done = end if end > 0 else start + _DESCRIPTOR_LIMIT

    # -- host=… dbname=… sslmode=…
    def libpq_runs(self) -> None:
        text, masked = self.text, self.masked
        position = 0
        while True:
            match = _KEY_ANCHOR.search(masked, position)
            if match is None:
                return
            if match.group(1).lower() not in LIBPQ_KEYS:
                position = match.end()
                continue
            pairs, stop = scan_libpq(text, masked, match.start(), len(masked), embedded=True)
            position = max(stop, match.end())
            if pairs and looks_like_libpq(pairs) and self.free(match.start(), stop):
                self.add(libpq_conn(pairs, match.start(), stop))

    # -- user:pass@tcp(host:3306)/db?tls=…
    def go_dsns(self) -> None:
        masked = self.masked
        for match in _GO_AT.finditer(self.low):
            at = match.start()
            start = at
            while start > 0 and masked[start - 1] not in _STOP_LEFT:
                start -= 1
            if self.free(start, at + 1) and GO_DSN_TAIL.match(masked, at):
                self.add(go_dsn_conn(self.text, masked, start, at))

    # -- host:6380,password=…,ssl=True
    def stackexchange(self) -> None:
        masked = self.masked
        done = 0
        for match in _SE_ANCHOR.finditer(self.low):
            if match.start() < done:
                continue  # inside the run already read
            start = match.start()
            while start > 0 and masked[start - 1] not in _SE_STOP and masked[start - 1] != "=":
                start -= 1
            end = match.end()
            while end < len(masked) and masked[end] not in _SE_STOP:
                end += 1
            done = end
            end = _trim(masked, start, end)
            if self.free(start, end):
                self.add(stackexchange_conn(self.text, masked, start, end))

    # -- security.protocol=SSL / "bootstrap.servers": "…"
    def kafka_pairs(self) -> None:
        matches = kafka.find_pairs(self.text, self.masked)
        matches = [m for m in matches if self.free(m.start, max(m.end, m.start + 1))]
        if not matches:
            return
        result = kafka.classify(kafka.collect((m.key, m.value) for m in matches))
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
