"""The two key/value grammars: libpq conninfo (`host=db sslmode='require'`) and ADO.NET/ODBC
(`Server=tcp:db,1433;Encrypt=True;Driver={ODBC Driver 18 for SQL Server}`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexical import Params, compact, is_templated


@dataclass(frozen=True)
class Pair:
    key: str
    value: str
    templated: bool
    start: int  # where the key starts
    end: int  # where the value ends
    value_start: int


def to_params(pairs: list[Pair]) -> Params:
    return Params((pair.key, pair.value, pair.templated) for pair in pairs)


# ---------------------------------------------------------------- libpq conninfo

LIBPQ_KEYS = frozenset(
    {
        "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "require_auth",
        "channel_binding", "connect_timeout", "client_encoding", "options", "application_name",
        "fallback_application_name", "keepalives", "keepalives_idle", "keepalives_interval",
        "keepalives_count", "tcp_user_timeout", "replication", "gssencmode", "sslmode", "requiressl",
        "sslnegotiation", "sslcompression", "sslcert", "sslkey", "sslpassword", "sslcertmode",
        "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer", "ssl_min_protocol_version",
        "ssl_max_protocol_version", "krbsrvname", "gsslib", "gssdelegation", "service",
        "target_session_attrs", "load_balance_hosts", "search_path", "timezone", "sslinline",
    }
)  # fmt: skip
# Keys that make a key/value string clearly a PostgreSQL one (a bare `host=a port=1` is not enough).
_LIBPQ_DISTINCTIVE = frozenset(
    {
        "dbname", "hostaddr", "sslmode", "requiressl", "sslrootcert", "sslcert", "sslkey", "sslcrl",
        "gssencmode", "sslnegotiation", "target_session_attrs", "application_name", "channel_binding",
        "sslcompression", "sslsni", "krbsrvname", "load_balance_hosts", "service", "passfile",
        "fallback_application_name", "sslpassword", "sslcertmode",
    }
)  # fmt: skip

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SPACES = " \t"
_QUOTES = "\"'`"


def scan_libpq(text: str, masked: str, start: int, end: int, *, embedded: bool) -> tuple[list[Pair], int]:
    """Read `key = value` pairs from start; return them and where reading stopped.

    Values are single-quoted (with `\\'` and `\\\\` escapes) or run to the next whitespace. Embedded
    (find_all) reading only accepts libpq keywords, stays on one line, and also stops at quotes.
    """
    pairs: list[Pair] = []
    pos = start
    gaps = _SPACES if embedded else " \t\r\n\f\v"
    while True:
        key_start = pos
        while key_start < end and masked[key_start] in gaps:
            key_start += 1
        match = _IDENT.match(masked, key_start, end)
        if match is None:
            break
        key = text[key_start : match.end()]
        if embedded and key.lower() not in LIBPQ_KEYS:
            break
        eq = match.end()
        while eq < end and masked[eq] in _SPACES:
            eq += 1
        if eq >= end or masked[eq] != "=":
            break
        vstart = eq + 1
        while vstart < end and masked[vstart] in _SPACES:
            vstart += 1
        if vstart < end and masked[vstart] == "'":
            chars: list[str] = []
            i = vstart + 1
            while i < end and masked[i] != "'":
                if masked[i] == "\\" and i + 1 < end:
                    i += 1
                chars.append(text[i])
                i += 1
            if i >= end:
                break  # unterminated quote
            value, vend = "".join(chars), i + 1
            templated = is_templated(text, masked, vstart, vend)
        else:
            i = vstart
            while i < end and not masked[i].isspace() and not (embedded and masked[i] in _QUOTES):
                i += 1
            value, vend = text[vstart:i], i
            templated = is_templated(text, masked, vstart, vend)
        if vend < end and not masked[vend].isspace() and not (embedded and masked[vend] in _QUOTES):
            break  # `a='x'b`: not conninfo
        pairs.append(Pair(key, value, templated, key_start, vend, vstart))
        pos = vend
    return pairs, (pairs[-1].end if pairs else start)


def looks_like_libpq(pairs: list[Pair]) -> bool:
    keys = {pair.key.lower() for pair in pairs}
    known = keys & LIBPQ_KEYS
    if len(known) < 2:
        return False
    return bool(known & _LIBPQ_DISTINCTIVE) or ("host" in known and bool(known & {"user", "password"}))


# ---------------------------------------------------------------- ADO.NET / ODBC / JDBC properties

_ADO_KEY = re.compile(r"[A-Za-z][A-Za-z0-9 _.\-]{0,60}")


def _closing(masked: str, quote: str, start: int, end: int) -> int:
    """Index of the quote that closes a value opened at start-1; a doubled quote is an escaped one."""
    i = start
    while True:
        j = masked.find(quote, i, end)
        if j < 0:
            return -1
        if j + 1 < end and masked[j + 1] == quote:
            i = j + 2
            continue
        return j


def scan_semicolon(text: str, masked: str, start: int, end: int) -> list[Pair] | None:
    """Read `Key=Value;Key2="quoted";Key3={odbc}` up to end; None if any segment is malformed."""
    pairs: list[Pair] = []
    pos = start
    while pos < end:
        while pos < end and (masked[pos].isspace() or masked[pos] == ";"):
            pos += 1
        if pos >= end:
            break
        eq = masked.find("=", pos, end)
        semi = masked.find(";", pos, end)
        if eq < 0 or 0 <= semi < eq:
            return None
        key = text[pos:eq].strip()
        if _ADO_KEY.fullmatch(key) is None:
            return None
        vstart = eq + 1
        while vstart < end and masked[vstart] in _SPACES:
            vstart += 1
        opener = masked[vstart] if vstart < end else ""
        if opener in ("'", '"', "{"):
            closer = "}" if opener == "{" else opener
            close = _closing(masked, closer, vstart + 1, end)
            if close < 0:
                return None
            value = text[vstart + 1 : close].replace(closer * 2, closer)
            after = close + 1
            while after < end and masked[after] in _SPACES:
                after += 1
            if after < end and masked[after] != ";":
                return None
            vend, nxt = close + 1, after + 1
        else:
            stop = semi if semi >= 0 else end
            vend = stop
            while vend > vstart and masked[vend - 1].isspace():
                vend -= 1
            value, nxt = text[vstart:vend], stop + 1
        pairs.append(Pair(key, value, is_templated(text, masked, vstart, vend), pos, vend, vstart))
        pos = nxt
    return pairs


SERVER_KEYS = frozenset({"server", "datasource", "address", "addr", "networkaddress", "host", "hostname", "servername"})


def looks_like_semicolon_conn(pairs: list[Pair]) -> bool:
    if len(pairs) < 2:
        return False
    keys = {compact(pair.key) for pair in pairs}
    return bool(keys & SERVER_KEYS)
