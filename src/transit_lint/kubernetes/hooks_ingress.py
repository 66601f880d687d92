"""Derivations for Ingress objects and the ingress-nginx controller ConfigMap."""

from __future__ import annotations

from typing import Any

from .. import tls
from ..model import Attr, NativeResource, Node
from ..normalize.mapping import hook
from ..tree import UNKNOWN, Value
from .hooks_workloads import set_owner
from .index import ObjectIndex, index_of
from .ingress import ALB, GCE, NGINX, TRAEFIK, covered, tls_hosts
from .objects import K8sObject, child, text

_NGINX = "nginx.ingress.kubernetes.io/"
_ALB = "alb.ingress.kubernetes.io/"
_TRAEFIK = "traefik.ingress.kubernetes.io/"
_BACKEND_PROTOCOLS = {"HTTP": "HTTP", "HTTPS": "HTTPS", "GRPC": "GRPC", "GRPCS": "GRPCS", "AUTO_HTTP": "HTTP",
                      "FCGI": "FCGI"}
_VERIFY_CLIENT = {"on": "required", "optional": "optional", "optional_no_ca": "optional_no_ca", "off": "none"}


def _obj(res: NativeResource) -> K8sObject:
    obj = res.meta["object"]
    assert isinstance(obj, K8sObject)
    return obj


def _ann(obj: K8sObject, key: str) -> Value | None:
    v = obj.annotation(key)
    return v if v is not None and not isinstance(v.data, (dict, list)) else None


def _is(v: Value | None, *words: str) -> bool:
    t = text(v)
    return t is not None and t.strip().lower() in words


def _config(res: NativeResource) -> Value | None:
    owner = res.meta.get("owner")
    cfg = owner.meta.get("ingress_nginx_config") if isinstance(owner, NativeResource) else None
    return cfg if isinstance(cfg, Value) else None


@hook("k8s_ingress_http")
def ingress_http(node: Node, res: NativeResource, ctx: Value) -> None:
    """One host served on port 80: plaintext unless the controller redirects or refuses it."""
    set_owner(node, res)
    obj = _obj(res)
    host_v = ctx.get("host")
    host = text(host_v)
    node.id = f"{obj.address}[{host}]:80"
    node.attrs["protocol"] = Attr("HTTP", ctx.anchor)
    hosts, hostless = tls_hosts(obj)
    is_covered = covered(None if host == "*" else host, hosts, hostless)
    ctl = res.meta.get("controller")
    if ctl == NGINX:
        _nginx_redirect(node, res, obj, is_covered)
    elif ctl == ALB:
        red = _ann(obj, _ALB + "ssl-redirect")
        node.attrs["redirect_to_https"] = (Attr(True, red.anchor) if red is not None else
                                           Attr(False, None, "no alb.ingress.kubernetes.io/ssl-redirect"))
    elif ctl == GCE:
        _gce(node, res, obj)
    elif ctl == TRAEFIK:
        _traefik(node, res, obj, is_covered)
    elif is_covered:
        node.attrs["redirect_to_https"] = Attr(UNKNOWN, None, "the ingress controller decides whether hosts "
                                                              "with TLS are redirected")
    else:
        node.attrs["redirect_to_https"] = Attr(False, None, "the host is not listed in spec.tls")


def _nginx_redirect(node: Node, res: NativeResource, obj: K8sObject, is_covered: bool) -> None:
    cfg = _config(res)
    force = _ann(obj, _NGINX + "force-ssl-redirect")
    if _is(force, "true"):
        assert force is not None
        node.attrs["redirect_to_https"] = Attr(True, force.anchor)
        return
    if force is None and _is(child(cfg, "force-ssl-redirect"), "true"):
        node.attrs["redirect_to_https"] = Attr(True, None, "ingress-nginx ConfigMap force-ssl-redirect")
        return
    if not is_covered:
        node.attrs["redirect_to_https"] = Attr(False, None, "ingress-nginx redirects only hosts listed in spec.tls")
        return
    red = _ann(obj, _NGINX + "ssl-redirect")
    if red is not None:
        on = not _is(red, "false")
        node.attrs["redirect_to_https"] = Attr(on, red.anchor)
    elif _is(child(cfg, "ssl-redirect"), "false"):
        node.attrs["redirect_to_https"] = Attr(False, None, "ingress-nginx ConfigMap ssl-redirect: false")
    else:
        node.attrs["redirect_to_https"] = Attr(True, None, "ingress-nginx redirects hosts with TLS by default")


def _gce(node: Node, res: NativeResource, obj: K8sObject) -> None:
    allow = _ann(obj, "kubernetes.io/ingress.allow-http")
    if _is(allow, "false"):
        assert allow is not None
        node.attrs["blocks_plaintext"] = Attr(True, allow.anchor)
    ref = _ann(obj, "networking.gke.io/v1beta1.FrontendConfig")
    idx = index_of(res)
    fc = idx.find(("FrontendConfig",), text(ref), obj.namespace) if idx is not None and ref is not None else None
    if fc is not None:
        on = child(fc.body, "spec", "redirectToHttps", "enabled")
        node.attrs["redirect_to_https"] = Attr(_truthy(on) is True, None, f"FrontendConfig {fc.name}")
    elif ref is not None:
        node.attrs["redirect_to_https"] = Attr(UNKNOWN, ref.anchor, "FrontendConfig not among the files given")
    else:
        node.attrs["redirect_to_https"] = Attr(False, None, "no FrontendConfig with redirectToHttps")


def _traefik(node: Node, res: NativeResource, obj: K8sObject, is_covered: bool) -> None:
    eps = text(_ann(obj, _TRAEFIK + "router.entrypoints"))
    router_tls = _ann(obj, _TRAEFIK + "router.tls")
    if eps is not None and "web" not in [e.strip() for e in eps.split(",")]:
        node.attrs["blocks_plaintext"] = Attr(True, None, f"router.entrypoints: {eps}")
    elif _is(router_tls, "true") or is_covered:
        # a router with TLS matches only on TLS entry points: plain HTTP gets a 404
        node.attrs["blocks_plaintext"] = Attr(True, router_tls.anchor if router_tls is not None else None,
                                              "the router is TLS-only")
    mws = text(_ann(obj, _TRAEFIK + "router.middlewares"))
    idx = index_of(res)
    if mws and idx is not None:
        node.attrs["redirect_to_https"] = _traefik_redirect(idx, mws, obj.namespace)
    else:
        node.attrs["redirect_to_https"] = Attr(False, None, "no redirectScheme middleware")


def _traefik_redirect(idx: ObjectIndex, names: str, namespace: str | None) -> Attr:
    """`ns-name@kubernetescrd` middleware references: any redirectScheme to https redirects."""
    unknown = False
    for ref in (n.strip() for n in names.split(",") if n.strip()):
        base = ref.split("@", 1)[0]
        mw = None
        for cand_ns, cand_name in _ns_name_splits(base, namespace):
            mw = idx.find(("Middleware",), cand_name, cand_ns)
            if mw is not None:
                break
        if mw is None:
            unknown = True
            continue
        if (text(child(mw.body, "spec", "redirectScheme", "scheme")) or "").lower() == "https":
            return Attr(True, None, f"Middleware {mw.name} redirects to https")
    return Attr(UNKNOWN, None, "middleware not among the files given") if unknown else Attr(False, None)


def _ns_name_splits(ref: str, namespace: str | None) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, str]] = [(namespace, ref)]
    parts = ref.split("-")
    for i in range(1, len(parts)):
        out.append(("-".join(parts[:i]), "-".join(parts[i:])))
    return out


def _truthy(v: Value | None) -> bool | None:
    if v is None:
        return None
    if isinstance(v.data, bool):
        return v.data
    t = text(v)
    return None if t is None else t.strip().lower() in ("true", "1", "yes", "on")


@hook("k8s_ingress_https")
def ingress_https(node: Node, res: NativeResource, ctx: Value) -> None:
    """The Ingress's HTTPS listener: per-Ingress TLS settings the controller reads."""
    set_owner(node, res)
    obj = _obj(res)
    node.id = f"{obj.address}:443"
    ctl = res.meta.get("controller")
    if ctl == NGINX:
        ciphers = _ann(obj, _NGINX + "ssl-ciphers")
        if ciphers is not None:
            openssl_ciphers(node, ciphers)
        secret = _ann(obj, _NGINX + "auth-tls-secret")
        verify = _ann(obj, _NGINX + "auth-tls-verify-client")
        if verify is not None:
            mode = _VERIFY_CLIENT.get((text(verify) or "").strip().lower(), UNKNOWN)
            node.attrs["tls.client_auth"] = Attr(mode, verify.anchor)
        elif secret is not None:
            node.attrs["tls.client_auth"] = Attr("required", secret.anchor)
        else:
            node.attrs["tls.client_auth"] = Attr("none", None)
    elif ctl == ALB:
        pol = _ann(obj, _ALB + "ssl-policy")
        if pol is not None:
            node.attrs["tls.policy"] = Attr(pol.data, pol.anchor)
        else:
            node.attrs["tls.policy"] = Attr("ELBSecurityPolicy-2016-08", None, "provider default")
        node.attrs["tls.policy_table"] = Attr("aws-elbv2", None)


def openssl_ciphers(node: Node, v: Value) -> None:
    if v.is_unknown() or not isinstance(v.data, str):
        node.attrs["tls.ciphers"] = Attr(UNKNOWN, v.anchor)
        return
    names, _unknown = tls.expand_openssl_cipher_string(v.data)
    node.attrs["tls.ciphers"] = Attr(names, v.anchor)


@hook("k8s_ingress_backend")
def ingress_backend(node: Node, res: NativeResource, ctx: Value) -> None:
    """The controller's hop to the backend Services (plain HTTP unless configured)."""
    set_owner(node, res)
    obj = _obj(res)
    node.id = f"{obj.address}->backends"
    ctl = res.meta.get("controller")
    key = {NGINX: _NGINX + "backend-protocol", ALB: _ALB + "backend-protocol"}.get(str(ctl))
    proto_v = _ann(obj, key) if key else None
    if proto_v is None:
        node.attrs["protocol"] = Attr("HTTP", None, "provider default")
        node.attrs["tls_mode"] = Attr("plaintext", None)
        node.attrs["tls_reason"] = Attr("the controller proxies to the Services over plain HTTP by default", None)
        return
    proto = _BACKEND_PROTOCOLS.get((text(proto_v) or "").strip().upper(), UNKNOWN)
    node.attrs["protocol"] = Attr(proto, proto_v.anchor)
    if proto == "FCGI":
        node.attrs["plaintext"] = Attr(True, proto_v.anchor)
    if proto in ("HTTP", "GRPC", "FCGI"):
        node.attrs["tls_mode"] = Attr("plaintext", proto_v.anchor)
        node.attrs["tls_reason"] = Attr(f"backend-protocol: {text(proto_v)}", None)
    elif proto in ("HTTPS", "GRPCS") and ctl == NGINX:
        verify = _ann(obj, _NGINX + "proxy-ssl-verify")
        if _is(verify, "on"):
            assert verify is not None
            node.attrs["tls_mode"] = Attr("verified", verify.anchor)
            node.attrs["tls_reason"] = Attr("proxy-ssl-verify: on", None)
            node.attrs["tls.ca_pinned"] = Attr(_ann(obj, _NGINX + "proxy-ssl-secret") is not None, verify.anchor)
        else:
            where = verify if verify is not None else proto_v
            node.attrs["tls_mode"] = Attr("encrypted-unverified", where.anchor)
            node.attrs["tls_reason"] = Attr("ingress-nginx does not verify backend certificates unless "
                                            "proxy-ssl-verify is \"on\" (default \"off\")", None)
        # the Secret holds the client certificate and key nginx presents to the backend (and its CA)
        secret = _ann(obj, _NGINX + "proxy-ssl-secret")
        node.attrs["client_cert"] = Attr(secret is not None, (secret if secret is not None else proto_v).anchor)
        ssl_protocols = _ann(obj, _NGINX + "proxy-ssl-protocols")
        if ssl_protocols is not None:
            min_version(node, ssl_protocols)


def min_version(node: Node, v: Value) -> None:
    """Lowest version in an nginx-style `ssl_protocols` list ("TLSv1.2 TLSv1.3")."""
    if v.is_unknown() or not isinstance(v.data, str):
        node.attrs["tls.min_version"] = Attr(UNKNOWN, v.anchor)
        return
    versions = [x for x in (tls.parse_version(t) for t in v.data.replace(",", " ").split()) if x]
    if versions:
        node.attrs["tls.min_version"] = Attr(min(versions, key=tls.version_rank), v.anchor)


@hook("k8s_nginx_config")
def nginx_config(node: Node, res: NativeResource, ctx: Value) -> None:
    """The controller's global TLS settings (ConfigMap keys; defaults from the ingress-nginx docs)."""
    set_owner(node, res)
    data = child(res.body, "data")
    protos = child(data, "ssl-protocols")
    if protos is not None:
        min_version(node, protos)
    ciphers = child(data, "ssl-ciphers")
    if ciphers is not None:
        openssl_ciphers(node, ciphers)
    hsts, age = child(data, "hsts"), child(data, "hsts-max-age")
    if _is(hsts, "false"):
        assert hsts is not None
        node.attrs["hsts.max_age"] = Attr(0, hsts.anchor)
    elif age is not None:
        node.attrs["hsts.max_age"] = Attr(_int(age), age.anchor)
    else:
        node.attrs["hsts.max_age"] = Attr(31536000, None, "provider default")


def _int(v: Value) -> Any:
    try:
        return int(text(v) or "")
    except ValueError:
        return UNKNOWN

