"""`jdbc:` URLs: PostgreSQL, MySQL (incl. Connector/J host properties), MariaDB, SQL Server (`;k=v`),
jTDS, Oracle thin/OCI, ClickHouse, Cassandra and MongoDB."""

from __future__ import annotations

import re

from .build import Parsed, finish
from .hosts import HostPort, split_host, split_hosts
from .keyvalue import scan_semicolon, to_params
from .lexical import Params, decode, is_templated
from .model import ConnString, TlsMode
from .nosql import classify_cassandra, classify_clickhouse, classify_mongodb
from .oracle import classify_ezconnect
from .sql import classify_mysql, classify_postgres, classify_sqlserver
from .uri import split_uri

_SUBPROTOCOL = re.compile(r"jdbc:([a-z0-9]+(?:[:+][a-z0-9]+)*):?//", re.I)
_ORACLE = re.compile(r"jdbc:oracle:([a-z0-9]+):", re.I)
_HOST_PROP = re.compile(r"([A-Za-z_][A-Za-z0-9_.\-]*)\s*=\s*([^(),\s]*)")


def parse_jdbc(text: str, masked: str, offset: int) -> ConnString | None:
    oracle = _ORACLE.match(masked)
    if oracle is not None:
        return _oracle(text, masked, offset, oracle.group(0)[:-1].lower())
    match = _SUBPROTOCOL.match(masked)
    if match is None:
        return None
    sub = match.group(1).lower()
    label = "jdbc:" + sub
    auth = match.end()
    base = re.split(r"[:+]", sub, maxsplit=1)[0]
    parsed: Parsed | None
    if sub == "sqlserver":
        parsed = _sqlserver(text, masked, auth)
    elif sub in ("jtds:sqlserver", "jtds:sybase"):
        parsed = _jtds(text, masked, auth)
    elif base in ("postgresql", "pgsql"):
        parts = split_uri(text, masked, label, auth)
        parsed = Parsed("postgresql", classify_postgres(parts.params, "jdbc"), parts.hosts, parts.params, 5432)
    elif base in ("mysql", "mariadb"):
        parsed = _mysql(text, masked, label, auth, base)
    elif base in ("clickhouse", "ch"):
        parts = split_uri(text, masked, label, auth)
        params = parts.params
        if "ssl" not in params and "secure" not in params:
            params.add("ssl", "false")
        verdict = classify_clickhouse(params, "jdbc", parts.hosts[0].port if parts.hosts else None)
        parsed = Parsed("clickhouse", verdict, parts.hosts, params, 8443 if verdict.mode != TlsMode.PLAINTEXT else 8123)
    elif base == "cassandra":
        parts = split_uri(text, masked, label, auth)
        parsed = Parsed("cassandra", classify_cassandra(parts.params), parts.hosts, parts.params, 9042)
    elif base == "mongodb":
        parts = split_uri(text, masked, label, auth, query_seps="&;")
        srv = "srv" in sub
        parsed = Parsed(
            "mongodb", classify_mongodb(parts.params, srv), parts.hosts, parts.params, None if srv else 27017
        )
    else:
        return None
    return None if parsed is None else finish(parsed, label, offset, offset + len(text))


def _oracle(text: str, masked: str, offset: int, label: str) -> ConnString | None:
    at = masked.rfind("@")
    if at < 0:
        return None
    result = classify_ezconnect(text, masked, at + 1, len(text))
    if result is None:
        return None
    tcps = "tcps" in masked[at:].lower()
    parsed = Parsed("oracle", result.verdict, result.hosts, result.params, 2484 if tcps else 1521)
    return finish(parsed, label, offset, offset + len(text))


def _sqlserver(text: str, masked: str, auth: int) -> Parsed | None:
    """jdbc:sqlserver://[host[\\instance][:port]][;property=value…]"""
    semi = masked.find(";", auth)
    head_end = semi if semi >= 0 else len(masked)
    pairs = scan_semicolon(text, masked, semi + 1, len(masked)) if semi >= 0 else []
    if pairs is None:
        return None
    params = to_params(pairs)
    hosts = [_instance_host(text, masked, auth, head_end)] if head_end > auth else []
    if not hosts or hosts[0].host is None:
        name = params.peek("serverName", "server")
        if name is None:
            return None
        port_text = params.peek("portNumber", "port") or ""
        port = int(port_text) if port_text.isdigit() and len(port_text) <= 5 else None
        hosts = [HostPort(name.split("\\")[0], port, bool(port_text), False)]
    verdict = classify_sqlserver(params, "jdbc", hosts[0].host)
    return Parsed("sqlserver", verdict, hosts, params, 1433)


def _instance_host(text: str, masked: str, start: int, end: int) -> HostPort:
    slash = masked.find("\\", start, end)
    if slash < 0:
        return split_host(text, masked, start, end)
    host = split_host(text, masked, start, slash)
    colon = masked.find(":", slash, end)
    port = split_host(text, masked, slash, end).port if colon >= 0 else None
    return HostPort(host.host, port, colon >= 0, host.templated)


def _jtds(text: str, masked: str, auth: int) -> Parsed | None:
    """jdbc:jtds:sqlserver://host[:port][/database][;property=value…]"""
    semi = masked.find(";", auth)
    head_end = semi if semi >= 0 else len(masked)
    slash = masked.find("/", auth, head_end)
    host_end = slash if slash >= 0 else head_end
    pairs = scan_semicolon(text, masked, semi + 1, len(masked)) if semi >= 0 else []
    if pairs is None:
        return None
    params = to_params(pairs)
    hosts = split_hosts(text, masked, auth, host_end)
    return Parsed("sqlserver", classify_sqlserver(params, "jtds", None), hosts, params, 1433)


def _mysql(text: str, masked: str, label: str, auth: int, base: str) -> Parsed | None:
    parts = split_uri(text, masked, label, auth)
    params = parts.params
    hosts = parts.hosts
    head = masked[parts.host_start : parts.host_end]
    if "(" in head:
        hosts = _property_hosts(text, masked, parts.host_start, parts.host_end, params)
    flavour = "mariadbj" if base == "mariadb" else "connectorj"
    return Parsed("mysql", classify_mysql(params, flavour), hosts, params, 3306)


def _property_hosts(text: str, masked: str, start: int, end: int, params: Params) -> list[HostPort]:
    """Connector/J `address=(host=h)(port=1)(sslMode=REQUIRED)` and `(host=h,port=1)` host lists."""
    if masked.startswith("[", start) and masked.endswith("]", 0, end):
        start, end = start + 1, end - 1
    items: list[tuple[int, int]] = []
    depth, item_start = 0, start
    for index in range(start, end):
        char = masked[index]
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == "," and depth == 0:
            items.append((item_start, index))
            item_start = index + 1
    items.append((item_start, end))
    hosts: list[HostPort] = []
    for item_start, item_end in items:
        if "(" not in masked[item_start:item_end]:
            hosts.append(split_host(text, masked, item_start, item_end))
            continue
        host: str | None = None
        port: int | None = None
        templated = port_written = False
        for match in _HOST_PROP.finditer(masked, item_start, item_end):
            key = match.group(1).lower()
            value = text[match.start(2) : match.end(2)]
            value_templated = is_templated(text, masked, match.start(2), match.end(2))
            if key == "host":
                host, templated = (value if value_templated else decode(value)), value_templated
            elif key == "port":
                port_written = True
                port = int(value) if value.isdigit() and len(value) <= 5 else None
            elif key != "address":
                params.add(match.group(1), decode(value), value_templated)
        hosts.append(HostPort(host or None, port, port_written, templated))
    return hosts
