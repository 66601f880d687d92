"""Connection strings that are not URLs: ADO.NET/ODBC `k=v;`, libpq conninfo, TNS descriptors,
go-sql-driver DSNs (`u:p@tcp(h:3306)/db`) and StackExchange.Redis (`h:6380,password=…,ssl=True`)."""

from __future__ import annotations

import re

from .build import Parsed, finish
from .hosts import HostPort, split_hosts
from .keyvalue import SERVER_KEYS, Pair, looks_like_semicolon_conn, scan_semicolon, to_params
from .lexical import Params, compact, decode, mask_placeholders, value_word
from .model import ConnString
from .nosql import classify_stackexchange_redis
from .oracle import classify_descriptor, classify_ezconnect
from .sql import classify_mysql, classify_postgres, classify_sqlserver
from .uri import parse_query

KV = "kv"

# ---------------------------------------------------------------- ADO.NET / ODBC

_SQLSERVER_KEYS = frozenset(
    {
        "encrypt", "initialcatalog", "integratedsecurity", "multipleactiveresultsets", "applicationintent",
        "multisubnetfailover", "failoverpartner", "attachdbfilename", "hostnameincertificate",
        "columnencryptionsetting", "trustedconnection", "packetsize", "workstationid", "wsid",
        "connectretrycount", "transparentnetworkipresolution", "servercertificate",
    }
)  # fmt: skip
_FILE_DB = re.compile(r"\.(?:db|db3|sqlite3?|mdb|accdb|sdf|mdf|fdb)$|^[a-z]:\\|^\||^:memory:|^file:")
_EZCONNECT = re.compile(r"(?://)?[a-z0-9_.\-]+(?::\d{1,5})?/[a-z0-9_.\-]+(?::[a-z]+)?")
_PG_SSL_WORDS = frozenset({"prefer", "require", "allow", "disable"})
_MYSQL_SSL_WORDS = frozenset({"preferred", "required", "none", "disabled", "verifyidentity"})


def ado_technology(params: Params) -> str | None:
    """Which database an ADO.NET/ODBC string is for (None: not a database string we know)."""
    driver = (params.peek("driver") or "").lower()
    provider = (params.peek("provider") or "").lower()
    both = driver + " " + provider
    if any(word in both for word in ("sql server", "sqlncli", "msodbcsql", "freetds", "sqloledb", "msoledbsql")):
        return "sqlserver"
    if "postgres" in both or "psqlodbc" in both:
        return "postgresql"
    if "mysql" in both or "mariadb" in both:
        return "mysql"
    if "oracle" in both or "oraoledb" in both:
        return "oracle"
    if any(word in both for word in ("jet.oledb", "ace.oledb", "sqlite")):
        return None  # file databases
    source = (params.peek("data source", "datasource", "dbq") or "").strip().lower()
    if _FILE_DB.search(source):
        return None
    if (source.startswith("(") and "description" in source[:40]) or _EZCONNECT.fullmatch(source):
        return "oracle"
    keys = params.compact_keys()
    if keys & _SQLSERVER_KEYS:
        return "sqlserver"
    ssl_word = value_word(params.peek("sslmode") or "")
    port = (params.peek("port") or "").strip()
    if ssl_word in _PG_SSL_WORDS or port == "5432":
        return "postgresql"
    if ssl_word in _MYSQL_SSL_WORDS or port == "3306":
        return "mysql"
    if "host" in keys and keys & {"username", "database", "sslmode", "trustservercertificate"}:
        return "postgresql"  # Npgsql spells it Host/Username
    if keys & {"server", "datasource", "address", "addr", "networkaddress", "servername"}:
        return "sqlserver"  # the weakest reading for an anonymous Server=…;Database=… string
    return None


def _server_pair(pairs: list[Pair]) -> Pair | None:
    for pair in pairs:
        if compact(pair.key) in SERVER_KEYS:
            return pair
    return None


def _sqlserver_host(pair: Pair | None) -> HostPort | None:
    """`tcp:h,1433`, `h\\INSTANCE`, `np:\\\\h\\pipe\\…`; None for local-only transports."""
    if pair is None:
        return HostPort(None, None, False, False)
    value = pair.value.strip()
    lower = value.lower()
    if lower.startswith(("lpc:", "(localdb)")) or lower in (".", "(local)"):
        return None
    for prefix in ("tcp:", "np:", "admin:"):
        if lower.startswith(prefix):
            value = value[len(prefix) :]
            break
    value = value.lstrip("\\")
    host, _, port_text = value.partition(",")
    host = host.split("\\", 1)[0].strip().strip("[]")
    port_text = port_text.strip()
    port = int(port_text) if port_text.isdigit() and len(port_text) <= 5 else None
    return HostPort(host or None, port, bool(port_text), pair.templated)


def _listed_hosts(pair: Pair | None, port_value: str | None) -> list[HostPort]:
    if pair is None:
        return []
    value = pair.value
    hosts = split_hosts(value, mask_placeholders(value), 0, len(value))
    ports = [p.strip() for p in (port_value or "").split(",")]
    out: list[HostPort] = []
    for index, item in enumerate(hosts):
        if item.port_written or not port_value:
            out.append(item)
            continue
        text = ports[min(index, len(ports) - 1)]
        port = int(text) if text.isdigit() and len(text) <= 5 else None
        out.append(HostPort(item.host, port, True, item.templated))
    return out


def semicolon_conn(text: str, masked: str, pairs: list[Pair], start: int, end: int, offset: int) -> ConnString | None:
    """pairs were read from text[start:end]; offset places text in the caller's text."""
    if not looks_like_semicolon_conn(pairs):
        return None
    params = to_params(pairs)
    technology = ado_technology(params)
    server = _server_pair(pairs)
    parsed: Parsed | None = None
    if technology == "oracle":
        source = next((p for p in pairs if compact(p.key) in ("datasource", "dbq", "server")), server)
        if source is None:
            return None
        result = classify_ezconnect(text, masked, source.value_start, source.end)
        if result is None:
            return None
        parsed = Parsed("oracle", result.verdict, result.hosts, params, 1521)
    elif technology == "sqlserver":
        host = _sqlserver_host(server)
        if host is None:
            return None
        flavour = "odbc" if "driver" in params else "ado"
        parsed = Parsed("sqlserver", classify_sqlserver(params, flavour, host.host), [host], params, 1433)
    elif technology == "postgresql":
        hosts = _listed_hosts(server, params.peek("port"))
        if hosts and all(str(h.host).startswith("/") for h in hosts):
            return None
        flavour = "libpq" if "driver" in params else "npgsql"
        parsed = Parsed("postgresql", classify_postgres(params, flavour), hosts, params, 5432)
    elif technology == "mysql":
        hosts = _listed_hosts(server, params.peek("port"))
        parsed = Parsed("mysql", classify_mysql(params, "connectornet"), hosts, params, 3306)
    if parsed is None:
        return None
    return finish(parsed, KV, offset + start, offset + end)


def parse_semicolon(text: str, masked: str, offset: int) -> ConnString | None:
    pairs = scan_semicolon(text, masked, 0, len(masked))
    if pairs is None:
        return None
    return semicolon_conn(text, masked, pairs, 0, len(text), offset)


# ---------------------------------------------------------------- libpq conninfo


def libpq_conn(pairs: list[Pair], start: int, end: int) -> ConnString | None:
    """pairs come from scan_libpq over the caller's text; start/end are offsets in it."""
    params = to_params(pairs)
    raw_hosts = params.peek("host") or params.peek("hostaddr") or ""
    host_pair = next((p for p in pairs if p.key.lower() == "host"), None) or next(
        (p for p in pairs if p.key.lower() == "hostaddr"), None
    )
    names = [h.strip() for h in raw_hosts.split(",")] if raw_hosts else []
    ports = [p.strip() for p in (params.peek("port") or "").split(",")]
    hosts: list[HostPort] = []
    for index, name in enumerate(names):
        text = ports[min(index, len(ports) - 1)] if ports != [""] else ""
        port = int(text) if text.isdigit() and len(text) <= 5 else None
        templated = bool(host_pair and host_pair.templated)
        hosts.append(HostPort(name or None, port, bool(text), templated))
    named = [h for h in hosts if h.host]
    if not named or all(str(h.host).startswith(("/", "@")) for h in named):
        return None  # no host: libpq uses the Unix-domain socket
    parsed = Parsed("postgresql", classify_postgres(params, "libpq"), hosts, params, 5432)
    return finish(parsed, KV, start, end)


# ---------------------------------------------------------------- TNS descriptor


def descriptor_conn(text: str, masked: str, start: int, end: int) -> ConnString | None:
    result = classify_descriptor(text, masked, start, end)
    if result is None:
        return None
    default = 2484 if "TCPS" in masked[start:end].upper() else 1521
    return finish(Parsed("oracle", result.verdict, result.hosts, result.params, default), "tns", start, end)


def balanced_end(masked: str, open_at: int, limit: int = 8000) -> int:
    """Index just past the parenthesis that closes the one at open_at, or -1."""
    depth = 0
    stop = min(len(masked), open_at + limit)
    for index in range(open_at, stop):
        char = masked[index]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
    return -1


# ---------------------------------------------------------------- go-sql-driver/mysql DSN

GO_DSN_TAIL = re.compile(r"@(tcp6?|unix)\(([^()\s]*)\)/([^\s?\"'`]*)(?:\?([^\s\"'`]*))?")


def go_dsn_conn(text: str, masked: str, start: int, at: int) -> ConnString | None:
    """text[start:at] is the user-info (dropped), text[at] is the `@` of `@tcp(host)/db?…`."""
    match = GO_DSN_TAIL.match(masked, at)
    if match is None or match.group(1) == "unix":
        return None
    end = match.end()
    while end > match.end(3) and masked[end - 1] in ".,;:)]}":
        end -= 1
    hosts = split_hosts(text, masked, match.start(2), match.end(2))
    params = parse_query(text, masked, match.start(4), end) if match.start(4) >= 0 else Params()
    parsed = Parsed("mysql", classify_mysql(params, "go"), hosts, params, 3306)
    return finish(parsed, "dsn", start, end)


# ---------------------------------------------------------------- StackExchange.Redis

_SE_KEYS = frozenset(
    {
        "password", "ssl", "abortconnect", "allowadmin", "sslhost", "connecttimeout", "synctimeout",
        "asynctimeout", "defaultdatabase", "connectretry", "user", "name", "keepalive", "sslprotocols",
        "tiebreaker", "configchannel", "servicename", "resolvedns", "checkcertificaterevocation", "version",
        "channelprefix", "proxy", "configcheckseconds", "responsetimeout", "setlib", "protocol",
    }
)  # fmt: skip
_SE_MARKERS = frozenset({"password", "ssl", "abortconnect", "sslhost", "allowadmin"})
_SE_ENDPOINT = re.compile(r"[A-Za-z0-9_.\-P]+:\d{1,5}|[A-Za-z0-9_.\-]+\.redis\.cache\.windows\.net(?::\d{1,5})?")
_SE_KEY = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def stackexchange_conn(text: str, masked: str, start: int, end: int) -> ConnString | None:
    items: list[tuple[int, int]] = []
    pos = start
    while pos <= end:
        comma = masked.find(",", pos, end)
        stop = comma if comma >= 0 else end
        items.append((pos, stop))
        pos = stop + 1
    endpoints: list[HostPort] = []
    params = Params()
    for index, (item_start, item_end) in enumerate(items):
        item = masked[item_start:item_end].strip()
        eq = item.find("=")
        if eq < 0:
            if _SE_ENDPOINT.fullmatch(item) is None or (endpoints and index != len(endpoints)):
                return None
            endpoints.extend(split_hosts(text, masked, item_start, item_end))
            continue
        key = item[:eq].strip()
        if _SE_KEY.fullmatch(key) is None or key.lower() not in _SE_KEYS:
            return None
        value_start = masked.index("=", item_start) + 1
        value = decode(text[value_start:item_end].strip())
        params.add(key, value, text[value_start:item_end] != masked[value_start:item_end])
    if not endpoints or not (params.compact_keys() & _SE_MARKERS):
        return None
    verdict = classify_stackexchange_redis(params, endpoints[0].port)
    return finish(Parsed("redis", verdict, endpoints, params, 6379), KV, start, end)
