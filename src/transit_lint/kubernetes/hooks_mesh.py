"""Derivations for service meshes and proxies: Istio DestinationRule and Gateway, Traefik
ServersTransport, TLSOption and IngressRoute, Linkerd policy objects, mesh-bypass annotations."""

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
# Linkerd access policies (default-inbound-policy annotation values, Server `accessPolicy`):
# the `*-unauthenticated` ones and `audit` let unmeshed clients in over plaintext
LINKERD_ACCESS_POLICY = {"all-unauthenticated": "PERMISSIVE", "cluster-unauthenticated": "PERMISSIVE",
                         "audit": "PERMISSIVE", "all-authenticated": "STRICT", "cluster-authenticated": "STRICT",
                         "deny": "STRICT"}
# authentications that only a meshed client with a TLS identity satisfies
_LINKERD_MTLS_AUTHN = ("MeshTLSAuthentication", "ServiceAccount")
_NO_ACCESS_POLICY = "a Server without accessPolicy (traffic no authorization allows is denied)"
_NO_AUTHN = "requiredAuthenticationRefs: [] (every client is admitted)"
_MTLS_AUTHN = "requiredAuthenticationRefs (a mesh TLS identity is required)"
_NETWORK_AUTHN = ("requiredAuthenticationRefs naming only NetworkAuthentication (clients admitted by address, "
                  "meshed or not)")


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
    where = mode_v.anchor if mode_v is not None else ctx.anchor
    if mode_v is not None and text(mode_v) is None:  # present but not known (a template value)
        for name in ("plaintext", "tls_mode", "client_cert"):
            node.attrs[name] = Attr(UNKNOWN, where)
        return
    mode = (text(mode_v) or "DISABLE").upper()  # ClientTLSSettings' default mode is DISABLE
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
        names, spans = tls.parse_cipher_items(((text(x) or "", x.anchor) for x in items(cs)), "auto")
        node.attrs["tls.ciphers"] = Attr(names, cs.anchor, None, spans)


@hook("k8s_traefik_transport")
def traefik_transport(node: Node, res: NativeResource, ctx: Value) -> None:
    """ServersTransport(TCP): how Traefik dials the backends that use it."""
    # client certificates for backend mTLS: Secrets, or a SPIFFE identity from the workload API
    certs, spiffe = ctx.get("certificatesSecrets"), ctx.get("spiffe")
    presents = bool(items(certs)) or (certs is not None and certs.is_unknown()) or spiffe is not None
    where = certs if certs is not None else spiffe
    node.attrs["client_cert"] = Attr(presents, where.anchor if where is not None else None)
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
        names, spans = tls.parse_cipher_items(((text(x) or "", x.anchor) for x in items(cs)), "go")
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



def _linkerd_scope(target: Value | None) -> str | None:
    kind, name = text(child(target, "kind")), text(child(target, "name"))
    return f"{kind} {name}" if kind and name else None


@hook("k8s_linkerd_server")
def linkerd_server(node: Node, res: NativeResource, ctx: Value) -> None:
    """A Server's `accessPolicy` (v1beta3) decides what happens to traffic no authorization
    matches; without it the Server denies such traffic. `proxyProtocol` (opaque included) only
    changes protocol detection: meshed traffic stays mutual TLS."""
    port = text(child(res.body, "spec", "port"))
    node.attrs["scope"] = Attr(f"port {port}" if port else "server", None)
    access = child(res.body, "spec", "accessPolicy")
    if access is None:
        node.attrs["mtls_mode"] = Attr("STRICT", None, _NO_ACCESS_POLICY)
        return
    mode = LINKERD_ACCESS_POLICY.get((text(access) or "").strip())
    node.attrs["mtls_mode"] = Attr(mode or UNKNOWN, access.anchor, f"accessPolicy: {text(access)}")


@hook("k8s_linkerd_authorization")
def linkerd_authorization(node: Node, res: NativeResource, ctx: Value) -> None:
    """An AuthorizationPolicy admits clients that satisfy ALL `requiredAuthenticationRefs`: a
    MeshTLSAuthentication or ServiceAccount among them requires mutual TLS; NetworkAuthentication
    alone (or no authentication at all) admits unmeshed, plaintext clients."""
    spec = child(res.body, "spec")
    scope = _linkerd_scope(child(spec, "targetRef"))
    if scope:
        node.attrs["scope"] = Attr(scope, None)
    refs_v = child(spec, "requiredAuthenticationRefs")
    if refs_v is None or refs_v.is_unknown():
        return
    refs = items(refs_v)
    kinds = [text(r.get("kind")) for r in refs]
    if not refs and isinstance(refs_v.data, list):
        node.attrs["mtls_mode"] = Attr("PERMISSIVE", refs_v.anchor, _NO_AUTHN)
    elif any(k in _LINKERD_MTLS_AUTHN for k in kinds):
        node.attrs["mtls_mode"] = Attr("STRICT", refs_v.anchor, _MTLS_AUTHN)
    elif kinds and all(k == "NetworkAuthentication" for k in kinds):
        node.attrs["mtls_mode"] = Attr("PERMISSIVE", refs[0].anchor, _NETWORK_AUTHN)
    else:
        node.attrs["mtls_mode"] = Attr(UNKNOWN, refs_v.anchor)


@hook("k8s_linkerd_server_authorization")
def linkerd_server_authorization(node: Node, res: NativeResource, ctx: Value) -> None:
    """The older ServerAuthorization: `client.unauthenticated: true` admits plaintext clients;
    `client.meshTLS` with identities or service accounts requires mutual TLS
    (`unauthenticatedTLS` requires TLS without a client identity: not read as either)."""
    spec = child(res.body, "spec")
    server = child(spec, "server")
    name = text(child(server, "name"))
    node.attrs["scope"] = Attr(f"Server {name}" if name else "Servers by selector", None)
    client = child(spec, "client")
    unauth = child(client, "unauthenticated")
    if unauth is not None and (unauth.data is True or text(unauth) == "true"):
        node.attrs["mtls_mode"] = Attr("PERMISSIVE", unauth.anchor, "client.unauthenticated: true")
        return
    mesh = child(client, "meshTLS")
    if child(mesh, "identities") is not None or child(mesh, "serviceAccounts") is not None:
        node.attrs["mtls_mode"] = Attr("STRICT", mesh.anchor if mesh is not None else None, "client.meshTLS")
