"""Expanded nginx trees -> native resources, with nginx's inheritance applied.

One resource per `server` block and listening socket kind (`nginx:server`, `nginx:stream_server`;
IPv4 and IPv6 listens on the same port and protocol are one resource), and one per upstream hop
to another machine (`nginx:proxy_pass`, `nginx:grpc_pass`, `nginx:uwsgi_pass`,
`nginx:fastcgi_pass`, `nginx:scgi_pass`, `nginx:memcached_pass`, `nginx:stream_proxy_pass`).

A body holds the *effective* value of every directive transit-lint reads: the nearest of
location -> server -> http that sets it (`add_header` as nginx merges it: a level with its own
`add_header` replaces the inherited list). A value reached through an include that was not
followed is UNKNOWN. A value set in another file than the resource's is anchored at the include
that brought it in (or at the server header) with an origin naming the file and line, because a
finding can only point into the resource's own file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..connstrings.hosts import is_not_a_peer
from ..model import NativeResource
from ..spans import Span
from ..tree import UNKNOWN, Value
from .defaults import Version, show
from .includes import flatten, harmless
from .syntax import Directive

# single-valued TLS directives the endpoint tables and hooks read
SERVER_DIRECTIVES = (
    "ssl", "ssl_ciphers", "ssl_dhparam", "ssl_verify_client", "ssl_client_certificate", "ssl_trusted_certificate",
    "ssl_stapling", "ssl_stapling_verify", "ssl_stapling_file", "ssl_stapling_responder", "resolver",
    "ssl_reject_handshake", "ssl_ech_file", "ssl_key_log", "ssl_preread", "ssl_prefer_server_ciphers",
    "ssl_early_data", "ssl_certificate", "ssl_encrypted_hello_key",
)  # fmt: skip
# log directives a server inherits; each may be given several times at one level (R16)
LOG_DIRECTIVES = ("error_log", "access_log")
MAIN_INHERITED = ("error_log",)
# upstream hop directive -> the prefix of its TLS directives and the scheme of a bare address
PASS_DIRECTIVES = {
    "proxy_pass": ("proxy_", "http"),
    "grpc_pass": ("grpc_", "grpc"),
    "uwsgi_pass": ("uwsgi_", "uwsgi"),
    "fastcgi_pass": ("", "fastcgi"),
    "scgi_pass": ("", "scgi"),
    "memcached_pass": ("", "memcached"),
}
UPSTREAM_TLS = ("ssl_verify", "ssl_trusted_certificate", "ssl_protocols", "ssl_ciphers", "ssl_certificate",
                "ssl_certificate_key", "ssl_server_name", "ssl_name", "ssl", "ssl_key_log")
REWRITE_PHASE = ("return", "rewrite", "if", "deny")


@dataclass(frozen=True)
class Unresolved:
    """A value an include that was not followed may set."""

    include: Directive


Lookup = list[Directive] | Unresolved


@dataclass
class Level:
    """One configuration block and the block it inherits from."""

    kind: str  # http, server, location, if, limit_except, stream
    stmts: list[Directive]
    parent: Level | None = None
    head: Directive | None = None
    _by_name: dict[str, list[Directive]] | None = field(default=None, repr=False)
    _unresolved: Directive | None = field(default=None, repr=False)
    _view: tuple[dict[str, list[Directive]], Directive | None] | None = field(default=None, repr=False)

    def own(self, name: str) -> list[Directive]:
        return self.index().get(name, [])

    def index(self) -> dict[str, list[Directive]]:
        """The statements by name, and the first include not followed that may set a value."""
        if self._by_name is None:  # an http block may hold thousands of servers: index once
            self._by_name = {}
            for d in self.stmts:
                self._by_name.setdefault(d.name, []).append(d)
                if self._unresolved is None and d.name == "include" and d.unresolved is not None and not harmless(d):
                    self._unresolved = d
        return self._by_name

    def unresolved(self) -> Directive | None:
        self.index()
        return self._unresolved

    def view(self) -> tuple[dict[str, list[Directive]], Directive | None]:
        """nginx's inheritance at this level, merged once: every name set here or above (the
        nearest level wins) and the include not followed that hides the names set nowhere
        (the nearest such include stops the walk up, as it may set anything)."""
        if self._view is None:
            own = self.index()
            if self._unresolved is not None or self.parent is None:
                self._view = (own, self._unresolved)
            else:
                inherited, hidden = self.parent.view()
                self._view = ({**inherited, **own} if own else inherited, hidden)
        return self._view

    def children(self, *names: str) -> Iterator[Directive]:
        for d in self.stmts:
            if d.name in names and d.block is not None:
                yield d

    def child(self, d: Directive, kind: str | None = None) -> Level:
        return Level(kind or d.name, flatten(d.block or []), self, d)


def effective(level: Level | None, name: str) -> Lookup:
    """Every occurrence of `name` at the nearest level that sets it (nginx's inheritance)."""
    if level is None:
        return []
    names, hidden = level.view()  # the innermost loop of the builder: one lookup, no walk
    found = names.get(name)
    if found:
        return found
    return [] if hidden is None else Unresolved(hidden)


def effective_headers(level: Level | None) -> Lookup:
    """`add_header` as nginx merges it: own headers replace the parent's unless
    `add_header_inherit merge` (1.29.3) says otherwise; `off` drops the parent's."""
    if level is None:
        return []
    inc = level.unresolved()
    if inc is not None:
        return Unresolved(inc)
    own = level.own("add_header")
    mode_d = effective(level, "add_header_inherit")
    mode = mode_d[-1].args[0].lower() if isinstance(mode_d, list) and mode_d and mode_d[-1].args else "on"
    parent = effective_headers(level.parent)
    if own:
        if mode == "merge":
            return parent if isinstance(parent, Unresolved) else parent + own
        return own
    if mode == "off":
        return []
    return parent


@dataclass
class Anchor:
    """Where values of one resource point: their own line when in the resource's file."""

    rel: str
    header: Span

    def place(self, d: Directive) -> tuple[Span, str | None]:
        if d.rel == self.rel:
            return d.span, None
        for inc in reversed(d.via):
            if inc.rel == self.rel:
                return inc.span, f"{d.name} in {d.where()}"
        return self.header, f"{d.name} in {d.where()}"

    def value(self, data: Any, d: Directive | None) -> Value:
        if d is None:
            return Value(data, self.header)
        span, origin = self.place(d)
        return Value(data, span, span, origin)

    def unknown(self, u: Unresolved) -> Value:
        span, _ = self.place(u.include)
        return Value(UNKNOWN, span, span, f"include {' '.join(u.include.args)} was not followed")


@dataclass
class Listen:
    directive: Directive | None
    address: str
    port: int | None  # None: templated
    ssl: bool
    quic: bool
    udp: bool
    local: bool  # unix socket or loopback: not a network endpoint


def parse_listen(d: Directive | None, stream: bool) -> Listen:
    if d is None or not d.args:
        return Listen(d, "*", 80, False, False, False, False)
    first, params = d.args[0], {a.lower() for a in d.args[1:]}
    ssl, quic, udp = "ssl" in params, "quic" in params, "udp" in params or "quic" in params
    if first.startswith("unix:"):
        return Listen(d, first, None, ssl, quic, udp, True)
    address, port_text = first, ""
    if first.startswith("["):
        close = first.find("]")
        address, port_text = first[: close + 1], first[close + 2:] if first[close + 1: close + 2] == ":" else ""
    elif re.fullmatch(r"\d+", first) or ("$" in first and ":" not in first):
        address, port_text = "*", first
    elif ":" in first:
        address, port_text = first.rsplit(":", 1)
    port = (None if stream or "$" in address else 80) if not port_text else _port(port_text)
    local = is_not_a_peer(address.strip("[]")) and address not in ("*", "[::]", "0.0.0.0")
    return Listen(d, address, port, ssl, quic, udp, local)


def _port(text: str) -> int | None:
    if not (text.isascii() and text.isdigit() and len(text) <= 5):
        return None
    value = int(text)
    return value if 0 < value <= 65535 else None


@dataclass
class Target:
    scheme: str | None  # None: templated
    host: str | None  # None: templated
    port: int | None
    local: bool


def parse_target(directive: str, raw: str) -> Target:
    """`http://h:8080/x`, `grpcs://h`, `h:9000`, `unix:/run/app.sock`, `$upstream` ..."""
    default_scheme = PASS_DIRECTIVES.get(directive, ("", "tcp"))[1]
    text = raw.strip()
    if "://" in text:
        scheme, rest = text.split("://", 1)
        scheme_l: str | None = None if "$" in scheme else scheme.lower()
    else:
        scheme_l, rest = default_scheme, text
    if rest.startswith("unix:"):
        return Target(scheme_l, None, None, True)
    hostport = re.split(r"[/?]", rest, maxsplit=1)[0]
    if hostport.startswith("$") or "${" in hostport:
        return Target(scheme_l, None, None, False)
    host, port = hostport, None
    if hostport.startswith("["):
        close = hostport.find("]")
        host = hostport[1:close]
        tail = hostport[close + 1:]
        port = _port(tail[1:]) if tail.startswith(":") else None
    elif hostport.count(":") == 1:
        host, p = hostport.split(":")
        port = _port(p)
    if "$" in host:
        return Target(scheme_l, None, port, False)
    return Target(scheme_l, host.lower(), port, is_not_a_peer(host))


@dataclass
class Builder:
    version: Version
    upstream_hosts: dict[str, list[str]] = field(default_factory=dict)  # every upstream block seen
    resources: list[NativeResource] = field(default_factory=list)
    judged: set[tuple[str, int, int]] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)

    # ------------------------------------------------------------ contexts

    def main(self, tree: list[Directive]) -> None:
        stmts = flatten(tree)
        # of the main context only `error_log` is inherited by http and stream (R16)
        top = Level("main", [d for d in stmts if d.name in MAIN_INHERITED])
        for d in stmts:
            if d.name == "http" and d.block is not None:
                self.context(Level("http", flatten(d.block), top), "http")
            elif d.name == "stream" and d.block is not None:
                self.context(Level("stream", flatten(d.block), top), "stream")

    def snippet(self, tree: list[Directive]) -> None:
        """A file never included by a main file: its top level is read as `http` (or
        `stream`, when its servers proxy bare addresses as only stream servers can)."""
        stmts = flatten(tree)
        stream = any(_is_stream_server(d) for d in stmts if d.name == "server" and d.block is not None)
        self.context(Level("stream" if stream else "http", stmts), "stream" if stream else "http")

    def upstreams(self, tree: list[Directive]) -> None:
        """Remember every `upstream` group first: a site and its upstreams often sit in
        separate files that no main file in the tree ties together."""
        for d in flatten(tree):
            if d.name == "upstream" and d.args and d.block is not None:
                hosts = [s.args[0] for s in flatten(d.block) if s.name == "server" and s.args]
                self.upstream_hosts.setdefault(d.args[0], hosts)
            elif d.name in ("http", "stream") and d.block is not None:
                self.upstreams(d.block)

    def context(self, level: Level, ctx: str) -> None:
        for srv in level.children("server"):
            key = (str(srv.path), srv.span.line, srv.span.column)
            if key in self.judged:
                continue  # a file included twice is judged in the first context only
            self.judged.add(key)
            self.server(level.child(srv), ctx)

    # ------------------------------------------------------------ servers

    def server(self, level: Level, ctx: str) -> None:
        head = level.head
        assert head is not None
        anchor = Anchor(head.rel, Span(head.span.line, head.span.column, head.span.line, head.span.column))
        names = [a for d in level.own("server_name") for a in d.args if a not in ("", '""')]
        name = names[0] if names else "_"
        stream = ctx == "stream"
        listens = [parse_listen(d, stream) for d in level.own("listen")]
        if not listens and not stream:
            listens = [parse_listen(None, False)]  # no listen: nginx listens on *:80
        legacy_ssl = _flag(effective(level, "ssl"))
        groups: dict[tuple[object, bool, bool], Listen] = {}
        for ls in listens:
            if ls.local:
                continue
            tls = ls.ssl or ls.quic or legacy_ssl is True
            groups.setdefault((ls.port, tls, ls.quic), ls)
        reject = _flag(effective(level, "ssl_reject_handshake")) is True
        servers: list[NativeResource] = []
        locations = [] if stream else _locations(level)  # read by every socket's body and the hops
        for (port, tls, quic), ls in groups.items():
            if quic and (port, True, False) in groups:
                continue  # QUIC next to TLS on the same port: one configuration, judged once
            if tls and reject:
                continue  # handshakes are refused: nothing is served on this socket
            label = f"{name}:{port if port is not None else '?'}{'/quic' if quic else ''}"
            rid = self.unique(f"nginx:{'stream_server' if stream else 'server'}[{label}]", head)
            body = self.server_body(level, anchor, ls, tls, ctx, locations)
            servers.append(NativeResource(
                address=rid, type="nginx:stream_server" if stream else "nginx:server", format="nginx",
                path=head.rel, span=head.span, header=anchor.header, body=body))
        self.resources.extend(servers)
        hops = self.hops(level, anchor, name, ctx, any(k[1] for k in groups), locations)
        for srv in servers:  # graph edges: what each listening socket proxies to
            srv.meta["refs"] = [("routes_to", h) for h in hops]

    def server_body(self, level: Level, anchor: Anchor, ls: Listen, tls: bool, ctx: str,
                    locations: list[Level]) -> Value:
        ld = ls.directive
        port: Any = ls.port if ls.port is not None else UNKNOWN
        fields = {
            "port": port, "tls": tls, "ssl": ls.ssl, "quic": ls.quic, "udp": ls.udp, "address": ls.address,
        }
        listen = anchor.value({k: anchor.value(v, ld) for k, v in fields.items()}, ld)
        if ld is None:
            listen.origin = "listen is not set: nginx listens on *:80"
        body: dict[str, Value] = {
            "context": anchor.value(ctx, None),
            "nginx_version": anchor.value(show(self.version), None),
            "listen": listen,
        }
        for name in SERVER_DIRECTIVES:
            self.put(body, name, effective(level, name), anchor)
        self.put_list(body, "ssl_protocols", effective(level, "ssl_protocols"), anchor)
        self.put_pairs(body, "ssl_conf_command", effective(level, "ssl_conf_command"), anchor)
        for name in LOG_DIRECTIVES:
            self.put_pairs(body, name, effective(level, name), anchor)
        if ctx == "http":
            body["headers"] = self.headers(effective_headers(level), anchor)
            body["rewrite"] = anchor.value([self.rewrite(d, anchor) for d in level.stmts if d.name in REWRITE_PHASE],
                                           None)
            body["locations"] = anchor.value([self.location(lv, anchor) for lv in locations], None)
        return anchor.value(body, None)

    def location(self, level: Level, anchor: Anchor) -> Value:
        head = level.head
        assert head is not None
        data = {
            "kind": anchor.value(level.kind, head),
            "path": anchor.value(" ".join(head.args), head),
            "headers": self.headers(effective_headers(level), anchor),
            "own_headers": anchor.value(bool(level.own("add_header")), head),
            "rewrite": anchor.value([self.rewrite(d, anchor) for d in level.stmts if d.name in REWRITE_PHASE], head),
            "serves": anchor.value(any(d.name in _CONTENT for d in level.stmts), head),
        }
        return anchor.value(data, head)

    def rewrite(self, d: Directive, anchor: Anchor) -> Value:
        inner = [self.rewrite(x, anchor) for x in flatten(d.block or []) if x.name in REWRITE_PHASE]
        return anchor.value({
            "directive": anchor.value(d.name, d),
            "args": anchor.value([anchor.value(a, d) for a in d.args], d),
            "body": anchor.value(inner, d),
        }, d)

    def headers(self, found: Lookup, anchor: Anchor) -> Value:
        if isinstance(found, Unresolved):
            return anchor.unknown(found)
        items = []
        for d in found:
            if len(d.args) < 2:
                continue
            items.append(anchor.value({
                "name": anchor.value(d.args[0], d),
                "value": anchor.value(UNKNOWN if "${" in d.args[1] else d.args[1], d),
                "always": anchor.value(len(d.args) > 2 and d.args[2].lower() == "always", d),
            }, d))
        span = items[0].span if items else anchor.header
        return Value(items, span, span)

    # ------------------------------------------------------------ upstream hops

    def hops(self, level: Level, anchor: Anchor, server_name: str, ctx: str, terminates_tls: bool,
             locations: list[Level]) -> list[str]:
        """The upstream hops of one server block, as resources; returns their addresses."""
        out: list[str] = []
        levels = [level] if ctx == "stream" else locations
        for lv in levels:
            for d in lv.stmts:
                if (ctx == "stream" and d.name != "proxy_pass") or (ctx == "http" and d.name not in PASS_DIRECTIVES):
                    continue
                if not d.args:
                    continue
                directive = "stream_proxy_pass" if ctx == "stream" else d.name
                target = parse_target(directive, d.args[0])
                if target.local:
                    continue
                where = "" if lv is level else f"/location[{_location_label(lv)}]"
                kind = "stream_server" if ctx == "stream" else "server"
                rid = self.unique(f"nginx:{kind}[{server_name}]{where}/{d.name}", d)
                here = anchor.place(d)[0]  # the directive may sit in an included snippet
                self.resources.append(NativeResource(
                    address=rid, type=f"nginx:{directive}", format="nginx", path=anchor.rel,
                    span=here, header=here,
                    body=self.hop_body(lv, anchor, d, directive, target, ctx, terminates_tls)))
                out.append(rid)
        return out

    def hop_body(self, level: Level, anchor: Anchor, d: Directive, directive: str, target: Target, ctx: str,
                 terminates_tls: bool) -> Value:
        upstream = target.host is not None and target.port is None and target.host in self.upstream_hosts
        hosts = self.upstream_hosts.get(target.host or "", []) if upstream else []
        body: dict[str, Value] = {
            "context": anchor.value(ctx, None),
            "nginx_version": anchor.value(show(self.version), None),
            "directive": anchor.value(directive, d),
            "target": anchor.value(d.args[0], d),
            "scheme": anchor.value(target.scheme if target.scheme is not None else UNKNOWN, d),
            "host": anchor.value(target.host if target.host is not None else UNKNOWN, d),
            "upstream": anchor.value(upstream, d),
            "upstream_hosts": anchor.value([anchor.value(h, d) for h in hosts], d),
            "terminates_tls": anchor.value(terminates_tls, None),
        }
        if target.port is not None:
            body["port"] = anchor.value(target.port, d)
        prefix = "proxy_" if ctx == "stream" else PASS_DIRECTIVES[directive][0]
        if prefix:
            for name in UPSTREAM_TLS:
                found = effective(level, prefix + name)
                if name == "ssl_protocols":
                    self.put_list(body, name, found, anchor)
                else:
                    self.put(body, name, found, anchor)
        return anchor.value(body, d)

    # ------------------------------------------------------------ helpers

    def put(self, body: dict[str, Value], key: str, found: Lookup, anchor: Anchor) -> None:
        if isinstance(found, Unresolved):
            body[key] = anchor.unknown(found)
        elif found:
            d = found[-1]
            text = " ".join(d.args)
            body[key] = anchor.value(UNKNOWN if "${" in text else text, d)

    def put_list(self, body: dict[str, Value], key: str, found: Lookup, anchor: Anchor) -> None:
        if isinstance(found, Unresolved):
            body[key] = anchor.unknown(found)
        elif found:
            d = found[-1]
            body[key] = anchor.value([anchor.value(UNKNOWN if "${" in a else a, d) for a in d.args], d)

    def put_pairs(self, body: dict[str, Value], key: str, found: Lookup, anchor: Anchor) -> None:
        if isinstance(found, Unresolved):
            body[key] = anchor.unknown(found)
        elif found:
            body[key] = anchor.value([anchor.value([anchor.value(a, d) for a in d.args], d) for d in found], found[0])

    def unique(self, rid: str, d: Directive) -> str:
        if rid in self.ids:
            rid = f"{rid}@{d.where()}"
        self.ids.add(rid)
        return rid


# directives that make a location answer requests itself
_CONTENT = frozenset({"root", "alias", "proxy_pass", "grpc_pass", "uwsgi_pass", "fastcgi_pass", "scgi_pass",
                      "memcached_pass", "try_files", "index", "autoindex", "content_by_lua_block", "stub_status",
                      "content_by_lua", "content_by_lua_file", "echo", "empty_gif"})


def _flag(found: Lookup) -> bool | None:
    if isinstance(found, Unresolved) or not found or not found[-1].args:
        return None
    return found[-1].args[0].lower() == "on"


def _locations(level: Level) -> list[Level]:
    """Every location (nested ones too) and `if`/`limit_except` block inside them."""
    out: list[Level] = []
    for d in level.children("location", "if", "limit_except"):
        if level.kind == "server" and d.name != "location":
            continue  # `if` in server holds rewrite-phase statements only
        child = level.child(d)
        out.append(child)
        out.extend(_locations(child))
    return out


def _location_label(level: Level) -> str:
    parts = []
    lv: Level | None = level
    while lv is not None and lv.kind != "server":
        if lv.head is not None:
            parts.append(" ".join(lv.head.args) if lv.kind == "location" else f"{lv.kind} {' '.join(lv.head.args)}")
        lv = lv.parent
    return " > ".join(reversed(parts))


def _is_stream_server(d: Directive) -> bool:
    """Only stream servers proxy to bare addresses (`proxy_pass db:5432;`) or listen on UDP."""
    for s in flatten(d.block or []):
        if s.name == "proxy_pass" and s.args and "://" not in s.args[0] and not s.args[0].startswith("$"):
            return True
        if s.name == "listen" and "udp" in (a.lower() for a in s.args[1:]):
            return True
    return False
