"""Derivations for Services (declared protocol per port, cloud load-balancer TLS annotations)
and cert-manager Certificates."""

from __future__ import annotations

import re

from ..model import Attr, NativeResource, Node
from ..normalize.mapping import hook
from ..tree import UNKNOWN, Value
from .hooks_workloads import set_owner
from .objects import child, items, text

# Service port name prefixes (Istio's `<protocol>[-suffix]` convention) and appProtocol values
_DECLARED = {
    "http": "HTTP", "http2": "HTTP2", "h2c": "HTTP2", "kubernetes.io/h2c": "HTTP2", "grpc": "GRPC",
    "grpc-web": "GRPC", "ws": "WS", "kubernetes.io/ws": "WS", "https": "HTTPS", "wss": "HTTPS",
    "kubernetes.io/wss": "HTTPS", "tls": "TLS", "grpcs": "GRPCS",
}
_AWS = "service.beta.kubernetes.io/aws-load-balancer-"
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|m|s|ms|us|ns)")
_SECONDS = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}


def _declared(port: Value) -> tuple[str, Value] | None:
    app = port.get("appProtocol")
    if app is not None and text(app):
        proto = _DECLARED.get((text(app) or "").lower())
        return (proto, app) if proto else None
    name = port.get("name")
    if name is not None and text(name):
        prefix = (text(name) or "").lower().split("-", 1)[0]
        proto = _DECLARED.get(prefix)
        if proto:
            return proto, name
    return None


def service_view(body: Value) -> Value | None:
    """The body of the derived `k8s:service` resource: the Service's ports that declare a
    protocol, or that a cloud load balancer serves with TLS (other ports say nothing to judge)."""
    ann = child(body, "metadata", "annotations")
    tls_lb = child(ann, _AWS + "ssl-cert") is not None
    ports = [p for p in items(child(body, "spec", "ports")) if tls_lb or _declared(p) is not None]
    if not ports:
        return None
    return Value({"ports": Value(ports, body.span), "spec": child(body, "spec") or Value({}, body.span),
                  "metadata": child(body, "metadata") or Value({}, body.span)}, body.span)


@hook("k8s_service_port")
def service_port(node: Node, res: NativeResource, ctx: Value) -> None:
    """One Service port: the protocol its name or appProtocol declares, or what a cloud load
    balancer in front of it terminates."""
    set_owner(node, res)
    port = ctx.get("port")
    number = port.data if port is not None and isinstance(port.data, int) else UNKNOWN
    node.id = f"{res.address}:{text(port) or '?'}"
    node.attrs["port"] = Attr(number, port.anchor if port is not None else None)
    spec = child(res.body, "spec")
    svc_type = text(child(spec, "type")) or "ClusterIP"
    ann = child(res.body, "metadata", "annotations")
    keys = ann.data if ann is not None and isinstance(ann.data, dict) else {}
    internal_lb = any(k in keys for k in (_AWS + "internal", "networking.gke.io/load-balancer-type",
                                          "service.beta.kubernetes.io/azure-load-balancer-internal"))
    exposed = svc_type in ("LoadBalancer", "NodePort")
    node.attrs["exposure"] = Attr("public" if svc_type == "LoadBalancer" and not internal_lb else
                                  "internal" if not exposed or internal_lb else "unknown", None)
    cert = child(ann, _AWS + "ssl-cert")
    if svc_type == "LoadBalancer" and cert is not None:
        _aws_tls(node, res, ann, cert, number)
        return
    declared = _declared(ctx)
    if declared is not None:
        node.attrs["protocol"] = Attr(declared[0], declared[1].anchor)
    else:
        proto = ctx.get("protocol")
        node.attrs["protocol"] = Attr((text(proto) or "TCP").upper(), proto.anchor if proto is not None else None)
    # a Service port declares a protocol, it does not prove one: R4 (the port/protocol pairing)
    # is judged here; plaintext entry is judged at the Ingress or Gateway, and a load
    # balancer's reach by the exposure rules (kubernetes_network.yaml)
    node.attrs["plaintext"] = Attr(UNKNOWN, None, "Service port")


def _aws_tls(node: Node, res: NativeResource, ann: Value | None, cert: Value, number: object) -> None:
    ports = child(ann, _AWS + "ssl-ports")
    listed = [p.strip() for p in (text(ports) or "*").split(",")]
    on_tls = "*" in listed or str(number) in listed or ports is None
    backend = (text(child(ann, _AWS + "backend-protocol")) or "tcp").lower()
    lb_type = (text(child(ann, _AWS + "type")) or "").lower()
    if not on_tls:
        node.attrs["protocol"] = Attr("HTTP" if backend in ("http", "https") else "TCP",
                                      ports.anchor if ports is not None else None)
        return
    node.attrs["protocol"] = Attr("HTTPS" if backend in ("http", "https") else "TLS", cert.anchor)
    pol = child(ann, _AWS + "ssl-negotiation-policy")
    table = "aws-elbv2" if lb_type in ("nlb", "external", "nlb-ip") else "aws-elb-classic"
    if pol is not None:
        node.attrs["tls.policy"] = Attr(pol.data, pol.anchor)
    else:
        default = "ELBSecurityPolicy-2016-08"
        node.attrs["tls.policy"] = Attr(default, None, "provider default")
    node.attrs["tls.policy_table"] = Attr(table, None)


def duration_days(raw: str) -> object:
    """A Go duration ("2160h", "8760h0m0s") in whole days."""
    parts = _DURATION.findall(raw)
    if not parts or "".join(n + u for n, u in parts) != raw.replace(" ", ""):
        return UNKNOWN
    seconds = sum(float(n) * _SECONDS[u] for n, u in parts)
    return int(seconds // 86400)


@hook("k8s_cert_manager_certificate")
def cert_manager_certificate(node: Node, res: NativeResource, ctx: Value) -> None:
    """cert-manager defaults: RSA 2048 (ECDSA 256), 90 days, renewed automatically."""
    spec = child(res.body, "spec")
    algo = child(spec, "privateKey", "algorithm")
    algo_name = (text(algo) or "RSA").upper()
    node.attrs["key_algorithm"] = Attr("ECDSA" if algo_name == "ECDSA" else algo_name,
                                       algo.anchor if algo is not None else None,
                                       None if algo is not None else "provider default")
    size = child(spec, "privateKey", "size")
    if size is not None:
        node.attrs["key_size"] = Attr(size.data if isinstance(size.data, int) else UNKNOWN, size.anchor)
    elif algo_name in ("RSA", "ECDSA"):
        node.attrs["key_size"] = Attr(2048 if algo_name == "RSA" else 256, None, "provider default")
    dur = child(spec, "duration")
    if dur is not None:
        node.attrs["validity_days"] = Attr(duration_days(text(dur) or "") if not dur.is_unknown() else UNKNOWN,
                                           dur.anchor)
    else:
        node.attrs["validity_days"] = Attr(90, None, "provider default")
    node.attrs["is_ca"] = Attr(child(spec, "isCA") is not None and child(spec, "isCA").data is True, None)  # type: ignore[union-attr]
    node.attrs["renewal"] = Attr("automatic", None)
    rot = child(spec, "privateKey", "rotationPolicy")
    if rot is not None:
        node.attrs["key_rotation"] = Attr((text(rot) or "").lower() != "never", rot.anchor)
