"""The public entry points. None of them raises: unreadable input gives None or []."""

from __future__ import annotations

import re
from collections.abc import Mapping

from . import kafka
from .build import Parsed, finish
from .forms import (
    balanced_end,
    descriptor_conn,
    go_dsn_conn,
    libpq_conn,
    parse_semicolon,
    stackexchange_conn,
)
from .gates import open_gates
from .jdbc import parse_jdbc
from .keyvalue import looks_like_libpq, scan_libpq
from .lexical import mask_placeholders
from .model import ConnString
from .urls import SCHEME, parse_url

_SPACE = re.compile(r"\s")
_DESCRIPTOR = re.compile(r"\(\s*description(?:_list)?\s*=", re.I)
_PROPERTY_LINE = re.compile(r"\s*(?:[#!].*|[\"']?[\w.\-]+[\"']?\s*[=:].*)?")


def parse(text: str) -> ConnString | None:
    """Read the whole value (surrounding whitespace aside) as one connection string, or return None.

    Offsets in the result are relative to `text`. A value that merely contains a connection string
    somewhere gives None here; use find_all for that.
    """
    try:
        return _parse(text)
    except Exception:  # noqa: BLE001 -- the contract: no input may make the linter crash
        return None


def _parse(text: str) -> ConnString | None:
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    if start >= end:
        return None
    body = text[start:end]
    gates = open_gates(body)
    if gates is None:
        return None
    masked = mask_placeholders(body)
    head = gates.low[:12]
    spaced = _SPACE.search(masked) is not None
    if head.startswith("jdbc:"):
        if spaced and not head.startswith(("jdbc:oracle", "jdbc:sqlser", "jdbc:jtds")):
            return None
        return parse_jdbc(body, masked, start)
    if gates.url and SCHEME.match(masked):
        return None if spaced else parse_url(body, masked, start)
    if gates.descriptor and _DESCRIPTOR.match(masked):
        close = balanced_end(masked, 0, len(masked))
        found = descriptor_conn(body, masked, 0, len(body)) if close == len(masked) else None
        return None if found is None else _shift(found, start)
    if gates.go_dsn and not spaced:
        at = gates.low.find("@tcp(")
        if at < 0:
            at = gates.low.find("@tcp6(")
        if at >= 0:
            found = go_dsn_conn(body, masked, 0, at)
            if found is not None and found.end == len(body):
                return _shift(found, start)
    if gates.libpq:
        pairs, stop = scan_libpq(body, masked, 0, len(body), embedded=False)
        if pairs and stop == len(body) and looks_like_libpq(pairs):
            found = libpq_conn(pairs, 0, len(body))
            if found is not None:
                return _shift(found, start)
    if gates.semicolon:
        found = parse_semicolon(body, masked, start)
        if found is not None:
            return found
    if gates.stackexchange:
        found = stackexchange_conn(body, masked, 0, len(body))
        if found is not None:
            return _shift(found, start)
    return _kafka_body(body, masked, start) if gates.kafka else None


def _shift(found: ConnString, offset: int) -> ConnString:
    if offset == 0:
        return found
    return ConnString(
        technology=found.technology,
        scheme=found.scheme,
        host=found.host,
        port=found.port,
        tls_mode=found.tls_mode,
        reason=found.reason,
        assumed=found.assumed,
        params=found.params,
        start=found.start + offset,
        end=found.end + offset,
        hosts=found.hosts,
    )


def _kafka_body(body: str, masked: str, offset: int) -> ConnString | None:
    """A Java-properties / dotenv / flat-YAML body made of `key=value` lines with Kafka keys."""
    if not all(_PROPERTY_LINE.fullmatch(line) for line in masked.splitlines()):
        return None
    matches = kafka.find_pairs(body, masked)
    values = kafka.collect((m.key, m.value) for m in matches)
    found = kafka.classify(values)
    if found is None:
        return None
    verdict, params, hosts = found
    parsed = Parsed("kafka", verdict, hosts, params, 9092, generic_switches=False)
    return finish(parsed, "kv", offset, offset + len(body))


def parse_kafka_properties(props: Mapping[str, str]) -> ConnString | None:
    """Classify a Kafka client configuration given as a mapping (Java properties, env vars, Spring keys).

    None when neither `security.protocol` nor `bootstrap.servers` is present. start and end are 0.
    """
    try:
        pairs = [(str(k), str(v)) for k, v in props.items() if isinstance(k, str) and v is not None]
        found = kafka.classify(kafka.collect(pairs))
        if found is None:
            return None
        verdict, params, hosts = found
        parsed = Parsed("kafka", verdict, hosts, params, 9092, generic_switches=False)
        return finish(parsed, "kv", 0, 0)
    except Exception:  # noqa: BLE001 -- the contract: no input may make the linter crash
        return None
