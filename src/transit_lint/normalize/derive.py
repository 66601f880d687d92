"""Derivations shared by every format, and the few per-resource hooks the tables name.

`finish` runs on every node after its table row: it computes the canonical TLS facts
(`tls.enabled`, `plaintext`, `tls.min_version`, `tls.ciphers`) from what the table mapped, so
that policies never need to know a provider's policy names.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .. import ports, tls
from ..model import Attr, NativeResource, Node
from ..tree import UNKNOWN, Value
from .mapping import hook
from .paths import resolve

TLS_PROTOCOLS = {"HTTPS", "TLS", "SSL", "GRPCS", "TLS_PASSTHROUGH"}
PLAINTEXT_PROTOCOLS = {"HTTP", "TCP", "UDP", "TCP_UDP", "GRPC", "HTTP2", "WS"}


def finish(node: Node) -> None:
    if node.kind not in ("endpoint", "connection", "tls_policy"):
        return  # firewall rules, mesh policies and certificates carry their own attributes
    if node.kind == "endpoint" and "exposure" not in node.attrs:
        node.attrs["exposure"] = Attr("unknown", None)  # tables set public/internal where they know
    proto = node.get("protocol")
    if proto is not None and "tls.enabled" not in node.attrs:
        p = proto.value
        if p is UNKNOWN:
            node.attrs["tls.enabled"] = Attr(UNKNOWN, proto.span)
        elif isinstance(p, str):
            node.attrs["tls.enabled"] = Attr(p.upper() in TLS_PROTOCOLS, proto.span, proto.origin)
    if proto is not None and "plaintext" not in node.attrs:
        node.attrs["plaintext"] = _plaintext(node, proto)
    _resolve_policy(node)


def _plaintext(node: Node, proto: Attr) -> Attr:
    p = proto.value
    if p is UNKNOWN or not isinstance(p, str):
        return Attr(UNKNOWN, proto.span)
    p = p.upper()
    if p not in PLAINTEXT_PROTOCOLS:
        return Attr(False, proto.span)
    if p in ("TCP", "UDP", "TCP_UDP"):
        # a TCP listener on a TLS port is most likely TLS passed through to the targets
        port = node.value("port")
        if not isinstance(port, int) or port in ports.port_set("tls"):
            return Attr(UNKNOWN, proto.span)
    return Attr(True, proto.span, proto.origin)


def _resolve_policy(node: Node) -> None:
    pol, table = node.get("tls.policy"), node.get("tls.policy_table")
    if pol is None or table is None or "tls.min_version" in node.attrs:
        return
    if pol.value is UNKNOWN or not isinstance(pol.value, str):
        node.attrs["tls.min_version"] = Attr(UNKNOWN, pol.span, pol.origin)
        return
    found = tls.lookup_policy(str(table.value), pol.value)
    if found is None:
        node.attrs["tls.min_version"] = Attr(UNKNOWN, pol.span, pol.origin)
        node.attrs["tls.policy_unrecognised"] = Attr(True, pol.span, pol.origin)
        return
    node.attrs["tls.min_version"] = Attr(found.min_version, pol.span, pol.origin)
    if found.ciphers is not None:
        node.attrs["tls.ciphers"] = Attr(list(found.ciphers), pol.span, pol.origin)


# ---- hooks named by tables -------------------------------------------------------------------


# cipher names no table knows that still announce a broken suite (read as weak, never dropped)
_WEAK_CIPHER_NAME = re.compile(r"NULL|EXPORT|EXP-|RC4|RC2|DES|MD5|ANON|ADH-|AECDH", re.I)
_OFF = ("false", "0", "off")


def classic_elb_policy(node: Node, entries: list[tuple[Value | None, Value | None]]) -> None:
    """A Classic ELB SSL negotiation policy, as its (name, value) attributes in either format.

    AWS takes `true`/`false`; an attribute listed with any other value states the intent and is
    read as enabled, only an explicit false switches it off. An attribute whose name or value
    is not known may enable anything: the minimum version is then UNKNOWN, unless a reference
    policy names it."""
    protocols: list[tuple[str, Value]] = []
    ciphers: list[str] = []
    cipher_spans = []
    unknown = False
    for name, value in entries:
        if name is None or not isinstance(name.data, str):
            unknown = unknown or (name is not None and name.data is UNKNOWN)
            continue
        if value is not None and value.data is UNKNOWN:
            unknown = True
            continue
        if name.data == "Reference-Security-Policy":
            if value is not None:
                node.attrs["tls.policy"] = Attr(value.data, name.anchor, value.origin)
                node.attrs["tls.policy_table"] = Attr("aws-elb-classic", None)
            continue
        enabled = value is None or str(value.data).strip().lower() not in _OFF
        if not enabled or name.data == "Server-Defined-Cipher-Order":
            continue
        if name.data.startswith("Protocol-"):
            protocols.append((name.data, name))
            continue
        iana, _unknown = tls.parse_cipher_list([name.data], "auto")
        if iana:
            ciphers.append(iana[0])
            cipher_spans.append(name.anchor)
        elif _WEAK_CIPHER_NAME.search(name.data):
            ciphers.append(name.data)
            cipher_spans.append(name.anchor)
    known = [(ver, v) for ver, v in ((tls.parse_version(n), v) for n, v in protocols) if ver is not None]
    if known:
        ver, v = min(known, key=lambda x: tls.version_rank(x[0]))
        node.attrs["tls.min_version"] = Attr(ver, v.anchor, v.origin)
    if ciphers:
        node.attrs["tls.ciphers"] = Attr(ciphers, cipher_spans[0], None, item_spans=cipher_spans)
    if "tls.policy" not in node.attrs and not known and not ciphers:
        node.attrs["tls.min_version"] = Attr(UNKNOWN, None)
    elif unknown and "tls.policy" not in node.attrs:
        node.attrs.setdefault("tls.min_version", Attr(UNKNOWN, None))


@hook("elb_classic_policy_attributes")
def elb_classic_policy_attributes(node: Node, res: NativeResource, ctx: Value) -> None:
    """Terraform: `policy_attribute { name value }` blocks (`attribute` on the negotiation policy)."""
    entries = [(item.get("name"), item.get("value"))
               for blk in resolve(ctx, "policy_attribute") + resolve(ctx, "attribute")
               for item in (blk.data if isinstance(blk.data, list) else [blk])]
    classic_elb_policy(node, entries)


@hook("cloudfront_default_certificate")
def cloudfront_default_certificate(node: Node, res: NativeResource, ctx: Value) -> None:
    """The *.cloudfront.net certificate forces TLSv1, whatever minimum_protocol_version says."""
    a = node.get("cloudfront_default_certificate")
    if a is not None and a.value is True:
        node.attrs["tls.min_version"] = Attr("1.0", a.span, "cloudfront_default_certificate = true forces TLSv1")
        node.attrs["tls.policy"] = Attr("TLSv1 (CloudFront default certificate)", a.span)


@hook("cloudfront_origin")
def cloudfront_origin(node: Node, res: NativeResource, ctx: Value) -> None:
    """A CloudFront origin hop. `origin_protocol_policy = match-viewer` forwards each request
    with the protocol the viewer used, so the hop is HTTPS only when every cache behaviour's
    `viewer_protocol_policies` (each format's table maps them) is https-only; redirect-to-https
    still lets a viewer's first request through, allow-all serves HTTP outright."""
    policy = node.get("origin_protocol_policy")
    if policy is not None and policy.value == "match-viewer":
        viewer = node.get("viewer_protocol_policies")
        if viewer is not None and viewer.value is UNKNOWN:
            node.attrs["protocol"] = Attr(UNKNOWN, policy.span)
        elif viewer is not None and isinstance(viewer.value, list) and viewer.value and all(
                isinstance(v, str) and v.lower() == "https-only" for v in viewer.value):
            node.attrs["protocol"] = Attr("HTTPS", policy.span)
    protos = node.get("tls.protocols")
    if protos is not None and isinstance(protos.value, list):
        versions = [tls.parse_version(p) for p in protos.value]
        known = [v for v in versions if v is not None]
        if known:
            low = min(known, key=tls.version_rank)
            idx = versions.index(low)
            span = protos.item_spans[idx] if protos.item_spans else protos.span
            node.attrs["tls.min_version"] = Attr(low, span, protos.origin)
    elif protos is not None and protos.value is UNKNOWN:
        node.attrs["tls.min_version"] = Attr(UNKNOWN, protos.span)


@hook("url_scheme")
def url_scheme(node: Node, res: NativeResource, ctx: Value) -> None:
    url = node.get("url")
    if url is None:
        return
    if not isinstance(url.value, str):
        node.attrs["protocol"] = Attr(UNKNOWN, url.span)
        return
    try:
        parts = urlsplit(url.value.strip())
    except ValueError:
        node.attrs["protocol"] = Attr(UNKNOWN, url.span)
        return
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        node.attrs["protocol"] = Attr(UNKNOWN, url.span)
        return
    node.attrs["scheme"] = Attr(scheme, url.span, url.origin)
    node.attrs["protocol"] = Attr(scheme.upper(), url.span, url.origin)
    if parts.hostname:
        node.attrs["host"] = Attr(parts.hostname, url.span, url.origin)
