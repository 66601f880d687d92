"""Derivations for Gateway API objects: Gateway listeners (HTTPRoute redirects, client
certificate validation) and backend hops (BackendTLSPolicy)."""

from __future__ import annotations

from ..model import Attr, NativeResource, Node
from ..normalize.mapping import hook
from ..tree import UNKNOWN, Value
from .index import ObjectIndex, index_of
from .objects import K8sObject, child, items, text

_ROUTE_KINDS = ("HTTPRoute", "GRPCRoute")


def _self(res: NativeResource) -> K8sObject | None:
    idx = index_of(res)
    if idx is None:
        return None
    for o in idx.objects:
        if o.body is res.body:
            return o
    return None


def _attached(idx: ObjectIndex, gw: K8sObject, listener: Value) -> list[K8sObject]:
    """Routes whose parentRefs name this Gateway and this listener (by section or port)."""
    name, port = text(listener.get("name")), text(listener.get("port"))
    out = []
    for route in idx.of_kind(*_ROUTE_KINDS):
        for ref in items(child(route.body, "spec", "parentRefs")):
            if text(ref.get("name")) != gw.name or (text(ref.get("kind")) or "Gateway") != "Gateway":
                continue
            ns = text(ref.get("namespace")) or route.namespace
            if ns and gw.namespace and ns != gw.namespace:
                continue
            section, ref_port = text(ref.get("sectionName")), text(ref.get("port"))
            if (section is None or section == name) and (ref_port is None or ref_port == port):
                out.append(route)
                break
    return out


def _redirects(rule: Value) -> bool:
    for f in items(rule.get("filters")):
        if text(f.get("type")) == "RequestRedirect" and \
                (text(child(f, "requestRedirect", "scheme")) or "").lower() == "https":
            return True
    return False


# Client certificate validation (GEP-91). Two shapes: the experimental listener field
# `tls.frontendValidation` (v1.1-v1.3) and the Gateway-wide `spec.tls.frontend` (`default`, and
# `perPort` overrides) that replaced it; `mode` defaults to AllowValidOnly.
_NO_VALIDATION = "no client certificate validation (neither spec.tls.frontend nor tls.frontendValidation)"
_FALLBACK_REASON = "validation mode AllowInsecureFallback (missing or failing client certificates are accepted)"


def _client_auth(gateway: Value, listener: Value, proto: Attr | None) -> Attr | None:
    """`tls.client_auth` of a listener that terminates TLS; None when it does not."""
    if proto is None or proto.value not in ("HTTPS", "TLS", "TLS_PASSTHROUGH"):
        return None
    if proto.value == "TLS_PASSTHROUGH":
        return Attr(UNKNOWN, None, "TLS passthrough: the backend, not the Gateway, authenticates clients")
    own = child(listener, "tls", "frontendValidation")
    if own is not None:
        return _validation(own)
    found, where = _gateway_validation(gateway, text(listener.get("port")))
    if where is None:
        return Attr("none", None, _NO_VALIDATION)
    if proto.value != "HTTPS":  # spec.tls.frontend covers HTTPS listeners; TLS ones are up to the implementation
        return Attr(UNKNOWN, None, f"{where} covers HTTPS listeners; for TLS listeners it is implementation-specific")
    if found is None:
        return Attr("none", None, f"{where}, which sets no client certificate validation")
    return _validation(found)


def _gateway_validation(gateway: Value, port: str | None) -> tuple[Value | None, str | None]:
    """The `validation` block that covers `port` (a `perPort` entry overrides `default`), and
    which setting it came from (None: the Gateway has no frontend TLS configuration)."""
    frontend = child(gateway, "spec", "tls", "frontend")
    if frontend is None:
        return None, None
    for entry in items(frontend.get("perPort")):
        if port is not None and text(entry.get("port")) == port:
            return child(entry, "tls", "validation"), f"spec.tls.frontend.perPort[{port}]"
    default = child(frontend, "default")
    return child(default, "validation"), "spec.tls.frontend.default" if default is not None else None


def _validation(v: Value) -> Attr:
    mode_v, refs_v = v.get("mode"), v.get("caCertificateRefs")
    mode = text(mode_v) if mode_v is not None else "AllowValidOnly"
    where = (mode_v or refs_v or v).anchor
    if mode == "AllowInsecureFallback":
        return Attr("optional_no_ca", where, _FALLBACK_REASON)
    if mode != "AllowValidOnly":
        return Attr(UNKNOWN, where, f"validation mode {mode or '(not static)'} is not known")
    if not items(refs_v):
        return Attr(UNKNOWN, where, "validation without caCertificateRefs is rejected by the API server")
    return Attr("required", where, "validation with caCertificateRefs, mode AllowValidOnly")


@hook("k8s_gateway_listener")
def gateway_listener(node: Node, res: NativeResource, ctx: Value) -> None:
    name = text(ctx.get("name")) or "?"
    node.id = f"{res.address}/{name}"
    proto = node.get("protocol")
    mode = text(child(ctx, "tls", "mode"))
    if proto is not None and proto.value == "TLS" and (mode or "").lower() == "passthrough":
        node.attrs["protocol"] = Attr("TLS_PASSTHROUGH", proto.span)
    cls = (text(child(res.body, "spec", "gatewayClassName")) or "").lower()
    node.attrs["exposure"] = Attr("internal" if ("internal" in cls or "private" in cls) else "public", None)
    client_auth = _client_auth(res.body, ctx, node.get("protocol"))
    if client_auth is not None:
        node.attrs["tls.client_auth"] = client_auth
    if proto is None or proto.value != "HTTP":
        return
    idx, gw = index_of(res), _self(res)
    routes = _attached(idx, gw, ctx) if idx is not None and gw is not None else []
    if not routes:
        node.attrs["redirect_to_https"] = Attr(UNKNOWN, None, "no route attached to this listener in the files given")
        return
    for route in routes:
        for rule in items(child(route.body, "spec", "rules")):
            if not _redirects(rule):
                node.attrs["redirect_to_https"] = Attr(False, None, f"{route.kind} {route.name} serves it over HTTP")
                return
    node.attrs["redirect_to_https"] = Attr(True, None, "every attached route redirects to https")


@hook("k8s_route_backend")
def route_backend(node: Node, res: NativeResource, ctx: Value) -> None:
    """The gateway's hop to one backend Service: TLS only with a BackendTLSPolicy for it."""
    svc = text(ctx.get("name"))
    kind = text(ctx.get("kind")) or "Service"
    node.id = f"{res.address}->{svc}"
    node.attrs["host"] = Attr(svc, ctx.anchor)
    idx = index_of(res)
    me = _self(res)
    if kind != "Service" or (text(ctx.get("group")) or "") != "" or idx is None or me is None:
        node.attrs["protocol"] = Attr(UNKNOWN, ctx.anchor)
        return
    ns = text(ctx.get("namespace")) or me.namespace
    policy, why = _backend_tls_policy(idx, svc, ns, text(ctx.get("port")))
    if policy is None and why:
        node.attrs["protocol"] = Attr(UNKNOWN, ctx.anchor, why)
        return
    if policy is None:
        node.attrs["protocol"] = Attr("HTTP", ctx.anchor)
        node.attrs["tls_mode"] = Attr("plaintext", ctx.anchor)
        node.attrs["tls_reason"] = Attr(f"no BackendTLSPolicy targets Service {svc}", None)
        return
    node.attrs["protocol"] = Attr("HTTPS", ctx.anchor, f"BackendTLSPolicy {policy.name}")
    presents = _gateways_present_client_cert(idx, me)
    if presents is not None:
        node.attrs["client_cert"] = Attr(presents, ctx.anchor)
    # v1alpha3 and v1: spec.validation.{caCertificateRefs, wellKnownCACertificates};
    # v1alpha2: spec.tls.{caCertRefs, wellKnownCACerts}
    validation = child(policy.body, "spec", "validation") or child(policy.body, "spec", "tls")
    cas = child(validation, "caCertificateRefs") or child(validation, "caCertRefs")
    known = child(validation, "wellKnownCACertificates") or child(validation, "wellKnownCACerts")
    if items(cas) or text(known):
        node.attrs["tls_mode"] = Attr("verified", ctx.anchor)
        node.attrs["tls_reason"] = Attr(f"BackendTLSPolicy {policy.name} validates the certificate", None)
        node.attrs["tls.ca_pinned"] = Attr(bool(items(cas)), ctx.anchor)
    else:
        node.attrs["tls_mode"] = Attr("unknown", ctx.anchor)


def _gateways_present_client_cert(idx: ObjectIndex, route: K8sObject) -> bool | None:
    """Whether every Gateway the route attaches to presents a client certificate to TLS backends
    (`spec.tls.backend.clientCertificateRef`; the experimental `spec.backendTLS` before it);
    None when a parent Gateway is not in the files."""
    parents = [ref for ref in items(child(route.body, "spec", "parentRefs"))
               if (text(ref.get("kind")) or "Gateway") == "Gateway"]
    if not parents:
        return None
    for ref in parents:
        gw = idx.find(("Gateway",), text(ref.get("name")), text(ref.get("namespace")) or route.namespace)
        if gw is None:
            return None
        cert = child(gw.body, "spec", "tls", "backend", "clientCertificateRef") or \
            child(gw.body, "spec", "backendTLS", "clientCertificateRef")
        if cert is None:
            return False
    return True


def _backend_tls_policy(idx: ObjectIndex, svc: str | None, ns: str | None, port: str | None
                        ) -> tuple[K8sObject | None, str | None]:
    """The BackendTLSPolicy for one Service port, or (None, why) when that cannot be known: a
    `targetRefs` entry with `sectionName` names a Service port, so the Service must be in the files."""
    whole, section, unsure = None, None, None
    for p in idx.of_kind("BackendTLSPolicy"):
        if p.namespace and ns and p.namespace != ns:
            continue
        refs = items(child(p.body, "spec", "targetRefs")) or [v for v in [child(p.body, "spec", "targetRef")] if v]
        for r in refs:
            if text(r.get("name")) != svc or (text(r.get("kind")) or "Service") != "Service":
                continue
            name = text(r.get("sectionName"))
            if name is None:
                whole = whole or p
                continue
            matched = _port_named(idx, svc, ns, name, port)
            if matched is None:
                unsure = f"BackendTLSPolicy {p.name} covers port {name} of Service {svc}, which is not in the files"
            elif matched:
                section = section or p
    if section is not None or whole is not None:
        return section or whole, None
    return None, unsure


def _port_named(idx: ObjectIndex, svc: str | None, ns: str | None, name: str, port: str | None) -> bool | None:
    """Whether the Service port called `name` is `port` (None: the Service is not in the files)."""
    service = next((o for o in idx.of_kind("Service") if o.group == "core" and o.name == svc
                    and (o.namespace is None or ns is None or o.namespace == ns)), None)
    if service is None or port is None:
        return None
    return any(text(p.get("name")) == name and text(p.get("port")) == port
               for p in items(child(service.body, "spec", "ports")))
