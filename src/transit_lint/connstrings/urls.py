"""`scheme://…` connection strings, one handler per technology."""

from __future__ import annotations

import re
from collections.abc import Callable

from . import kafka
from .build import Parsed, finish
from .hosts import HostPort, is_not_a_peer, split_hosts
from .lexical import Params, mask_placeholders
from .messaging import classify_amqp, classify_mqtt, classify_nats
from .model import ConnString, TlsMode, Verdict
from .nosql import classify_cassandra, classify_clickhouse, classify_mongodb, classify_redis
from .oracle import classify_ezconnect
from .sql import classify_mysql, classify_postgres, classify_sqlserver
from .uri import UriParts, parse_query, split_uri
from .web import NAMESPACE_HOSTS, classify_http, classify_ldap, classify_smtp, is_elasticsearch

SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]{0,40})://")

Handler = Callable[[str, str, str, int], Parsed | None]


def _named(hosts: list[HostPort]) -> list[HostPort]:
    return [h for h in hosts if h.host]


def _first_port(parts: UriParts) -> int | None:
    return parts.hosts[0].port if parts.hosts else None


def _postgres(scheme: str, text: str, masked: str, auth: int) -> Parsed | None:
    parts = split_uri(text, masked, scheme, auth)
    hosts = parts.hosts
    query_host = parts.params.peek("host", "hostaddr")
    if query_host and not _named(hosts):
        hosts = split_hosts(query_host, mask_placeholders(query_host), 0, len(query_host))
    named = _named(hosts)
    if not named or all(str(h.host).startswith(("/", "@")) for h in named):
        return None  # Unix-domain socket: not a network hop
    driver = scheme.partition("+")[2]
    default = 26257 if scheme.startswith("cockroach") else 5432
    flavour = "pg8000" if driver == "pg8000" else "libpq"
    return Parsed("postgresql", classify_postgres(parts.params, flavour), hosts, parts.params, default)


_PYMYSQL = frozenset({"pymysql", "aiomysql", "asyncmy", "cymysql"})


def _mysql(scheme: str, text: str, masked: str, auth: int) -> Parsed | None:
    parts = split_uri(text, masked, scheme, auth)
    base, _, driver = scheme.partition("+")
    hosts = parts.hosts
    head = masked[parts.host_start : parts.host_end]
    flavour = "server"
    if head.lower().startswith(("tcp(", "tcp6(")) and head.endswith(")"):  # golang-migrate: mysql://u:p@tcp(h:3306)/db
        open_at = masked.index("(", parts.host_start)
        hosts = split_hosts(text, masked, open_at + 1, parts.host_end - 1)
        flavour = "go"
    elif head.lower().startswith("unix("):
        return None
    if driver in _PYMYSQL:
        flavour = "pymysql"
    elif base == "mysqlx":
        flavour = "mysqlx"
    elif base == "mariadb" and driver in ("", "mariadbconnector"):
        flavour = "mariadb"
    default = 33060 if base == "mysqlx" else 3306
    return Parsed("mysql", classify_mysql(parts.params, flavour), hosts, parts.params, default)


def _sqlserver(scheme: str, text: str, masked: str, auth: int) -> Parsed | None:
    parts = split_uri(text, masked, scheme, auth)
    base, _, driver = scheme.partition("+")
    flavour = "go" if base == "sqlserver" else "url"
    if driver == "pyodbc" or "driver" in parts.params:
        flavour = "odbc"
    host = parts.hosts[0].host if parts.hosts else None
    verdict = classify_sqlserver(parts.params, flavour, host)
    return Parsed("sqlserver", verdict, parts.hosts, parts.params, 1433)


def _mongodb(scheme: str, text: str, masked: str, auth: int) -> Parsed | None:
    parts = split_uri(text, masked, scheme, auth, query_seps="&;")
    srv = scheme == "mongodb+srv"
    return Parsed("mongodb", classify_mongodb(parts.params, srv), parts.hosts, parts.params, None if srv else 27017)


_REDIS_TLS = frozenset({"rediss", "valkeys", "rediss+sentinel", "rediss-sentinel"})


def _redis(scheme: str, text: str, masked: str, auth: int) -> Parsed | None:
    parts = split_uri(text, masked, scheme, auth)
    default = 26379 if "sentinel" in scheme else 6379
    return Parsed(
        "redis", classify_redis(parts.params, scheme in _REDIS_TLS, scheme), parts.hosts, parts.params, default
    )


def _amqp(scheme: str, text: str, masked: str, auth: int) -> Parsed | None:
    parts = split_uri(text, masked, scheme, auth)
    default = 5671 if scheme == "amqps" else 5672
    return Parsed("amqp", classify_amqp(parts.params, scheme), parts.hosts, parts.params, default)


def _kafka(scheme: str, text: str, masked: str, auth: int) -> Parsed | None:
    parts = split_uri(text, masked, scheme, auth)
    values = kafka.collect(parts.params.items())
    values.setdefault(kafka.SERVERS, [])
    found = kafka.classify(values)
    verdict = (
        found[0]
        if found
        else Verdict(TlsMode.PLAINTEXT, "kafka:// with no security.protocol: Kafka clients default to PLAINTEXT")
    )
    return Parsed("kafka", verdict, parts.hosts, found[1] if found else parts.params, 9092)


def _ldap(scheme: str, text: str, masked: str, auth: int) -> Parsed | None:
    if scheme == "ldapi":
        return None  # LDAP over a Unix-domain socket
    parts = split_uri(text, masked, scheme, auth)
    question = masked.find("?", parts.host_end)
    extensions = text[question:] if question >= 0 else ""
    params = parse_query(text, masked, question + 1, len(masked), "&?,") if question >= 0 else Params()
    default = 636 if scheme == "ldaps" else 389
    return Parsed("ldap", classify_ldap(params, scheme, extensions), parts.hosts, params, default)


def _smtp(scheme: str, text: str, masked: str, auth: int) -> Parsed | None:
    parts = split_uri(text, masked, scheme, auth)
    default = {"smtps": 465, "smtp+ssl": 465, "smtp+tls": 587, "submission": 587}.get(scheme, 25)
    port = _first_port(parts)
    if port is None and not (parts.hosts and parts.hosts[0].port_written):
        port = default
    return Parsed("smtp", classify_smtp(parts.params, scheme, port), parts.hosts, parts.params, default)


_MQTT_TLS = frozenset({"mqtts", "ssl", "wss", "mqtt+ssl", "mqtt+tls", "tls+mqtt"})


def _mqtt(scheme: str, text: str, masked: str, auth: int) -> Parsed | None:
    parts = split_uri(text, masked, scheme, auth)
    port = _first_port(parts)
    if scheme == "tcp" and port == 1521:
        return _oracle(scheme, text, masked, auth)
    if scheme == "tcp" and port not in (None, 1883):
        return None  # docker tcp://host:2375 and other non-MQTT uses
    if scheme == "ssl" and port not in (None, 8883):
        return None
    tls = scheme in _MQTT_TLS
    default = {"ws": 80, "wss": 443}.get(scheme, 8883 if tls else 1883)
    return Parsed("mqtt", classify_mqtt(parts.params, tls, scheme), parts.hosts, parts.params, default)


def _nats(scheme: str, text: str, masked: str, auth: int) -> Parsed | None:
    parts = split_uri(text, masked, scheme, auth)
    return Parsed("nats", classify_nats(parts.params, scheme), parts.hosts, parts.params, 4222)


def _clickhouse(scheme: str, text: str, masked: str, auth: int) -> Parsed | None:
    parts = split_uri(text, masked, scheme, auth)
    verdict = classify_clickhouse(parts.params, scheme, _first_port(parts))
    encrypted = verdict.mode not in (TlsMode.PLAINTEXT, TlsMode.UNKNOWN)
    http = scheme.endswith(("+http", "+https"))
    default = (8443 if encrypted else 8123) if http else (9440 if encrypted else 9000)
    return Parsed("clickhouse", verdict, parts.hosts, parts.params, default)


def _cassandra(scheme: str, text: str, masked: str, auth: int) -> Parsed | None:
    parts = split_uri(text, masked, scheme, auth)
    return Parsed("cassandra", classify_cassandra(parts.params), parts.hosts, parts.params, 9042)


def _oracle(scheme: str, text: str, masked: str, auth: int) -> Parsed | None:
    result = classify_ezconnect(text, masked, 0, len(text))
    if result is None:
        return None
    default = 2484 if scheme == "tcps" else 1521
    return Parsed("oracle", result.verdict, result.hosts, result.params, default)


_HOSTNAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_])?\.?")


def _http(scheme: str, text: str, masked: str, auth: int) -> Parsed | None:
    parts = split_uri(text, masked, scheme, auth, rfc_authority=True)
    if len(parts.hosts) != 1:
        return None
    first = parts.hosts[0]
    host = first.host
    if host is None or is_not_a_peer(host) or host.lower().rstrip(".") in NAMESPACE_HOSTS:
        return None
    if not first.templated and _HOSTNAME.fullmatch(host) is None and ":" not in host:
        return None  # not a real host name (IPv6 literals contain ':')
    port = first.port
    tls = scheme in ("https", "wss")
    if scheme in ("ws", "wss") and "mqtt" in parts.path.lower():
        return Parsed("mqtt", classify_mqtt(parts.params, tls, scheme), parts.hosts, parts.params, 443 if tls else 80)
    if scheme == "http" and port == 8123:
        technology = "clickhouse"
        verdict = Verdict(TlsMode.PLAINTEXT, "http:// to the ClickHouse HTTP port 8123 sends queries in clear")
    else:
        technology = "elasticsearch" if is_elasticsearch(host, port) else "http"
        verdict = classify_http(parts.params, scheme, technology)
    return Parsed(technology, verdict, parts.hosts, parts.params, 443 if tls else 80)


def _local(scheme: str, text: str, masked: str, auth: int) -> Parsed | None:
    return None  # unix://, redis+socket://: not a network connection


HANDLERS: dict[str, Handler] = {}
for _names, _handler in (
    (("postgres", "postgresql", "postgis", "pgsql", "cockroachdb", "cockroach", "timescaledb"), _postgres),
    (("mysql", "mariadb", "mysql2", "mysqlx"), _mysql),
    (("sqlserver", "mssql"), _sqlserver),
    (("mongodb", "mongodb+srv"), _mongodb),
    (
        (
            "redis",
            "rediss",
            "valkey",
            "valkeys",
            "redis+sentinel",
            "rediss+sentinel",
            "redis-sentinel",
            "rediss-sentinel",
            "sentinel",
        ),
        _redis,
    ),
    (("unix", "redis+socket", "redis-socket", "rediss+socket"), _local),
    (("amqp", "amqps", "pyamqp", "librabbitmq"), _amqp),
    (("kafka",), _kafka),
    (("ldap", "ldaps", "ldapi"), _ldap),
    (("smtp", "smtps", "smtp+tls", "smtp+ssl", "submission"), _smtp),
    (("mqtt", "mqtts", "mqtt+ssl", "mqtt+tls", "tcp", "ssl"), _mqtt),
    (("nats", "tls"), _nats),
    (
        (
            "clickhouse",
            "clickhouses",
            "ch",
            "clickhouse+native",
            "clickhouse+http",
            "clickhouse+https",
            "clickhouse+asynch",
        ),
        _clickhouse,
    ),
    (("cassandra", "cql"), _cassandra),
    (("tcps",), _oracle),
    (("http", "https", "ws", "wss"), _http),
):
    for _name in _names:
        HANDLERS[_name] = _handler


def handler_for(scheme: str) -> Handler | None:
    found = HANDLERS.get(scheme)
    if found is None and "+" in scheme:
        base = scheme.partition("+")[0]
        if base in ("postgres", "postgresql", "mysql", "mariadb", "mssql", "cockroachdb", "clickhouse"):
            found = HANDLERS.get(base)
    return found


def parse_url(text: str, masked: str, offset: int) -> ConnString | None:
    """text is exactly one `scheme://…` candidate (not JDBC)."""
    match = SCHEME.match(masked)
    if match is None:
        return None
    scheme = match.group(1).lower()
    handler = handler_for(scheme)
    if handler is None:
        return None
    parsed = handler(scheme, text, masked, match.end())
    if parsed is None:
        return None
    return finish(parsed, scheme, offset, offset + len(text))
