"""Derivations for service meshes and proxies: Istio DestinationRule and Gateway, Traefik
ServersTransport, TLSOption and IngressRoute, mesh-bypass annotations."""

from __future__ import annotations

from .. import tls
from ..model import Attr, NativeResource, Node
from ..normalize.mapping import hook
from ..tree import UNKNOWN, Value
from .hooks_workloads import set_owner
from .index import index_of
from .objects import child, items, text

_ISTIO_CLIENT_AUTH = {"MUTUAL": "required", "ISTIO_MUTUAL": "required", "OPTIONAL_MUTUAL": "optional",
                      "SIMPLE": "none", "PASSTHROUGH": None, "AUTO_PASSTHROUGH": None}
_TRAEFIK_CLIENT_AUTH = {"NoClientCert": "none", "RequestClientCert": "optional_no_ca",
                        "RequireAnyClientCert": "unverified", "VerifyClientCertIfGiven": "optional",
                        "RequireAndVerifyClientCert": "required"}


def _network(host: str | None) -> str:
    """In-mesh names (short names, *.svc, *.cluster.local) are internal; other FQDNs leave it."""
    if not host or host == "*":
        return "unknown"
    h = host.lower().rstrip(".")
    if "." not in h or h.endswith((".svc", ".local", ".internal")) or ".svc." in h:
        return "internal"
    return "internet"


@hook("k8s_istio_client_tls")
def istio_client_tls(node: Node, res: NativeResource, ctx: Value) -> None:
    """A DestinationRule ClientTLSSettings block: how sidecars/gateways dial `spec.host`."""
    host = text(child(res.body, "spec", "host"))
    node.id = f"{res.address}->{host}" + (f" ({node.id.rsplit('#', 1)[-1]})" if "#" in node.id else "")
    node.attrs["host"] = Attr(host, None)
    node.attrs["network"] = Attr(_network(host), None)
    mode_v = ctx.get("mode")
    mode = (text(mode_v) or "DISABLE").upper()
    where = mode_v.anchor if mode_v is not None else ctx.anchor
    if mode == "DISABLE":
        node.attrs["protocol"] = Attr("TCP", where)
        node.attrs["plaintext"] = Attr(True, where)
        node.attrs["tls_mode"] = Attr("plaintext", where)
        node.attrs["tls_reason"] = Attr("tls.mode: DISABLE", None)
        return
    node.attrs["plaintext"] = Attr(False, where)
    node.attrs["client_cert"] = Attr(mode in ("MUTUAL", "ISTIO_MUTUAL"), where)
    skip = ctx.get("insecureSkipVerify")
    if skip is not None and (skip.data is True or text(skip) == "true"):
        node.attrs["tls_mode"] = Attr("encrypted-unverified", skip.anchor)
        node.attrs["tls_reason"] = Attr("insecureSkipVerify: true", None)
        return
    node.attrs["tls_mode"] = Attr("verified", where)
    node.attrs["tls_reason"] = Attr(f"tls.mode: {mode}", None)
    if mode in ("SIMPLE", "MUTUAL"):
        pinned = ctx.get("caCertificates") is not None or ctx.get("credentialName") is not None
        node.attrs["tls.ca_pinned"] = Attr(pinned, where)


@hook("k8s_istio_server")
def istio_server(node: Node, res: NativeResource, ctx: Value) -> None:
    """An Istio Gateway server: port, protocol, HTTPS redirect, server TLS settings."""
    name = text(child(ctx, "port", "name")) or text(child(ctx, "port", "number")) or "?"
    node.id = f"{res.address}/{name}"
    t = ctx.get("tls")
    if t is None:
        return
    redirect = t.get("httpsRedirect")
    if redirect is not None:
        node.attrs["redirect_to_https"] = Attr(redirect.data is True or text(redirect) == "true", redirect.anchor)
    mode_v = t.get("mode")
    mode = (text(mode_v) or "").upper()
    if mode_v is not None and mode in _ISTIO_CLIENT_AUTH and _ISTIO_CLIENT_AUTH[mode] is not None:
        node.attrs["tls.client_auth"] = Attr(_ISTIO_CLIENT_AUTH[mode], mode_v.anchor)
    mv = t.get("minProtocolVersion")
    if mv is not None:
        node.attrs["tls.min_version"] = Attr(tls.parse_version(text(mv)) or UNKNOWN, mv.anchor)
    cs = t.get("cipherSuites")
    if cs is not None and isinstance(cs.data, list):
        names, spans = [], []
        for x in items(cs):
            iana, _ = tls.parse_cipher_list([text(x) or ""], "auto")
            if iana and iana[0] not in names:
                names.append(iana[0])
                spans.append(x.anchor)
        node.attrs["tls.ciphers"] = Attr(names, cs.anchor, None, spans)


@hook("k8s_traefik_transport")
def traefik_transport(node: Node, res: NativeResource, ctx: Value) -> None:
    """ServersTransport(TCP): how Traefik dials the backends that use it."""
    skip = ctx.get("insecureSkipVerify")
    if skip is not None and (skip.data is True or text(skip) == "true"):
        node.attrs["tls_mode"] = Attr("encrypted-unverified", skip.anchor)
        node.attrs["tls_reason"] = Attr("insecureSkipVerify: true skips the backend certificate check", None)
    else:
        node.attrs["tls_mode"] = Attr("verified", skip.anchor if skip is not None else None)
        node.attrs["tls_reason"] = Attr("backend certificates are verified", None)
        node.attrs["tls.ca_pinned"] = Attr(ctx.get("rootCAs") is not None or ctx.get("rootCAsSecrets") is not None,
                                           None)


@hook("k8s_traefik_tls_option")
def traefik_tls_option(node: Node, res: NativeResource, ctx: Value) -> None:
    spec = child(res.body, "spec")
    mv = child(spec, "minVersion")
    if mv is not None:
        node.attrs["tls.min_version"] = Attr(tls.parse_version(text(mv)) or UNKNOWN, mv.anchor)
    cs = child(spec, "cipherSuites")
    if cs is not None:
        names, spans = [], []
        for x in items(cs):
            iana, _ = tls.parse_cipher_list([text(x) or ""], "go")
            if iana and iana[0] not in names:
                names.append(iana[0])
                spans.append(x.anchor)
        node.attrs["tls.ciphers"] = Attr(names, cs.anchor, None, spans)
    ca = child(spec, "clientAuth", "clientAuthType")
    if ca is not None:
        node.attrs["tls.client_auth"] = Attr(_TRAEFIK_CLIENT_AUTH.get(text(ca) or "", UNKNOWN), ca.anchor)


@hook("k8s_traefik_route")
def traefik_route(node: Node, res: NativeResource, ctx: Value) -> None:
    """An IngressRoute without `tls` serves its entry points in plaintext; a redirectScheme
    middleware on every route redirects."""
    spec = child(res.body, "spec")
    eps = child(spec, "entryPoints")
    if child(spec, "tls") is not None:
        node.attrs["protocol"] = Attr("HTTPS", child(spec, "tls").anchor)  # type: ignore[union-attr]
        return
    node.attrs["protocol"] = Attr("HTTP", eps.anchor if eps is not None else None)
    idx = index_of(res)
    verdict: Attr = Attr(True, None, "every route redirects to https")
    for route in items(child(spec, "routes")):
        mws = [text(m.get("name")) for m in items(route.get("middlewares"))]
        found = [idx.find(("Middleware",), m, text(child(res.body, "metadata", "namespace")))
                 for m in mws if m] if idx is not None else []
        if any(m is not None and (text(child(m.body, "spec", "redirectScheme", "scheme")) or "").lower() == "https"
               for m in found):
            continue
        if any(m is None for m in found) or (mws and idx is None):
            verdict = Attr(UNKNOWN, None, "middleware not among the files given")
            continue
        verdict = Attr(False, route.anchor, "a route has no redirectScheme middleware")
        break
    node.attrs["redirect_to_https"] = verdict


@hook("k8s_mesh_bypass")
def mesh_bypass(node: Node, res: NativeResource, ctx: Value) -> None:
    set_owner(node, res)
    node.id = f"{res.address}[{text(ctx.get('annotation'))}]"
    mode = ctx.get("mode")
    if mode is not None:
        node.attrs["mtls_mode"] = Attr(mode.data, mode.anchor)
    scope = ctx.get("scope")
    if scope is not None:
        node.attrs["scope"] = Attr(scope.data, None)

