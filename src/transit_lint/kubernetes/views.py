"""Resources derived from the objects: the specific readings some objects need, and the
cross-object facts (which ConfigMap configures the ingress controller, which CA etcd shares).

Derived resources carry `meta["synthesized"] = True` (a reader that walks every resource's body
can skip them: their values are also in the owning object) and `meta["owner"]`.
"""

from __future__ import annotations

from ..model import NativeResource
from ..spans import Span
from ..tree import Value
from . import controlplane
from .flags import CommandLine, container_commands
from .hooks_mesh import LINKERD_ACCESS_POLICY as _LINKERD_POLICY
from .hooks_service import service_view
from .index import ObjectIndex
from .ingress import ingress_view
from .objects import K8sObject, child, pod_specs, text

_TRUE = ("1", "true", "yes", "on")
_INSECURE_FLAGS = {
    "serverstransport.insecureskipverify": "Traefik accepts any backend certificate",
}

# mesh annotations (pod template or Namespace) that take traffic out of mutual TLS
_SKIP_PORTS = ("config.linkerd.io/skip-inbound-ports", "config.linkerd.io/skip-outbound-ports",
               "traffic.sidecar.istio.io/excludeInboundPorts", "traffic.sidecar.istio.io/excludeOutboundPorts")
_INJECT_OFF = {"linkerd.io/inject": ("disabled",), "sidecar.istio.io/inject": ("false",)}

_NGINX_CONFIGMAPS = {"ingress-nginx-controller", "nginx-configuration", "nginx-ingress-controller",
                     "ingress-nginx", "nginx-ingress"}


def derived_resources(objects: list[K8sObject], natives: list[NativeResource]) -> list[NativeResource]:
    index = ObjectIndex(objects)
    kubeadm_files = {o.path for o in objects if o.group == "kubeadm.k8s.io"}
    link_references(objects, natives)
    out: list[NativeResource] = []
    lines: list[CommandLine] = []
    for obj, res in zip(objects, natives, strict=True):
        res.meta["k8s_index"] = index
        commands = container_commands(obj)
        comps, cls = controlplane.from_containers(obj, res, commands)
        out += comps
        lines += cls
        out += tls_switches(obj, res, commands)
        mesh = mesh_annotations(obj, res)
        if mesh is not None:
            out.append(mesh)
        if obj.kind == "Ingress" and obj.group in ("networking.k8s.io", "extensions"):
            out.append(ingress_view(obj, res, index))
        elif obj.type == "core/Service":
            body = service_view(obj.body)
            if body is not None:
                out.append(NativeResource(address=obj.address, type="k8s:service", format="kubernetes",
                                          path=res.path, span=res.span, header=res.header, body=body,
                                          meta={"owner": res, "synthesized": True}))
        if obj.type == "kubelet.config.k8s.io/KubeletConfiguration":
            out.append(controlplane.from_kubelet_config(obj, res, kubeadm=obj.path in kubeadm_files))
        elif obj.group == "kubeadm.k8s.io" and obj.kind == "ClusterConfiguration":
            out += controlplane.from_kubeadm(obj, res)
        elif obj.group == "kubeadm.k8s.io" and obj.kind in ("InitConfiguration", "JoinConfiguration"):
            out += controlplane.from_kubeadm_node(obj, res)
    controlplane.link_shared_cas(out)
    out += ingress_nginx_configs(objects, natives, lines)
    return out


def tls_switches(obj: K8sObject, owner: NativeResource, commands: list[tuple[Value, CommandLine | None]]
                 ) -> list[NativeResource]:
    """One resource per container whose command line turns certificate verification off for
    the whole process (environment variables that do so are read by the connection-string
    pass, normalize/connections.py). `commands`: see `flags.container_commands`."""
    out: list[NativeResource] = []
    for c, cl in commands:
        found = _flag_switches(cl) if cl is not None else []
        if not found:
            continue
        cname = text(c.get("name")) or "container"
        body = Value({"tls_switches": Value(found, c.span)}, c.span)
        name_v = c.get("name")
        header = name_v.anchor if name_v is not None else c.span
        out.append(NativeResource(address=f"{obj.address}/{cname}", type="k8s:container", format="kubernetes",
                                  path=owner.path, span=c.span, header=header, body=body,
                                  meta={"owner": owner, "synthesized": True}))
    return out


def _flag_switches(cl: CommandLine) -> list[Value]:
    """Command-line flags that turn backend verification off for a whole proxy (Traefik's
    static configuration)."""
    out: list[Value] = []
    for flag, what in _INSECURE_FLAGS.items():
        v = cl.flags.get(flag)
        if v is not None and (text(v) or "").lower() in _TRUE:
            out.append(Value({"name": Value(f"--{flag}", v.span),
                              "reason": Value(f"--{flag}={text(v)}: {what}", v.span)}, v.span, v.key_span))
    return out


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


def link_references(objects: list[K8sObject], natives: list[NativeResource]) -> None:
    """`meta["refs"]`: (edge type, address) of the objects an object sends traffic to: an
    Ingress or a route to its backend Services, a Service to the workloads its selector picks."""
    services = {(o.namespace, o.name): o for o in objects if o.type == "core/Service"}
    # each workload's pod labels, read once, and the workloads carrying each label: a Service's
    # candidates are those with its selector's first label (the run may hold thousands of each)
    workloads = [(o, _labels(m)) for o in objects for _s, m in pod_specs(o)]
    by_label: dict[tuple[str, str | None], list[tuple[K8sObject, dict[str, str | None]]]] = {}
    for entry in workloads:
        for label in entry[1].items():
            by_label.setdefault(label, []).append(entry)
    for obj, res in zip(objects, natives, strict=True):
        refs: list[tuple[str, str]] = []
        names: list[str | None] = []
        if obj.kind == "Ingress":
            names = [text(v) for v in _resolve_all(obj.body, ("spec", "rules", "http", "paths", "backend", "service",
                                                                "name"))]
            names += [text(child(obj.body, "spec", "defaultBackend", "service", "name"))]
        elif obj.kind in ("HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute"):
            names = [text(v) for v in _resolve_all(obj.body, ("spec", "rules", "backendRefs", "name"))]
        for n in names:
            svc = services.get((obj.namespace, n)) or next((s for (ns, nm), s in services.items() if nm == n), None)
            if n and svc is not None:
                refs.append(("routes_to", svc.address))
        if obj.type == "core/Service":
            sel = child(obj.body, "spec", "selector")
            want = {k: text(v) for k, v in sel.items()} if sel is not None else {}
            first = next(iter(want.items()), None)
            # a selector value that is not text (None) also matches a workload without that label
            candidates = workloads if first is None or first[1] is None else by_label.get(first, [])
            for w, have in candidates:
                if want and all(have.get(k) == v for k, v in want.items()) and \
                        (w.namespace is None or obj.namespace is None or w.namespace == obj.namespace):
                    refs.append(("routes_to", w.address))
        if refs:
            res.meta["refs"] = sorted(set(refs))


def _labels(meta: Value | None) -> dict[str, str | None]:
    labels = child(meta, "labels")
    return {k: text(v) for k, v in labels.items()} if labels is not None else {}


def _resolve_all(v: Value | None, keys: tuple[str, ...]) -> list[Value]:
    current = [v] if v is not None else []
    for k in keys:
        nxt: list[Value] = []
        for x in current:
            for item in (x.data if isinstance(x.data, list) else [x]):
                c = item.get(k) if isinstance(item.data, dict) else None
                if c is not None:
                    nxt.append(c)
        current = nxt
    return current


def header_line(v: Value) -> Span:
    a = v.anchor
    return Span(a.line, a.column, a.line, a.column + 1)
