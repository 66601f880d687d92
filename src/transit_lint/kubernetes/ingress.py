"""Ingress objects read per controller: which hosts are served over HTTP, with or without a
redirect, which over HTTPS, and how the controller reaches the backends.

The Ingress API says nothing about port 80; each controller decides:
* ingress-nginx serves HTTP for every host and redirects the hosts listed in `spec.tls`
  (`ssl-redirect`, default "true"); `force-ssl-redirect: "true"` redirects the others too; the
  controller ConfigMap can change both defaults.
* AWS Load Balancer Controller listens where `alb.ingress.kubernetes.io/listen-ports` says
  (HTTP:80 by default, HTTPS:443 by default once a certificate is known) and redirects with
  `ssl-redirect`.
* GKE serves HTTP unless `kubernetes.io/ingress.allow-http: "false"`, and redirects only through
  a FrontendConfig with `redirectToHttps.enabled`.
* Traefik routes an Ingress with TLS on TLS entry points only (plain HTTP gets 404), and
  redirects through a `redirectScheme` Middleware.
Other controllers: a host without TLS is served in plaintext; for a host with TLS the redirect
is not known.
"""

from __future__ import annotations

import fnmatch
import json

from ..model import NativeResource
from ..spans import Span
from ..tree import Value
from .index import ObjectIndex
from .objects import K8sObject, child, items, text

NGINX = "nginx"
ALB = "alb"
GCE = "gce"
TRAEFIK = "traefik"
OTHER = "other"

_NGINX_PREFIX = "nginx.ingress.kubernetes.io/"
_ALB_PREFIX = "alb.ingress.kubernetes.io/"
_TRAEFIK_PREFIX = "traefik.ingress.kubernetes.io/"


def controller(obj: K8sObject) -> str:
    cls = text(child(obj.body, "spec", "ingressClassName")) or text(obj.annotation("kubernetes.io/ingress.class"))
    if cls:
        c = cls.lower()
        if "nginx" in c:
            return NGINX
        if c == "alb" or c.startswith("alb"):
            return ALB
        if c.startswith("gce"):
            return GCE
        if "traefik" in c:
            return TRAEFIK
        return OTHER
    keys = [k for k, _ in (child(obj.body, "metadata", "annotations") or Value({}, obj.header)).items()]
    for prefix, name in ((_NGINX_PREFIX, NGINX), (_ALB_PREFIX, ALB), (_TRAEFIK_PREFIX, TRAEFIK)):
        if any(k.startswith(prefix) for k in keys):
            return name
    if any(k.startswith(("networking.gke.io/", "ingress.gcp.kubernetes.io/")) or
           k == "kubernetes.io/ingress.global-static-ip-name" for k in keys):
        return GCE
    return OTHER


def tls_hosts(obj: K8sObject) -> tuple[list[str], bool]:
    """Hosts listed in spec.tls, and whether an entry lists none (it then covers the default host)."""
    hosts: list[str] = []
    hostless = False
    for t in items(child(obj.body, "spec", "tls")):
        hs = [text(h) or "" for h in items(t.get("hosts"))]
        hosts += [h for h in hs if h]
        hostless = hostless or not hs
    return hosts, hostless


def covered(host: str | None, hosts: list[str], hostless: bool) -> bool:
    if host is None:
        return hostless
    return any(h == host or (h.startswith("*.") and fnmatch.fnmatch(host, h)) for h in hosts)


def alb_listen_ports(obj: K8sObject) -> tuple[set[str], Value | None]:
    """Protocols the ALB listens with: `listen-ports` JSON, else HTTP, or HTTPS once a
    certificate is known (annotation or spec.tls)."""
    raw = obj.annotation(_ALB_PREFIX + "listen-ports")
    if raw is not None and isinstance(raw.data, str):
        try:
            ports = json.loads(raw.data)
            return {str(k).upper() for p in ports if isinstance(p, dict) for k in p}, raw
        except ValueError:
            return set(), raw
    has_cert = obj.annotation(_ALB_PREFIX + "certificate-arn") is not None or bool(tls_hosts(obj)[0])
    return ({"HTTPS"} if has_cert else {"HTTP"}), None


def ingress_view(obj: K8sObject, owner: NativeResource, index: ObjectIndex) -> NativeResource:
    """A derived resource listing the Ingress's HTTP listeners (one per host), its HTTPS
    listener and its backend hop, for the table rows in kubernetes_ingress.yaml."""
    ctl = controller(obj)
    spec = child(obj.body, "spec")
    hosts, _hostless = tls_hosts(obj)
    http: list[Value] = []
    rules = [r for r in items(child(spec, "rules")) if isinstance(r.data, dict)]
    for r in rules:
        h = r.get("host")
        anchor = h if h is not None else r
        http.append(Value({"host": Value(text(h) or "*", anchor.span)}, anchor.span, anchor.anchor))
    if not rules:
        dflt = child(spec, "defaultBackend") or child(spec, "backend")
        if dflt is not None:
            http.append(Value({"host": Value("*", dflt.anchor)}, dflt.span, dflt.anchor))
    serves_https = bool(hosts) or bool(items(child(spec, "tls")))
    if ctl == ALB:
        protos, _raw = alb_listen_ports(obj)
        serves_https = "HTTPS" in protos
        if "HTTP" not in protos:
            http = []
    tls_v = child(spec, "tls")
    https = [Value({}, tls_v.anchor if tls_v is not None else obj.header)] if serves_https else []
    header = obj.header
    body = Value({
        "http": Value(http, obj.body.span),
        "https": Value(https, obj.body.span),
        "backend": Value([Value({}, header)], obj.body.span),
    }, obj.body.span)
    return NativeResource(address=obj.address, type="k8s:ingress", format="kubernetes", path=owner.path,
                          span=owner.span, header=header, body=body,
                          meta={"owner": owner, "synthesized": True, "controller": ctl, "object": obj,
                                "k8s_index": index})


def header_line(v: Value) -> Span:
    a = v.anchor
    return Span(a.line, a.column, a.line, a.column + 1)
