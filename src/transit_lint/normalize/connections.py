"""Connection strings and verification switches in any string a resource holds -> `connection` nodes.

This pass is format-agnostic: it runs after the mapping tables, over the spanned body of every
native resource (Terraform, CloudFormation, Kubernetes, ...), and makes one `connection` node per
connection string (`postgres://…?sslmode=disable`, `Server=…;Encrypt=False`, Kafka properties)
and per environment switch that turns certificate verification off for a whole process
(`NODE_TLS_REJECT_UNAUTHORIZED=0`). Strings that hold JSON (`jsonencode`, heredocs, ECS container
definitions) are read as JSON; other multi-line strings (properties, dotenv, YAML files in a
ConfigMap) line by line. A connection string found inside a larger text points at the value that
holds it.

Precision over recall, because false positives are what make people switch a linter off:
`http://` URLs count only as the whole value of a setting (an environment variable, an app
setting, a ConfigMap entry, a `key=value` line), never in documentation-like keys, proxies or the
service's own public URL; loopback and link-local hosts are not a network hop; a Kafka client is
judged only when `security.protocol` is written. Credentials never reach a node: the parser drops
user info and password parameters, and switches are reported by name with a boolean-like value.

The parser (`transit_lint.connstrings`) is imported only when a string passes `_may_hold`, a
superset of its own gates: most runs never pay for loading it. docs/connection-strings.md has the
whole classification table and the reasons behind each rule.
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import TYPE_CHECKING, Any

from ..model import Attr, NativeResource, Node
from ..redact import redact  # noqa: F401 - re-exported for callers of this module
from ..spans import Span
from ..tree import SCANNED_REFERENCES, UNKNOWN, Reference, Value, collect_references, partial_text

if TYPE_CHECKING:
    from ..connstrings import ConnString

Claimed = dict[str, set[Span]]  # path -> spans of values the tables already made a connection of
Seen = set[tuple[str, Span, str]]  # (path, anchor, text) of connection strings already made into nodes

MAX_DEPTH = 64
MAX_JSON = 1_000_000  # characters; larger strings are scanned as text

# Keys whose values are prose or labels, never configuration a client reads.
_SKIP_KEYS = frozenset({
    "description", "descriptions", "comment", "comments", "summary", "title", "help", "notes", "documentation",
    "tags", "tagsall", "labels", "annotations", "binarydata",
})  # fmt: skip
# Maps whose entries are settings (environment variables, app settings, ConfigMap data).
_SETTINGS_MAPS = frozenset({
    "variables", "environment", "env", "environmentvariables", "environmentvariable", "appsettings", "data",
    "stringdata", "settings", "config", "configuration", "properties", "connectionproperties",
    "runtimeenvironmentvariables", "secureenvironmentvariables", "airflowconfigurationoptions",
})  # fmt: skip
# Resource types whose top-level value *is* a setting (a parameter or secret store).
_VALUE_STORES: dict[str, frozenset[str]] = {
    "aws_ssm_parameter": frozenset({"value", "insecure_value"}),
    "aws_secretsmanager_secret_version": frozenset({"secret_string"}),
    "AWS::SSM::Parameter": frozenset({"Value"}),
    "AWS::SecretsManager::Secret": frozenset({"SecretString"}),
}
# Entries of name/value lists: Kubernetes and ECS env, Beanstalk option settings, Helm `set`.
_PAIR_NAMES = ("name", "Name", "OptionName")
_PAIR_VALUES = ("value", "Value")
# An http:// value under a key with one of these words is not a hop the service opens: proxies
# carry TLS end to end through CONNECT, and public/external/callback URLs say how browsers reach
# the service, not where it connects.
_NOT_A_BACKEND = frozenset({
    "PROXY", "PUBLIC", "EXTERNAL", "HOMEPAGE", "WEBSITE", "CALLBACK", "REDIRECT", "ORIGIN", "ORIGINS", "CORS",
    "FRONTEND", "DOCS", "DOCUMENTATION", "NAMESPACE", "XMLNS", "SCHEMA", "LICENSE", "REPOSITORY", "ICON",
    "LOGO", "SITE", "ROOT", "ADVERTISED", "ISSUES", "HELP", "SUPPORT",
})  # fmt: skip

_WEB_SCHEMES = frozenset({"http", "https", "ws", "wss"})
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*\Z")
_ENV_ASSIGN = re.compile(r"(?:export[ \t]+)?([A-Z][A-Z0-9_]*)=(\S*)\Z")
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")  # HTTP_PROXY, httpProxy, homepageUrl
_HOST_CHARS = re.compile(r"[A-Za-z0-9_.:\[\]%\-]+\Z")
_SETTING_LINE = re.compile(  # `KEY=value`, `export KEY=value`, `key: value`, `- key: value`, `"key": "value",`
    r"^[ \t]*(?:-[ \t]+)?(?:export[ \t]+)?[\"']?([A-Za-z_][\w.\-]*)[\"']?[ \t]*[:=][ \t]*(.*)$", re.M
)
_SWITCH_HINT = re.compile(r"VERIFY|INSECURE|REJECT_UNAUTHORIZED|CA_BUNDLE|PGSSLMODE|REQCERT|STRICT_SSL|VERIFICATION")
_INTERNAL_SUFFIXES = (
    ".svc", ".svc.cluster.local", ".cluster.local", ".internal", ".local", ".localdomain", ".home.arpa",
    ".lan", ".intranet", ".corp", ".consul",
)  # fmt: skip

# the TLS-mode scale (connstrings.TlsMode values), as strings so that this module can be imported
# without the parser: a run whose strings hold no connection string never loads it (~40 ms)
PLAIN, OPP, UNV, NOHOST = "plaintext", "opportunistic", "encrypted-unverified", "no-hostname-check"
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]{0,40})://")  # bounded: linear on any input
# A string without any of these holds no JSON, no connection string (`_may_hold`), no switch
# (`KEY=value` or a multi-line text): about five strings in six (names, sizes, plain words)
_MAY_MATTER = re.compile(r"[=:@\n\[{]").search


def _find_all(text: str) -> list[ConnString]:
    from ..connstrings import find_all

    return find_all(text)


def _may_hold(text: str, setting: bool) -> bool:
    """Whether the parser could find something this pass keeps, decided without loading it: a
    superset of the parser's own gates (connstrings/gates.py), minus web URLs outside settings
    (never kept) and `--flag=value` arguments."""
    has_eq = "=" in text
    if not has_eq and ":" not in text and "@" not in text:
        return False
    if "://" in text and (setting or "\n" in text or any(s.lower() not in _WEB_SCHEMES for s in _SCHEME.findall(text))):
        return True
    low = text.lower()
    if "jdbc:" in low or "@tcp" in low or "bootstrap" in low or ("protocol" in low and "security" in low):
        return True
    return has_eq and (";" in text or "," in text or "host" in low or "description" in low)


# ---- environment switches -----------------------------------------------------------------------

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
# name -> (values that switch verification off, mode, reason); `None` values: any value (presence)
_NAMED_SWITCHES: dict[str, tuple[frozenset[str] | None, str, str]] = {
    "NODE_TLS_REJECT_UNAUTHORIZED": (frozenset({"0"}), UNV, "Node.js accepts any server certificate"),
    "PYTHONHTTPSVERIFY": (frozenset({"0"}), UNV, "Python's HTTPS clients skip certificate verification (PEP 493)"),
    "GIT_SSL_NO_VERIFY": (None, UNV, "git skips certificate verification whenever the variable is set, "
                                     "whatever its value"),
    "CURL_CA_BUNDLE": (frozenset({""}), UNV, "an empty CURL_CA_BUNDLE turns verification off in Python requests "
                                             "(reading assumed: requests before 2.28, psf/requests#6071)"),
    "LDAPTLS_REQCERT": (frozenset({"never", "allow"}), UNV, "OpenLDAP clients accept a bad server certificate"),
}
# libpq reads PGSSLMODE as the default sslmode of every connection the process opens.
_PGSSLMODE = {
    "disable": (PLAIN, "libpq sends data in clear"),
    "allow": (OPP, "libpq tries plaintext first"),
    "prefer": (OPP, "libpq falls back to plaintext when TLS fails"),
    "require": (UNV, "libpq encrypts but does not verify the server certificate "
                     "(reading assumed: no root certificate file in the image)"),
    "verify-ca": (NOHOST, "libpq checks the CA but not the host name"),
}
_OFF_IF_TRUE = re.compile(
    r"(?:^|_)(?:INSECURE_SKIP_(?:TLS_)?VERIFY|SKIP_(?:TLS_|SSL_)?VERIFY|TLS_INSECURE|SSL_INSECURE|INSECURE_TLS"
    r"|INSECURE_SSL|TLS_SKIP_VERIFY|SSL_NO_VERIFY)\Z"
)
_OFF_IF_FALSE = re.compile(
    r"(?:^|_)(?:SSL_VERIFY|TLS_VERIFY|VERIFY_SSL|VERIFY_TLS|SSL_VERIFICATION|VERIFY_CERTS?|STRICT_SSL"
    r"|SSL_VERIFYPEER|REJECT_UNAUTHORIZED)\Z"
)
_VERIFICATION_MODE = re.compile(r"(?:^|_)SSL_VERIFICATION_?MODE\Z")


def switch_verdict(name: str, raw: str) -> tuple[str, str, str | None] | None:
    """(mode, reason, role) when the environment variable `name=raw` weakens the process's TLS."""
    if not _ENV_NAME.match(name):
        return None
    word = raw.strip().lower()
    named = _NAMED_SWITCHES.get(name)
    if named is not None:
        values, mode, why = named
        if values is None:
            return mode, f"{name} is set: {why}", None  # the value is not read, so it is not shown
        if word in values:
            return mode, f"{name}={_shown(raw)}: {why}", None
        return None
    if name == "PGSSLMODE":
        found = _PGSSLMODE.get(word)
        return None if found is None else (found[0], f"PGSSLMODE={word}: {found[1]}", "data")
    if _OFF_IF_TRUE.search(name) and word in _TRUE:
        return UNV, f"{name}={_shown(raw)}: the client this variable configures accepts any server certificate", None
    if _OFF_IF_FALSE.search(name) and word in _FALSE:
        return UNV, f"{name}={_shown(raw)}: the client this variable configures accepts any server certificate", None
    if _VERIFICATION_MODE.search(name) and word in ("none", "certificate"):
        if word == "none":
            return UNV, f"{name}={word}: the Elastic client accepts any server certificate", None
        return NOHOST, f"{name}={word}: the Elastic client checks the certificate but not the host name", None
    return None


def _shown(raw: str) -> str:
    return '""' if raw == "" else raw.strip()


# ---- hosts and networks -------------------------------------------------------------------------


def host_network(host: str | None) -> str:
    """`internal` for private addresses and cluster-local names, `internet` for public ones,
    `unknown` for placeholders."""
    if not host or not _HOST_CHARS.match(host):
        return "unknown"
    name = host.strip("[]").lower().rstrip(".")
    address = _address(name)
    if address is not None:
        return "internet" if address.is_global else "internal"
    if "." not in name or name.endswith(_INTERNAL_SUFFIXES):
        return "internal"
    if name.startswith("internal-") and name.endswith(".elb.amazonaws.com"):
        return "internal"  # an internal load balancer's DNS name
    return "internet"


def _address(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not (name[:1].isdigit() or ":" in name):
        return None
    try:
        return ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return None


def _network(conn: ConnString) -> str:
    nets = [host_network(h) for h, _ in conn.hosts] or [host_network(conn.host)]
    if "internet" in nets:
        return "internet"
    return "unknown" if "unknown" in nets else "internal"


def _no_hop(conn: ConnString) -> bool:
    """Every host is this machine (a sidecar proxy on 127.0.0.1) or a link-local service."""
    hosts = [h for h, _ in conn.hosts] or ([conn.host] if conn.host else [])
    if not hosts:
        return False
    from ..connstrings import is_loopback

    for host in hosts:
        address = _address(host.strip("[]").lower())
        if not (is_loopback(host) or (address is not None and (address.is_link_local or address.is_unspecified))):
            return False
    return True


# ---- the pass -----------------------------------------------------------------------------------


def claimed_spans(nodes: list[Node]) -> Claimed:
    """Where the tables already read a value into a connection (Glue's JDBC URL, a container's
    env switch): this pass leaves those values alone, so that one value gives one finding."""
    out: Claimed = {}
    for node in nodes:
        if node.kind != "connection":
            continue
        spans = out.setdefault(node.path, set())
        for attr in node.attrs.values():
            if attr.span is not None:
                spans.add(attr.span)
            spans.update(attr.item_spans or ())
    return out


def connection_nodes(res: NativeResource, claimed: Claimed, seen: Seen) -> list[Node]:
    """The connection nodes of one resource's strings. `seen` is shared across the run: a value
    reachable twice (SAM Globals, a module instantiated twice with the same value) gives one node."""
    if res.meta.get("synthesized"):
        return []  # derived resources repeat their owner's values
    scan = _Scan(res, claimed, seen)
    scan.walk(res.body, None, False, 0)
    # the walk read every value: the graph takes the body's references from here (one walk less)
    res.meta[SCANNED_REFERENCES] = (res.body, scan.refs)
    return scan.nodes


class _Scan:
    def __init__(self, res: NativeResource, claimed: Claimed, seen: Seen) -> None:
        self.res = res
        self.claimed = claimed.get(res.path, set())
        self.seen = seen
        self.nodes: list[Node] = []
        # (key, reference) in the order tree.references gives them, skipped values included
        self.refs: list[tuple[str, Reference]] = []
        self.stores = _VALUE_STORES.get(res.type, frozenset())
        self.secret = res.format == "kubernetes" and res.type == "core/Secret"

    # -- the tree
    def walk(self, v: Value, key: str | None, setting: bool, depth: int) -> None:
        if depth > MAX_DEPTH:
            collect_references(v, key or "", self.refs)
            return
        data = v.data
        if isinstance(data, str):
            self.string(v, data, key, setting, depth)
        elif isinstance(data, dict):
            self.mapping(v, data, key, depth)
        elif isinstance(data, list):
            self.sequence(data, key, setting, depth)
        elif data is UNKNOWN:
            self.partial(v, key, setting)
        elif isinstance(data, Reference):
            self.refs.append((key or "", data))

    def sequence(self, data: list[Value], key: str | None, setting: bool, depth: int) -> None:
        pairs = [p for x in data if isinstance(d := x.data, dict) and len(d) <= 4 and ("value" in d or "Value" in d)
                 and (p := _pair(x)) is not None]  # (`_pair`'s own first tests, without a call per item)
        if pairs:
            self.kafka(pairs)
        for item in data:
            self.walk(item, key, setting, depth + 1)

    def mapping(self, v: Value, data: dict[str, Value], key: str | None, depth: int) -> None:
        # the hot loop of the pass (every map of every resource): the key facts are looked up
        # once per key spelling, and scalars that cannot hold anything are passed over here
        if len(data) <= 4 and ("value" in data or "Value" in data):
            pair = _pair(v)
            if pair is not None:
                name, value = pair
                self.switch(name, value)
                # the value is walked under the pair's name; its references keep their own keys
                refs = self.refs
                collect_references(v, "", refs)
                self.refs = []
                self.walk(value, name, True, depth + 1)
                self.refs = refs
                return
        settings = key is not None and _compact(key) in _SETTINGS_MAPS
        kafka = False
        secret_top = self.secret and depth == 0
        inner = depth + 1
        for k, x in data.items():
            skip, protocol, upper = _KEY_FACTS.get(k) or _key_facts(k)
            if skip or (secret_top and k == "data"):
                collect_references(x, k, self.refs)
                continue  # prose, labels, base64 Secret data (stringData is read)
            value = x.data
            if isinstance(value, dict):
                if inner <= MAX_DEPTH:
                    self.mapping(x, value, k, inner)
                else:
                    collect_references(x, k, self.refs)
                continue
            if isinstance(value, list):
                if inner <= MAX_DEPTH:
                    self.sequence(value, k, settings, inner)
                else:
                    collect_references(x, k, self.refs)
                continue
            kafka = kafka or protocol
            if upper:
                self.switch(k, x)
            if isinstance(value, str):
                if len(value) >= 7 and _MAY_MATTER(value) is not None:
                    setting = settings or upper or (depth == 0 and k in self.stores)
                    self.string(x, value, k, setting, inner)
            elif value is UNKNOWN:
                self.partial(x, k, settings or upper or (depth == 0 and k in self.stores))
            elif isinstance(value, Reference):
                self.refs.append((k, value))
        if kafka:
            self.kafka([(k, x) for k, x in data.items() if not isinstance(x.data, (dict, list))])

    def string(self, holder: Value, text: str, key: str | None, setting: bool, depth: int) -> None:
        if len(text) < 7 or depth > MAX_DEPTH or _MAY_MATTER(text) is None:
            return
        stripped = text.strip()
        if stripped[:1] in ("[", "{") and stripped[-1:] in ("]", "}") and len(stripped) <= MAX_JSON:
            decoded = _json(stripped)
            if decoded is not None:
                if not self.taken(holder):
                    self.walk(_spanned(decoded, holder), key, setting, depth + 1)
                return
        found = _find_all(text) if _may_hold(text, setting) else []
        multiline = "\n" in stripped
        hint = (multiline or "=" in stripped) and _SWITCH_HINT.search(text) is not None
        if (not found and not hint) or self.taken(holder):
            return
        if multiline:
            self.text_block(holder, text, found)
            return
        assign = _ENV_ASSIGN.match(stripped) if "=" in stripped else None
        if assign is not None:  # `KEY=value` items (Cloud Build `env`, container `args`)
            verdict = switch_verdict(assign.group(1), assign.group(2).strip("\"'"))
            if verdict is not None:
                self.add_switch(holder, verdict, stripped)
        for conn in found:
            exact = text[conn.start : conn.end] == stripped
            self.consider(conn, holder, text, setting and exact and _url_key_ok(key))

    def partial(self, holder: Value, key: str | None, setting: bool) -> None:
        """An UNKNOWN value whose known parts the front end kept (a Terraform template with an
        unknown host or credentials): judged by its scheme and options (connstrings.partial)."""
        found = partial_text(holder, self.res.meta)
        if found is None:
            return
        text = found.text
        if len(text) < 7 or not _may_hold(text, setting) or self.taken(holder):
            return
        from ..connstrings import find_all_partial

        stripped = text.strip()
        for conn in find_all_partial(text, found.unknown_ranges):
            exact = text[conn.start : conn.end] == stripped
            self.consider(conn, holder, text, setting and exact and _url_key_ok(key))

    def taken(self, holder: Value) -> bool:
        return bool(self.claimed) and (holder.anchor in self.claimed or holder.span in self.claimed)

    def text_block(self, holder: Value, text: str, found: list[ConnString]) -> None:
        """A multi-line value (properties, dotenv, YAML): `key=value` lines are settings."""
        lines: dict[int, tuple[str, int]] | None = None
        for conn in found:
            url_ok = False
            if conn.scheme in _WEB_SCHEMES:
                lines = lines if lines is not None else _setting_lines(text)
                entry = lines.get(conn.start)
                url_ok = entry is not None and entry[1] == conn.end and _url_key_ok(entry[0])
            self.consider(conn, holder, text, url_ok)
        if _SWITCH_HINT.search(text):
            lines = lines if lines is not None else _setting_lines(text)
            for start, (name, end) in lines.items():
                raw = text[start:end].strip("\"'")
                found_switch = switch_verdict(name, raw)
                if found_switch is not None:
                    self.add_switch(holder, found_switch, f"{name}={raw}")

    # -- one candidate
    def consider(self, conn: ConnString, holder: Value, text: str, url_ok: bool) -> None:
        if conn.scheme in _WEB_SCHEMES and not url_ok:
            return  # http(s):// (Elasticsearch, ClickHouse HTTP, MQTT over WebSocket too) only in settings
        backend = conn.technology == "http"
        if conn.technology == "kafka" and conn.scheme != "kafka" and "security.protocol" not in conn.params:
            return  # the protocol may be set where we cannot see it (code, another file)
        if _no_hop(conn):
            return
        if not self.first(holder, text[conn.start : conn.end]):
            return
        self.add(holder, conn, "backend" if backend else "data")

    def switch(self, name: str, value: Value) -> None:
        raw = _scalar(value.data)
        if raw is None or not _ENV_NAME.match(name):
            return
        found = switch_verdict(name, raw)
        if found is None:
            return
        if self.taken(value):
            return
        self.add_switch(value, found, f"{name}={raw}")

    def kafka(self, entries: list[tuple[str, Value]]) -> None:
        """Kafka client properties given as a map or a name/value list (`security.protocol`,
        `KAFKA_SECURITY_PROTOCOL`, `spring.kafka.security.protocol`)."""
        if not any(_compact(k).endswith("securityprotocol") for k, _ in entries):
            return  # (`protocol = "HTTPS"` on a listener is not a Kafka client)
        from ..connstrings import parse_kafka_properties
        from ..connstrings.kafka import canonical_key

        keyed = {canonical_key(k): (k, v) for k, v in entries if "protocol" in k.lower() or "ssl" in k.lower()}
        protocol = keyed.get("security.protocol")
        if protocol is None:
            return
        props = {k: text for k, v in entries if (text := _scalar(v.data)) is not None}
        conn = parse_kafka_properties(props)
        if conn is None or "security.protocol" not in conn.params:
            return
        anchor_key = "security.protocol"
        if conn.tls_mode.value == UNV:
            anchor_key = "enable.ssl.certificate.verification"
        elif conn.tls_mode.value == NOHOST:
            anchor_key = next((k for k in ("ssl.endpoint.identification.algorithm", "ssl.check.hostname")
                               if k in keyed), anchor_key)
        holder = keyed.get(anchor_key, protocol)[1]
        if self.taken(holder) or _no_hop(conn):
            return
        if self.first(holder, f"kafka:{sorted(props.items())}"):
            self.add(holder, conn, "data")

    # -- nodes
    def first(self, holder: Value, text: str) -> bool:
        key = (self.res.path, holder.anchor, text)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def node(self, holder: Value) -> Node:
        res = self.res
        node = Node(id=f"{res.address}/conn[{len(self.nodes)}]", kind="connection", native_type=res.type,
                    format=res.format, path=res.path, span=res.span, header=holder.anchor, via=res.via,
                    resource=res)
        self.nodes.append(node)
        return node

    def add(self, holder: Value, conn: ConnString, role: str) -> None:
        node = self.node(holder)
        span, origin = holder.anchor, holder.origin
        mode: Any = UNKNOWN if conn.tls_mode.value == "unknown" else conn.tls_mode.value
        reason = conn.reason if not conn.assumed else f"{conn.reason} (reading assumed: {conn.assumed})"
        attrs = {
            "scheme": conn.scheme,
            "protocol": conn.scheme.upper() if role == "backend" else conn.technology.upper(),
            "host": conn.host,
            "port": conn.port,
            "role": role,
            "tls_mode": mode,
            "tls_reason": reason,
            "network": _network(conn),
        }
        if role == "backend":
            # data hops are judged by tls_mode (TL103); `plaintext` would also put them before TL501
            attrs["plaintext"] = UNKNOWN if mode is UNKNOWN else mode == PLAIN
        for name, value in attrs.items():
            if value is not None:
                node.attrs[name] = Attr(value, span, origin)

    def add_switch(self, holder: Value, found: tuple[str, str, str | None], text: str) -> None:
        if not self.first(holder, text):
            return
        mode, reason, role = found
        node = self.node(holder)
        span, origin = holder.anchor, holder.origin
        node.attrs["tls_mode"] = Attr(mode, span, origin)
        node.attrs["tls_reason"] = Attr(reason, span, origin)
        node.attrs["network"] = Attr("unknown", span, origin)
        if role is not None:
            node.attrs["role"] = Attr(role, span, origin)


# ---- helpers ------------------------------------------------------------------------------------


_COMPACT: dict[str, str] = {}


def _compact(key: str) -> str:
    """`connection_properties`, `ConnectionProperties`, `security.protocol` -> one spelling."""
    found = _COMPACT.get(key)
    if found is None:
        found = key.replace("_", "").replace("-", "").replace(".", "").lower()
        if len(_COMPACT) < 100_000:
            _COMPACT[key] = found
    return found


_KEY_FACTS: dict[str, tuple[bool, bool, bool]] = {}


def _key_facts(key: str) -> tuple[bool, bool, bool]:
    """(prose or labels: skipped, names a Kafka security protocol, an environment-variable name).
    The second is `kafka`'s own first test: a map without such a key is not handed to it."""
    compact = _compact(key)
    facts = (compact in _SKIP_KEYS, compact.endswith("securityprotocol"), key.isupper())
    if len(_KEY_FACTS) < 100_000:
        _KEY_FACTS[key] = facts
    return facts


def _pair(v: Value) -> tuple[str, Value] | None:
    """(name, value) of a `{name: X, value: Y}` entry."""
    data = v.data
    if not isinstance(data, dict) or len(data) > 4:
        return None
    value = next((data[k] for k in _PAIR_VALUES if k in data), None)
    if value is None:
        return None
    name = next((data[k] for k in _PAIR_NAMES if k in data), None)
    if name is None or not isinstance(name.data, str):
        return None
    return name.data, value


def _scalar(data: Any) -> str | None:
    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, (str, int)):
        return str(data)
    if isinstance(data, float):
        return str(int(data)) if data.is_integer() else str(data)
    return None  # None, UNKNOWN, references, collections


def _url_key_ok(key: str | None) -> bool:
    """An http:// value counts as a backend only under a setting that names a hop."""
    if key is None:
        return False
    words = {w.upper() for w in _WORDS.findall(key)}
    if "SCHEMA" in words and "REGISTRY" in words:
        words.discard("SCHEMA")  # SCHEMA_REGISTRY_URL: the Kafka schema registry
    return not (words & _NOT_A_BACKEND)


def _setting_lines(text: str) -> dict[int, tuple[str, int]]:
    """value start -> (key, value end) of every `key=value` / `key: value` line, quotes excluded."""
    out: dict[int, tuple[str, int]] = {}
    for match in _SETTING_LINE.finditer(text):
        start, end = match.start(2), match.end(2)
        while end > start and text[end - 1] in " \t\r,":
            end -= 1
        if end - start >= 2 and text[start] in "\"'" and text[end - 1] == text[start]:
            start, end = start + 1, end - 1
        out[start] = (match.group(1), end)
    return out


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _spanned(data: Any, holder: Value, depth: int = 0) -> Value:
    """Decoded JSON as a tree whose every value points at the string that held it."""
    if depth > MAX_DEPTH:
        data = None  # deeper than the walk goes anyway
    elif isinstance(data, dict):
        data = {str(k): _spanned(x, holder, depth + 1) for k, x in data.items()}
    elif isinstance(data, list):
        data = [_spanned(x, holder, depth + 1) for x in data]
    return Value(data, holder.span, holder.key_span, holder.origin)
