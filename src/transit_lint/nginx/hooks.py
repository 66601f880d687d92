"""nginx derivations the mapping table (normalize/tables/nginx.yaml) names as hooks.

They read the effective directives build.py put in a resource body and set canonical
attributes: the TLS versions and ciphers actually offered (nginx's version-dependent defaults
included), whether a plaintext server only redirects or refuses, HSTS as the responses carry it,
OCSP stapling, client-certificate validation, and how an upstream hop is protected.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from typing import Any

from .. import ports, tls
from ..model import Attr, NativeResource, Node
from ..normalize.mapping import hook
from ..spans import Span
from ..tree import UNKNOWN, Value
from . import defaults
from .build import PASS_DIRECTIVES

TLS_PROTOCOLS = ("HTTPS", "TLS")
REDIRECT_CODES = frozenset({"301", "302", "303", "307", "308"})
# host names that resolve only inside a private network
INTERNAL_SUFFIXES = (".svc", ".cluster.local", ".internal", ".local", ".lan", ".home.arpa", ".corp", ".intranet",
                     ".consul", ".localdomain", ".intra", ".private", ".docker")
ACME = "/.well-known/"


def _is_tls(node: Node) -> bool:
    return node.value("protocol") in TLS_PROTOCOLS


def _version(ctx: Value) -> defaults.Version:
    v = ctx.get("nginx_version")
    return (defaults.parse_version(v.data) if v is not None else None) or defaults.DEFAULT_VERSION


def _text(v: Value | None) -> Any:
    """A scalar directive value: str, UNKNOWN, or None when not set."""
    return None if v is None else v.data


def _conf_commands(ctx: Value) -> dict[str, Value]:
    """`ssl_conf_command Name value` pairs, by lower-cased name."""
    out: dict[str, Value] = {}
    cc = ctx.get("ssl_conf_command")
    if cc is None or not isinstance(cc.data, list):
        return out
    for pair in cc.data:
        if isinstance(pair.data, list) and len(pair.data) >= 2 and isinstance(pair.data[0].data, str):
            out[pair.data[0].data.lower()] = pair.data[1]
    return out


def enabled_versions(ctx: Value, prefix: str = "ssl_protocols") -> tuple[Any, Value | None, str]:
    """(canonical versions offered | UNKNOWN, the directive's value or None for the default, policy text)."""
    protos = ctx.get(prefix)
    if protos is None:
        v = _version(ctx)
        names = defaults.protocols(v)
        return [tls.parse_version(n) for n in names], None, f"nginx {defaults.show(v)} default: {' '.join(names)}"
    if protos.data is UNKNOWN or not isinstance(protos.data, list):
        return UNKNOWN, protos, "?"
    raw = [x.data for x in protos.data]
    if any(x is UNKNOWN for x in raw):
        return UNKNOWN, protos, "?"
    versions = [tls.parse_version(x) for x in raw]
    known = [x for x in versions if x is not None]
    return (known or UNKNOWN), protos, f"{prefix} {' '.join(str(x) for x in raw)}"


def _set_versions(node: Node, versions: Any, directive: Value | None, policy: str, default_note: str) -> None:
    span = directive.anchor if directive is not None else None
    origin = directive.origin if directive is not None else default_note
    node.attrs["tls.policy"] = Attr(policy, span, origin)
    if versions is UNKNOWN:
        node.attrs["tls.min_version"] = Attr(UNKNOWN, span, origin)
        return
    ranked = sorted(versions, key=tls.version_rank)
    node.attrs["tls.min_version"] = Attr(ranked[0], span, origin)
    node.attrs["tls.max_version"] = Attr(ranked[-1], span, origin)


@hook("nginx_tls_versions")
def nginx_tls_versions(node: Node, res: NativeResource, ctx: Value) -> None:
    if not _is_tls(node):
        return
    listen = ctx.get("listen")
    quic = listen.get("quic") if listen is not None else None
    if quic is not None and quic.data is True:
        node.attrs["tls.policy"] = Attr("QUIC (TLS 1.3 only)", quic.anchor)
        node.attrs["tls.min_version"] = Attr("1.3", quic.anchor)
        return
    versions, directive, policy = enabled_versions(ctx)
    note = f"ssl_protocols is not set: the {policy.replace(' default:', ' default is')}"
    _set_versions(node, versions, directive, policy, note)
    floor = _conf_commands(ctx).get("minprotocol")
    cur = node.get("tls.min_version")
    if floor is not None and cur is not None and cur.value is not UNKNOWN:
        low = tls.parse_version(floor.data)
        if low is not None and tls.version_rank(low) > tls.version_rank(cur.value):
            node.attrs["tls.min_version"] = Attr(low, floor.anchor, floor.origin)


@hook("nginx_ciphers")
def nginx_ciphers(node: Node, res: NativeResource, ctx: Value) -> None:
    """The suites a TLS server offers: `ssl_ciphers` (or the default) expanded as OpenSSL does
    for TLS <= 1.2, plus the TLS 1.3 suites when TLS 1.3 is enabled."""
    if not _is_tls(node):
        return
    mv = node.get("tls.min_version")
    versions, _, _ = enabled_versions(ctx)
    if versions is UNKNOWN or (mv is not None and mv.value is UNKNOWN):
        node.attrs["tls.ciphers"] = Attr(UNKNOWN, mv.span if mv else None)
        return
    low = mv.value if mv is not None else "1.3"
    names: list[str] = []
    spans: list[Span | None] = []
    origin: str | None = None
    if tls.version_rank(low) <= tls.version_rank("1.2"):
        c = ctx.get("ssl_ciphers")
        if c is not None and c.data is UNKNOWN:
            node.attrs["tls.ciphers"] = Attr(UNKNOWN, c.anchor, c.origin)
            return
        v = _version(ctx)
        text = c.data if c is not None else defaults.ciphers(v)
        if c is None:
            origin = f"ssl_ciphers is not set: the nginx default {text} applies"
        suites, unknown = _expand(str(text))
        if not suites and unknown:
            node.attrs["tls.ciphers"] = Attr(UNKNOWN, c.anchor if c else None, origin)
            return
        dhparam = ctx.get("ssl_dhparam")
        if (dhparam is None or dhparam.data is UNKNOWN) and v >= defaults.DHE_NEEDS_DHPARAM:
            # no DH parameters, DHE is never negotiated (when unknown, only certain suites are judged)
            suites, _ = _expand(str(text), no_dhe=True)
        names += suites
        spans += [c.anchor if c is not None else None] * len(suites)
        if c is not None:
            origin = c.origin
    if "1.3" in versions:
        cs = _conf_commands(ctx).get("ciphersuites")
        if cs is not None and isinstance(cs.data, str):
            suites13, _ = tls.parse_cipher_list(cs.data, "iana")
            names += suites13
            spans += [cs.anchor] * len(suites13)
        else:
            names += list(defaults.TLS13_DEFAULT_SUITES)
            spans += [None] * len(defaults.TLS13_DEFAULT_SUITES)
    first = next((s for s in spans if s is not None), None)
    item_spans = [s or first or node.header for s in spans] if first is not None else None
    node.attrs["tls.ciphers"] = Attr(names, first, origin, item_spans)


# nginx sets no PSK or SRP callbacks, and OpenSSL >= 1.1.0 has no Kerberos suites: an
# expression may name them, but a server never negotiates them
_NEVER_NEGOTIATED_KX = frozenset({"PSK", "RSAPSK", "DHEPSK", "ECDHEPSK", "SRP", "KRB5"})


@lru_cache(maxsize=256)
def _expand_cached(text: str, no_dhe: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if no_dhe:
        negotiable, unknown = _expand_cached(text, False)
        return tuple(s for s in negotiable if not _dhe(s)), unknown
    suites, unknown_terms = tls.expand_openssl_cipher_string(text)
    return tuple(s for s in suites if _negotiable(s)), tuple(unknown_terms)


def _expand(text: str, no_dhe: bool = False) -> tuple[list[str], list[str]]:
    """An OpenSSL cipher string -> the suites nginx can negotiate (IANA names), unknown terms;
    `no_dhe` leaves out the DHE suites (a server without DH parameters never negotiates them)."""
    suites, unknown = _expand_cached(text, no_dhe)
    return list(suites), list(unknown)


def _negotiable(iana: str) -> bool:
    c = tls.cipher(iana)
    return c is None or c.kx not in _NEVER_NEGOTIATED_KX


def _dhe(iana: str) -> bool:
    c = tls.cipher(iana)
    return c is not None and c.kx.startswith("DH") and c.kx != "DHEPSK"


TLS_ONLY_ATTRS = ("tls.client_auth", "tls.key_log", "tls.certificate", "tls.ech")


@hook("nginx_tls_only")
def nginx_tls_only(node: Node, res: NativeResource, ctx: Value) -> None:
    """A server's TLS directives say nothing about its plaintext sockets."""
    if not _is_tls(node):
        for name in TLS_ONLY_ATTRS:
            node.attrs.pop(name, None)


@hook("nginx_exposure")
def nginx_exposure(node: Node, res: NativeResource, ctx: Value) -> None:
    """A socket bound to one private or public address says who can reach it; a wildcard does not."""
    listen = ctx.get("listen")
    address = listen.get("address") if listen is not None else None
    if address is None or not isinstance(address.data, str):
        return
    try:
        ip = ipaddress.ip_address(address.data.strip("[]"))
    except ValueError:
        return
    if not ip.is_unspecified:
        node.attrs["exposure"] = Attr("public" if ip.is_global else "internal", address.anchor)


@hook("nginx_client_auth")
def nginx_client_auth(node: Node, res: NativeResource, ctx: Value) -> None:
    """Client certificates requested (`on`/`optional`) are verified only against a CA bundle."""
    if not _is_tls(node):
        return
    mode = node.get("tls.client_auth")
    if mode is None or mode.value not in ("required", "optional"):
        return
    cas = [ctx.get("ssl_client_certificate"), ctx.get("ssl_trusted_certificate")]
    if any(c is not None and c.data is not UNKNOWN for c in cas):
        return
    if any(c is not None for c in cas):
        node.attrs["tls.client_auth"] = Attr(UNKNOWN, mode.span, mode.origin)
        return
    node.attrs["tls.client_auth"] = Attr(
        "unverified", mode.span, "ssl_verify_client without ssl_client_certificate or ssl_trusted_certificate")


@hook("nginx_ocsp")
def nginx_ocsp(node: Node, res: NativeResource, ctx: Value) -> None:
    if not _is_tls(node):
        return
    st = ctx.get("ssl_stapling")
    if st is None:
        node.attrs["ocsp_stapling"] = Attr(False, None, "ssl_stapling is not set (off by default)")
        return
    if st.data is UNKNOWN:
        node.attrs["ocsp_stapling"] = Attr(UNKNOWN, st.anchor, st.origin)
        return
    if str(st.data).lower() != "on":
        node.attrs["ocsp_stapling"] = Attr(False, st.anchor, st.origin)
        return
    sources = [ctx.get(k) for k in ("resolver", "ssl_stapling_file", "ssl_stapling_responder")]
    if any(s is not None and s.data is UNKNOWN for s in sources):
        node.attrs["ocsp_stapling"] = Attr(UNKNOWN, st.anchor, st.origin)
    elif any(s is not None for s in sources):
        node.attrs["ocsp_stapling"] = Attr(True, st.anchor, st.origin)
    else:
        node.attrs["ocsp_stapling"] = Attr(
            False, st.anchor, "ssl_stapling on without a resolver: nginx cannot look up the OCSP responder")


# ---------------------------------------------------------------- HSTS


def _hsts(headers: Value | None) -> tuple[Any, Span | None]:
    """(max-age | UNKNOWN | None when no Strict-Transport-Security header is sent, its span)."""
    if headers is None:
        return None, None
    if headers.data is UNKNOWN:
        return UNKNOWN, headers.anchor
    for item in headers.data:
        name, value = item.get("name"), item.get("value")
        if name is None or value is None or str(name.data).lower() != "strict-transport-security":
            continue
        if value.data is UNKNOWN or "$" in str(value.data):
            return UNKNOWN, item.anchor
        m = re.search(r"max-age\s*=\s*\"?(\d+)", str(value.data), re.I)
        return (int(m[1]) if m else 0), item.anchor
    return None, None


@hook("nginx_hsts")
def nginx_hsts(node: Node, res: NativeResource, ctx: Value) -> None:
    """`hsts.max_age` as every response of the server carries it: the smallest over the server
    and its locations (a location with its own `add_header` drops the inherited header), 0 when
    some responses carry none."""
    if node.value("protocol") != "HTTPS" or ctx.get("headers") is None:
        return
    rw = ctx.get("rewrite")
    if _verdict(rw.data if rw is not None else [])[0] == "block":
        return  # `return 444` / a fixed 4xx for every request: no page to protect
    locs = ctx.get("locations")
    locations: list[Value] = list(locs.data) if locs is not None and isinstance(locs.data, list) else []
    top = [loc for loc in locations if _str(loc, "kind") == "location"]
    covers_all = any(_str(loc, "path") in ("/", "^~ /") for loc in top)
    scopes: list[tuple[Any, Span | None, str | None]] = []
    if not covers_all:
        age, span = _hsts(ctx.get("headers"))
        scopes.append((age, span, None))
    for loc in locations:
        age, span = _hsts(loc.get("headers"))
        why = None
        if age is None and _bool(loc, "own_headers"):
            items = loc.get("headers")
            span = items.anchor if items is not None else loc.anchor
            why = f"add_header in location {_str(loc, 'path')} replaces the inherited headers"
        scopes.append((age, span, why))
    unknown = [s for s in scopes if s[0] is UNKNOWN]
    if unknown:
        node.attrs["hsts.max_age"] = Attr(UNKNOWN, unknown[0][1])
        return
    worst = min(scopes, key=lambda s: -1 if s[0] is None else s[0])
    age, span, why = worst
    if age is None:
        node.attrs["hsts.max_age"] = Attr(0, span if why else None, why or "no Strict-Transport-Security header")
    else:
        node.attrs["hsts.max_age"] = Attr(age, span)


def _str(v: Value, key: str) -> str:
    x = v.get(key)
    return str(x.data) if x is not None and isinstance(x.data, str) else ""


def _bool(v: Value, key: str) -> bool:
    x = v.get(key)
    return x is not None and x.data is True


# ---------------------------------------------------------------- redirects


def _verdict(items: list[Value]) -> tuple[Any, Span | None]:
    """What the rewrite phase does to every request: "redirect" (to https://), "block" (4xx,
    444, deny all), "content" (any other return), UNKNOWN, or None (nothing decided)."""
    for item in items:
        d = _str(item, "directive")
        args_v = item.get("args")
        args = [a.data for a in args_v.data] if args_v is not None and isinstance(args_v.data, list) else []
        if any(a is UNKNOWN for a in args):
            return UNKNOWN, item.anchor
        if d == "return" and args:
            code, url = (args[0], args[1] if len(args) > 1 else "") if str(args[0]).isdigit() else ("302", args[0])
            if code in REDIRECT_CODES and str(url).startswith("https://"):
                return "redirect", item.anchor
            if code == "444" or str(code).startswith("4"):
                return "block", item.anchor
            if code in REDIRECT_CODES and str(url).startswith("$"):
                return UNKNOWN, item.anchor
            return "content", item.anchor
        if d == "rewrite" and len(args) >= 2 and str(args[1]).startswith("https://"):
            return "redirect", item.anchor
        if d == "deny" and args and str(args[0]).lower() == "all":
            return "block", item.anchor
        if d == "if":
            body = item.get("body")
            inner, span = _verdict(body.data if body is not None else [])
            if inner == "redirect":
                return inner, span  # `if ($scheme = http) { return 301 https://… }`
    return None, None


@hook("nginx_redirect")
def nginx_redirect(node: Node, res: NativeResource, ctx: Value) -> None:
    """A plaintext server that redirects every request to HTTPS, or refuses it, serves no content."""
    if _is_tls(node) or ctx.get("rewrite") is None:
        return
    rw = ctx.get("rewrite")
    verdict, span = _verdict(rw.data if rw is not None else [])
    if verdict is None:
        verdict, span = _locations_verdict(ctx)
    if verdict is UNKNOWN:
        node.attrs["redirect_to_https"] = Attr(UNKNOWN, span)
        return
    node.attrs["redirect_to_https"] = Attr(verdict == "redirect", span if verdict == "redirect" else None)
    node.attrs["blocks_plaintext"] = Attr(verdict == "block", span if verdict == "block" else None)


def _locations_verdict(ctx: Value) -> tuple[Any, Span | None]:
    """`location / { return 301 https://…; }` with every other location only redirecting,
    refusing or answering ACME challenges."""
    locs = ctx.get("locations")
    top = [loc for loc in (locs.data if locs is not None else []) if _str(loc, "kind") == "location"]
    root = [loc for loc in top if _str(loc, "path") in ("/", "^~ /")]
    if not root:
        return None, None
    rw = root[0].get("rewrite")
    verdict, span = _verdict(rw.data if rw is not None else [])
    if verdict not in ("redirect", "block"):
        return verdict if verdict is UNKNOWN else None, span
    for loc in top:
        if loc is root[0] or ACME in _str(loc, "path"):
            continue
        rw = loc.get("rewrite")
        other, _ = _verdict(rw.data if rw is not None else [])
        if other not in ("redirect", "block") and _bool(loc, "serves"):
            return None, None
    return verdict, span


# ---------------------------------------------------------------- stream listeners


@hook("nginx_stream_listener")
def nginx_stream_listener(node: Node, res: NativeResource, ctx: Value) -> None:
    listen = ctx.get("listen")
    udp = listen.get("udp") if listen is not None else None
    if udp is not None and udp.data is True and not _is_tls(node):
        node.attrs["protocol"] = Attr("UDP", udp.anchor)
    if _is_tls(node):
        return
    preread = ctx.get("ssl_preread")
    port = node.value("port")
    proto = node.get("protocol")
    span = proto.span if proto is not None else None
    if preread is not None and str(preread.data).lower() == "on":
        node.attrs["plaintext"] = Attr(UNKNOWN, preread.anchor, "ssl_preread on: TLS passed through")
    elif isinstance(port, int) and (info := ports.port_info(port)) is not None and info.tls == "plaintext":
        node.attrs["plaintext"] = Attr(True, span)
    else:
        # bytes are passed through: the client may speak TLS, or upgrade in-band
        node.attrs["plaintext"] = Attr(UNKNOWN, span)


# ---------------------------------------------------------------- upstream hops


def _prefix(ctx: Value) -> str:
    d = _text(ctx.get("directive"))
    if d == "stream_proxy_pass":
        return "proxy_"
    return PASS_DIRECTIVES.get(str(d), ("", ""))[0]


@hook("nginx_stream_hop")
def nginx_stream_hop(node: Node, res: NativeResource, ctx: Value) -> None:
    """A stream proxy without `proxy_ssl on` sends what it received: plaintext when the server
    terminated TLS itself, unknown when it only passes bytes through."""
    proto = node.get("protocol")
    if proto is None or proto.value is UNKNOWN:
        return
    if proto.value == "TLS":
        node.attrs["plaintext"] = Attr(False, proto.span)
        node.attrs["tls.enabled"] = Attr(True, proto.span)
        return
    node.attrs["tls.enabled"] = Attr(False, proto.span)
    term = ctx.get("terminates_tls")
    if term is not None and term.data is True:
        node.attrs["plaintext"] = Attr(True, proto.span, "the server decrypts TLS and proxies without proxy_ssl on")
    else:
        node.attrs["plaintext"] = Attr(UNKNOWN, proto.span)


@hook("nginx_upstream_tls")
def nginx_upstream_tls(node: Node, res: NativeResource, ctx: Value) -> None:
    """tls_mode of a hop: `proxy_ssl_verify` is off by default, so an https:// upstream is
    encrypted but unauthenticated unless verification is switched on."""
    enabled = node.get("tls.enabled")
    prefix = _prefix(ctx)
    directive = _text(ctx.get("directive"))
    if enabled is None or enabled.value is UNKNOWN:
        node.attrs["tls_mode"] = Attr("unknown", enabled.span if enabled else None)
        return
    if enabled.value is False:
        node.attrs["tls_mode"] = Attr("plaintext", enabled.span)
        node.attrs["tls_reason"] = Attr(f"{directive} to {_text(ctx.get('target'))} is not encrypted", None)
        return
    verify = ctx.get("ssl_verify")
    if verify is not None and verify.data is UNKNOWN:
        node.attrs["tls_mode"] = Attr(UNKNOWN, verify.anchor, verify.origin)
    elif verify is not None and str(verify.data).lower() == "on":
        node.attrs["tls_mode"] = Attr("verified", verify.anchor, verify.origin)
        node.attrs["tls_reason"] = Attr(f"{prefix}ssl_verify on", verify.anchor)
    else:
        span = verify.anchor if verify is not None else None
        why = f"{prefix}ssl_verify is off" if verify is not None else f"{prefix}ssl_verify is not set (off by default)"
        node.attrs["tls_mode"] = Attr("encrypted-unverified", span, verify.origin if verify is not None else None)
        node.attrs["tls_reason"] = Attr(f"{why}, so nginx accepts any certificate from the upstream", span)
    protos = ctx.get("ssl_protocols")
    if protos is not None:  # the upstream's own endpoint decides; only an explicit list is judged here
        versions, directive_v, policy = enabled_versions(ctx, "ssl_protocols")
        _set_versions(node, versions, directive_v, policy.replace("ssl_protocols", f"{prefix}ssl_protocols"), "")
    ciphers = ctx.get("ssl_ciphers")
    if ciphers is not None:
        if ciphers.data is UNKNOWN:
            node.attrs["tls.ciphers"] = Attr(UNKNOWN, ciphers.anchor)
        else:
            suites, _ = _expand(str(ciphers.data))
            if suites:
                node.attrs["tls.ciphers"] = Attr(suites, ciphers.anchor, ciphers.origin, [ciphers.anchor] * len(suites))
    _upstream_client_cert(node, ctx, prefix)


def _upstream_client_cert(node: Node, ctx: Value, prefix: str) -> None:
    """`client_cert` of a TLS hop (TL303): nginx presents a client certificate only with both
    `<prefix>ssl_certificate` and `<prefix>ssl_certificate_key`; either from an unfollowed
    include (or holding variables) is UNKNOWN."""
    cert, key = ctx.get("ssl_certificate"), ctx.get("ssl_certificate_key")
    if cert is None:
        node.attrs["client_cert"] = Attr(False, None, f"{prefix}ssl_certificate is not set")
    elif cert.data is UNKNOWN or (key is not None and key.data is UNKNOWN):
        node.attrs["client_cert"] = Attr(UNKNOWN, cert.anchor)
    else:
        node.attrs["client_cert"] = Attr(key is not None, cert.anchor,
                                         None if key is not None else f"{prefix}ssl_certificate_key is not set")


def network_of(host: str) -> str:
    """internet for public names and addresses; internal for private addresses, single-label
    names (compose and cluster services) and private suffixes."""
    h = host.strip("[]").rstrip(".").lower()
    try:
        ip = ipaddress.ip_address(h)
    except ValueError:
        ip = None
    if ip is not None:
        return "internet" if ip.is_global else "internal"
    internal_elb = h.startswith("internal-") and h.endswith(".elb.amazonaws.com")
    if "." not in h or h.endswith(INTERNAL_SUFFIXES) or internal_elb:
        return "internal"
    return "internet"


@hook("nginx_network")
def nginx_network(node: Node, res: NativeResource, ctx: Value) -> None:
    """Which network a hop crosses. An `upstream` group is taken as the operator's own backend
    pool (internal) unless one of its servers is a public IP address."""
    host = ctx.get("host")
    upstream = ctx.get("upstream")
    if upstream is not None and upstream.data is True:
        hosts = ctx.get("upstream_hosts")
        members = [str(h.data) for h in (hosts.data if hosts is not None else [])]
        public_ip = any(_public_ip(m) for m in members)
        node.attrs["network"] = Attr("internet" if public_ip else "internal", None)
        return
    if host is None or host.data is UNKNOWN:
        node.attrs["network"] = Attr("unknown", None)
        return
    node.attrs["network"] = Attr(network_of(str(host.data)), None)


def _public_ip(member: str) -> bool:
    text = member.strip()
    if text.startswith("["):
        text = text[1: text.find("]")]
    elif text.count(":") == 1:
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text).is_global
    except ValueError:
        return False


# ---------------------------------------------------------------- logging (R16)

# nginx logs a client's failed TLS handshake (no shared cipher or protocol, bad or missing client
# certificate, unknown CA alerts) at level `info` (ngx_ssl_connection_error, "client SSL
# certificate verify error"); only OpenSSL errors nginx does not recognise reach `crit`. So only
# an error log at `info` or `debug` keeps the record of failed handshakes.
HANDSHAKE_LEVELS = frozenset({"info", "debug"})
DEFAULT_ERROR_LEVEL = "error"  # `error_log logs/error.log error;`
_DISCARD = "/dev/null"


def _pairs(v: Value | None) -> list[tuple[list[Any], Value]]:
    """A repeated directive as (its arguments, its value) per occurrence."""
    if v is None or not isinstance(v.data, list):
        return []
    return [([a.data for a in item.data], item) for item in v.data if isinstance(item.data, list)]


def _keeps_handshakes(args: list[Any]) -> Any:
    """Whether one `error_log target [level]` records failed handshakes (UNKNOWN when templated)."""
    target = args[0] if args else None
    level = args[1] if len(args) > 1 else DEFAULT_ERROR_LEVEL
    if target is UNKNOWN or level is UNKNOWN:
        return UNKNOWN
    text = str(target)
    if text == _DISCARD or text.startswith("memory:"):
        return False  # discarded, or kept only in a debugger-read memory buffer
    return str(level).lower() in HANDSHAKE_LEVELS


@hook("nginx_logging")
def nginx_logging(node: Node, res: NativeResource, ctx: Value) -> None:
    """`logging.tls_failures` from the effective `error_log` (any log of the nearest level that
    sets one keeps the record), `logging.access` from `access_log` (http servers only: stream
    servers log nothing unless told to)."""
    if not _is_tls(node):
        return
    errs = ctx.get("error_log")
    if errs is not None and errs.data is UNKNOWN:
        node.attrs["logging.tls_failures"] = Attr(UNKNOWN, errs.anchor, errs.origin)
    elif not _pairs(errs):
        node.attrs["logging.tls_failures"] = Attr(
            False, None, "error_log is not set: nginx logs at level error, and failed TLS handshakes at info")
    else:
        verdicts = [(_keeps_handshakes(args), item) for args, item in _pairs(errs)]
        kept = next((item for ok, item in verdicts if ok is True), None)
        unknown = next((item for ok, item in verdicts if ok is UNKNOWN), None)
        if kept is not None:
            node.attrs["logging.tls_failures"] = Attr(True, kept.anchor, kept.origin)
        elif unknown is not None:
            node.attrs["logging.tls_failures"] = Attr(UNKNOWN, unknown.anchor, unknown.origin)
        else:
            first = verdicts[0][1]
            node.attrs["logging.tls_failures"] = Attr(False, first.anchor, first.origin)
    context = ctx.get("context")
    if context is None or context.data != "http":
        return
    logs = ctx.get("access_log")
    if logs is not None and logs.data is UNKNOWN:
        node.attrs["logging.access"] = Attr(UNKNOWN, logs.anchor, logs.origin)
        return
    pairs = _pairs(logs)
    if not pairs:
        node.attrs["logging.access"] = Attr(True, None, "access_log is not set: nginx logs to logs/access.log")
        return
    for args, item in pairs:
        target = args[0] if args else None
        if target is UNKNOWN:
            node.attrs["logging.access"] = Attr(UNKNOWN, item.anchor, item.origin)
            return
        if str(target).lower() == "off" or str(target) == _DISCARD:
            node.attrs["logging.access"] = Attr(False, item.anchor, item.origin)
            return
    node.attrs["logging.access"] = Attr(True, pairs[0][1].anchor, pairs[0][1].origin)
