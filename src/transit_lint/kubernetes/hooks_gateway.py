"""Derivations for Gateway API objects: Gateway listeners, HTTPRoute redirects and backend hops
(BackendTLSPolicy)."""

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
    if kind != "Service" or idx is None or me is None:
        node.attrs["protocol"] = Attr(UNKNOWN, ctx.anchor)
        return
    ns = text(ctx.get("namespace")) or me.namespace
    policy = None
    for p in idx.of_kind("BackendTLSPolicy"):
        if p.namespace and ns and p.namespace != ns:
            continue
        refs = items(child(p.body, "spec", "targetRefs")) or [v for v in [child(p.body, "spec", "targetRef")] if v]
        if any(text(r.get("name")) == svc and (text(r.get("kind")) or "Service") == "Service" for r in refs):
            policy = p
            break
    if policy is None:
        node.attrs["protocol"] = Attr("HTTP", ctx.anchor)
        node.attrs["tls_mode"] = Attr("plaintext", ctx.anchor)
        node.attrs["tls_reason"] = Attr(f"no BackendTLSPolicy targets Service {svc}", None)
        return
    node.attrs["protocol"] = Attr("HTTPS", ctx.anchor, f"BackendTLSPolicy {policy.name}")
    validation = child(policy.body, "spec", "validation")
    cas = child(validation, "caCertificateRefs")
    known = child(validation, "wellKnownCACertificates")
    if items(cas) or text(known):
        node.attrs["tls_mode"] = Attr("verified", ctx.anchor)
        node.attrs["tls_reason"] = Attr(f"BackendTLSPolicy {policy.name} validates the certificate", None)
        node.attrs["tls.ca_pinned"] = Attr(bool(items(cas)), ctx.anchor)
    else:
        node.attrs["tls_mode"] = Attr("unknown", ctx.anchor)
