"""Resources derived from the objects: the specific readings some objects need, and the
cross-object facts (which ConfigMap configures the ingress controller, which CA etcd shares).

Derived resources carry `meta["synthesized"] = True` (a reader that walks every resource's body
can skip them: their values are also in the owning object) and `meta["owner"]`.
"""

from __future__ import annotations

import re

from ..model import NativeResource
from ..spans import Span
from ..tree import Value
from . import controlplane
from .flags import CommandLine
from .index import ObjectIndex
from .ingress import ingress_view
from .objects import K8sObject, child, containers, pod_specs, text

# environment variables that switch certificate verification off for the whole process
_UNVERIFIED_ENV: dict[str, tuple[tuple[str, ...], str]] = {
    "NODE_TLS_REJECT_UNAUTHORIZED": (("0",), "Node.js accepts any server certificate"),
    "PYTHONHTTPSVERIFY": (("0",), "Python's HTTPS clients skip certificate verification (PEP 493)"),
    "GIT_SSL_NO_VERIFY": (("1", "true", "yes"), "git accepts any server certificate"),
    "LDAPTLS_REQCERT": (("never", "allow"), "OpenLDAP clients accept any server certificate"),
    "CURL_INSECURE": (("1", "true", "yes"), "curl accepts any server certificate"),
}
_UNVERIFIED_ENV_SUFFIX = re.compile(
    r"(?:^|_)(?:INSECURE_SKIP_(?:TLS_)?VERIFY|SKIP_(?:TLS_|SSL_)?VERIFY|TLS_INSECURE|SSL_INSECURE|"
    r"INSECURE_TLS|TLS_SKIP_VERIFY|SSL_NO_VERIFY)$")
_TRUE = ("1", "true", "yes", "on")
_INSECURE_FLAGS = {
    "serverstransport.insecureskipverify": "Traefik accepts any backend certificate",
}

# mesh annotations (pod template or Namespace) that take traffic out of mutual TLS
_LINKERD_POLICY = {"all-unauthenticated": "PERMISSIVE", "cluster-unauthenticated": "PERMISSIVE",
                   "audit": "PERMISSIVE", "all-authenticated": "STRICT", "cluster-authenticated": "STRICT",
                   "deny": "STRICT"}
_SKIP_PORTS = ("config.linkerd.io/skip-inbound-ports", "config.linkerd.io/skip-outbound-ports",
               "traffic.sidecar.istio.io/excludeInboundPorts", "traffic.sidecar.istio.io/excludeOutboundPorts")
_INJECT_OFF = {"linkerd.io/inject": ("disabled",), "sidecar.istio.io/inject": ("false",)}

_NGINX_CONFIGMAPS = {"ingress-nginx-controller", "nginx-configuration", "nginx-ingress-controller",
                     "ingress-nginx", "nginx-ingress"}


def derived_resources(objects: list[K8sObject], natives: list[NativeResource]) -> list[NativeResource]:
    index = ObjectIndex(objects)
    out: list[NativeResource] = []
    lines: list[CommandLine] = []
    for obj, res in zip(objects, natives, strict=True):
        res.meta["index"] = index
        comps, cls = controlplane.from_containers(obj, res)
        out += comps
        lines += cls
        out += tls_switches(obj, res)
        mesh = mesh_annotations(obj, res)
        if mesh is not None:
            out.append(mesh)
        if obj.kind == "Ingress" and obj.group in ("networking.k8s.io", "extensions"):
            out.append(ingress_view(obj, res, index))
        if obj.type == "kubelet.config.k8s.io/KubeletConfiguration":
            out.append(controlplane.from_kubelet_config(obj, res))
        elif obj.group == "kubeadm.k8s.io" and obj.kind == "ClusterConfiguration":
            out += controlplane.from_kubeadm(obj, res)
        elif obj.group == "kubeadm.k8s.io" and obj.kind in ("InitConfiguration", "JoinConfiguration"):
            out += controlplane.from_kubeadm_node(obj, res)
    controlplane.link_shared_cas(out)
    out += ingress_nginx_configs(objects, natives, lines)
    return out


def tls_switches(obj: K8sObject, owner: NativeResource) -> list[NativeResource]:
    """One resource per container that sets an environment variable turning verification off."""
    out: list[NativeResource] = []
    for spec, _meta in pod_specs(obj):
        for c in containers(spec):
            found: list[Value] = []
            env = c.get("env")
            for e in env.data if env is not None and isinstance(env.data, list) else []:
                name, val = text(e.get("name")), text(e.get("value"))
                if not name or val is None:
                    continue
                reason = _switch(name, val.strip().lower())
                if reason:
                    v = e.get("value")
                    assert v is not None
                    found.append(Value({"name": Value(name, v.span),
                                        "reason": Value(f"{name}={val}: {reason}", v.span)}, v.span, e.span))
            found += _flag_switches(c)
            if not found:
                continue
            cname = text(c.get("name")) or "container"
            body = Value({"tls_switches": Value(found, c.span)}, c.span)
            header = c.get("name").anchor if c.get("name") is not None else c.span  # type: ignore[union-attr]
            out.append(NativeResource(address=f"{obj.address}/{cname}", type="k8s:container", format="kubernetes",
                                      path=owner.path, span=c.span, header=header, body=body,
                                      meta={"owner": owner, "synthesized": True}))
    return out


def _flag_switches(container: Value) -> list[Value]:
    """Command-line flags that turn backend verification off for a whole proxy (Traefik's
    static configuration)."""
    from .flags import command_line

    cl = command_line(container)
    if cl is None:
        return []
    out: list[Value] = []
    for flag, what in _INSECURE_FLAGS.items():
        v = cl.flags.get(flag)
        if v is not None and (text(v) or "").lower() in _TRUE:
            out.append(Value({"name": Value(f"--{flag}", v.span),
                              "reason": Value(f"--{flag}={text(v)}: {what}", v.span)}, v.span, v.key_span))
    return out


def _switch(name: str, value: str) -> str | None:
    known = _UNVERIFIED_ENV.get(name.upper())
    if known is not None:
        return known[1] if value in known[0] else None
    if _UNVERIFIED_ENV_SUFFIX.search(name.upper()) and value in _TRUE:
        return "the client this setting configures accepts any server certificate"
    return None


def ingress_nginx_configs(objects: list[K8sObject], natives: list[NativeResource], lines: list[CommandLine]
                          ) -> list[NativeResource]:
    """The ingress-nginx controller's ConfigMap (named by `--configmap=ns/name` or the chart's
    default names), read as the controller's global TLS settings; each Ingress gets it in
    `meta["ingress_nginx_config"]` for the redirect default."""
    named = {text(cl.flags.get("configmap")) for cl in lines if "configmap" in cl.flags}
    names = {n.rsplit("/", 1)[-1] for n in named if n} | _NGINX_CONFIGMAPS
    out: list[NativeResource] = []
    config: NativeResource | None = None
    for obj, res in zip(objects, natives, strict=True):
        name = obj.name or ""
        if obj.type == "core/ConfigMap" and (name in names or name.endswith("-ingress-nginx-controller")):
            data = child(obj.body, "data") or Value({}, obj.body.span)
            config = NativeResource(address=obj.address, type="ingress-nginx:config", format="kubernetes",
                                    path=res.path, span=res.span, header=res.header,
                                    body=Value({"data": data}, res.span),
                                    meta={"owner": res, "synthesized": True})
            out.append(config)
    if config is not None:
        for res in natives:
            if res.meta.get("kind") == "Ingress":
                res.meta["ingress_nginx_config"] = config.body.data["data"]
    return out


def mesh_annotations(obj: K8sObject, owner: NativeResource) -> NativeResource | None:
    """Linkerd / Istio annotations that weaken or bypass mesh mTLS, on a Namespace or a pod
    template, as mesh_policy entries."""
    metas = [child(obj.body, "metadata")] if obj.kind == "Namespace" else [m for _s, m in pod_specs(obj)]
    entries: list[Value] = []
    for meta in metas:
        ann = child(meta, "annotations")
        if ann is None or not isinstance(ann.data, dict):
            continue
        for key, v in ann.data.items():
            val = (text(v) or "").strip()
            mode = None
            if key == "config.linkerd.io/default-inbound-policy":
                mode = _LINKERD_POLICY.get(val)
            elif (key in _SKIP_PORTS and val) or (key in _INJECT_OFF and val.lower() in _INJECT_OFF[key]):
                mode = "DISABLE"
            if mode is None:
                continue
            scope = "ports " + val if key in _SKIP_PORTS else ("namespace" if obj.kind == "Namespace" else "workload")
            entries.append(Value({"annotation": Value(key, v.span), "mode": Value(mode, v.span, v.key_span),
                                  "scope": Value(scope, v.span)}, v.span, v.key_span))
    if not entries:
        return None
    return NativeResource(address=obj.address, type="k8s:mesh-annotations", format="kubernetes", path=owner.path,
                          span=owner.span, header=owner.header, body=Value({"entries": Value(entries, owner.span)},
                                                                             owner.span),
                          meta={"owner": owner, "synthesized": True})


def header_line(v: Value) -> Span:
    a = v.anchor
    return Span(a.line, a.column, a.line, a.column + 1)
