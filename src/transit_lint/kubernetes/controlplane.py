"""Control-plane components as native resources of their own.

A kube-apiserver, kubelet, etcd, kube-controller-manager or kube-scheduler is configured in one
of three places, and each becomes one resource of type `kube-apiserver`, `kubelet`, ... whose
body is the same shape whatever the source:

    {source: flags|config|kubeadm, flags: {name: value}, feature_gates: {name: value},
     env: {NAME: value}, shared_ca: ..., insecure_serving: {...}, read_only: {...}}

* a container running the program (static pods): `command` + `args`, absent flags mean the
  program's own defaults (`source: flags`);
* a `KubeletConfiguration`: its fields under their flag names, absent fields mean the config
  file's defaults (`source: config`);
* a kubeadm `ClusterConfiguration`: kubeadm's generated flags (spanned at the section, origin
  "kubeadm default") overlaid with `extraArgs` (`source: kubeadm`).

The optional sections (`insecure_serving`, `read_only`) exist only when that listener is on,
so the tables can produce those nodes with `each:`. The owning object is in `meta["owner"]`;
the hooks make it the nodes' resource, so annotations and comments on it waive their findings.
"""

from __future__ import annotations

import posixpath

from ..model import NativeResource
from ..spans import Span
from ..tree import Value
from .flags import COMPONENTS, CommandLine, feature_gates
from .objects import K8sObject, child, items, text

KUBEADM_DEFAULT = "kubeadm default"
LEGACY_INSECURE_PORT = 8080  # kube-apiserver's --insecure-port default until 1.20

# kubeadm's generated flags that matter for transit (cmd/kubeadm/app/phases/controlplane and etcd)
_KUBEADM_FLAGS: dict[str, dict[str, str]] = {
    "kube-apiserver": {
        "secure-port": "6443",
        "client-ca-file": "/etc/kubernetes/pki/ca.crt",
        "tls-cert-file": "/etc/kubernetes/pki/apiserver.crt",
        "tls-private-key-file": "/etc/kubernetes/pki/apiserver.key",
        "kubelet-client-certificate": "/etc/kubernetes/pki/apiserver-kubelet-client.crt",
        "kubelet-client-key": "/etc/kubernetes/pki/apiserver-kubelet-client.key",
        "etcd-servers": "https://127.0.0.1:2379",
        "etcd-cafile": "/etc/kubernetes/pki/etcd/ca.crt",
        "etcd-certfile": "/etc/kubernetes/pki/apiserver-etcd-client.crt",
        "etcd-keyfile": "/etc/kubernetes/pki/apiserver-etcd-client.key",
    },
    "etcd": {
        "listen-client-urls": "https://127.0.0.1:2379",
        "listen-peer-urls": "https://127.0.0.1:2380",
        "cert-file": "/etc/kubernetes/pki/etcd/server.crt",
        "key-file": "/etc/kubernetes/pki/etcd/server.key",
        "client-cert-auth": "true",
        "trusted-ca-file": "/etc/kubernetes/pki/etcd/ca.crt",
        "peer-cert-file": "/etc/kubernetes/pki/etcd/peer.crt",
        "peer-key-file": "/etc/kubernetes/pki/etcd/peer.key",
        "peer-client-cert-auth": "true",
        "peer-trusted-ca-file": "/etc/kubernetes/pki/etcd/ca.crt",
    },
    "kube-controller-manager": {"root-ca-file": "/etc/kubernetes/pki/ca.crt", "bind-address": "127.0.0.1"},
    "kube-scheduler": {"bind-address": "127.0.0.1"},
}
_ETCD_PEER_FLAGS = {"listen-peer-urls", "initial-advertise-peer-urls", "initial-cluster", "initial-cluster-state"}
_KUBEADM_SECTIONS = (("apiServer", "kube-apiserver"), ("controllerManager", "kube-controller-manager"),
                     ("scheduler", "kube-scheduler"))

# KubeletConfiguration field -> the kubelet flag it replaces (kube-bench's mapping)
_KUBELET_FIELDS: dict[tuple[str, ...], str] = {
    ("tlsCipherSuites",): "tls-cipher-suites",
    ("tlsMinVersion",): "tls-min-version",
    ("readOnlyPort",): "read-only-port",
    ("rotateCertificates",): "rotate-certificates",
    ("serverTLSBootstrap",): "rotate-server-certificates",
    ("tlsCertFile",): "tls-cert-file",
    ("tlsPrivateKeyFile",): "tls-private-key-file",
    ("authentication", "x509", "clientCAFile"): "client-ca-file",
    ("port",): "port",
}


def _int(v: Value | None) -> int | None:
    t = text(v)
    try:
        return int(t) if t is not None else None
    except ValueError:
        return None


def _body(source: str, flags: dict[str, Value], gates: dict[str, Value], env: dict[str, Value], span: Span,
          header: Span) -> Value:
    return Value({
        "source": Value(source, header),
        "flags": Value(flags, span),
        "feature_gates": Value(gates, span),
        "env": Value(env, span),
    }, span)


def _resource(owner: NativeResource, address: str, program: str, body: Value, span: Span, header: Span
              ) -> NativeResource:
    _add_listeners(program, body)
    return NativeResource(address=address, type=program, format="kubernetes", path=owner.path, span=span,
                          header=header, body=body, meta={"owner": owner, "synthesized": True})


def _add_listeners(program: str, body: Value) -> None:
    flags = body.data["flags"].data
    source = text(body.data["source"])
    if program == "kube-apiserver":
        header = body.data["source"].span
        if _int(flags.get("secure-port")) != 0:
            body.data["secure_serving"] = Value({}, header)
        ip, bind, sp = flags.get("insecure-port"), flags.get("insecure-bind-address"), flags.get("secure-port")
        port, anchor = _int(ip), ip
        if ip is not None and port is None:
            return  # set, but not to a number we can read
        if ip is None and (bind is not None or _int(sp) == 0):
            # an insecure bind address, or HTTPS turned off, only make sense on releases that still
            # serve the insecure port, whose default there was 8080
            port, anchor = LEGACY_INSECURE_PORT, bind or sp
        if port and anchor is not None:
            body.data["insecure_serving"] = Value({"port": Value(port, anchor.span)}, anchor.span, anchor.anchor)
    elif program == "etcd":
        # without any peer setting etcd runs as a single member: its peer URL defaults to
        # localhost and carries no replication, so there is no peer listener to judge
        if any(k.startswith("peer-") or k in _ETCD_PEER_FLAGS for k in flags):
            body.data["peer"] = Value({}, body.data["source"].span)
    elif program == "kubelet":
        ro = flags.get("read-only-port")
        port = _int(ro)
        if ro is not None and port:
            body.data["read_only"] = Value({"port": Value(port, ro.span)}, ro.span, ro.anchor)
        elif ro is None and source == "kubeadm":
            pass  # kubeadm writes readOnlyPort: 0 into the kubelet's config file


def _env(container: Value) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for e in items(container.get("env")):
        name = text(e.get("name"))
        if not name:
            continue
        val = e.get("value")
        if val is None and e.get("valueFrom") is not None:
            from ..tree import UNKNOWN

            val = Value(UNKNOWN, e.span, e.anchor, origin=f"env {name} from valueFrom")
        if val is not None:
            out[name] = Value(val.data, val.span, e.anchor, val.origin)
    return out


def _etcd_env(flags: dict[str, Value], env: dict[str, Value]) -> None:
    """etcd reads every flag from ETCD_<NAME> too; a flag on the command line wins."""
    for name, v in env.items():
        if name.startswith("ETCD_") and len(name) > 5:
            flag = name[5:].lower().replace("_", "-")
            flags.setdefault(flag, v)


def from_containers(obj: K8sObject, owner: NativeResource, commands: list[tuple[Value, CommandLine | None]]
                    ) -> tuple[list[NativeResource], list[CommandLine]]:
    """Component resources for the containers that run a control-plane program, and every
    container's command line (for the other readers: ingress controllers, Traefik).
    `commands`: the object's containers with their command lines (`flags.container_commands`)."""
    out: list[NativeResource] = []
    lines: list[CommandLine] = []
    for c, cl in commands:
        if cl is None:
            continue
        lines.append(cl)
        if cl.program not in COMPONENTS:
            continue
        env = _env(c)
        flags = dict(cl.flags)  # a copy: etcd's environment joins it, the command line is shared
        if cl.program == "etcd":
            _etcd_env(flags, env)
        gates = feature_gates(flags.get("feature-gates"))
        name = text(c.get("name")) or cl.program
        body = _body("flags", flags, gates, env, c.span, cl.header)
        out.append(_resource(owner, f"{obj.address}/{name}", cl.program, body, c.span, cl.header))
    return out, lines


# what kubeadm writes into the kubelet's config file when it is given a KubeletConfiguration
_KUBEADM_KUBELET = {"client-ca-file": "/etc/kubernetes/pki/ca.crt", "rotate-certificates": "true"}


def from_kubelet_config(obj: K8sObject, owner: NativeResource, kubeadm: bool = False) -> NativeResource:
    """A KubeletConfiguration; `kubeadm`: it sits next to kubeadm configuration in one file, so
    kubeadm completes it with its own defaults before writing it out."""
    flags: dict[str, Value] = {}
    if kubeadm:
        flags = {k: Value(v, obj.header, origin=KUBEADM_DEFAULT) for k, v in _KUBEADM_KUBELET.items()}
    for path, flag in _KUBELET_FIELDS.items():
        v = child(obj.body, *path)
        if v is not None:
            flags[flag] = v
    anon = child(obj.body, "authentication", "anonymous", "enabled")
    if anon is not None:
        flags["anonymous-auth"] = anon
    fg = child(obj.body, "featureGates")
    gates = dict(fg.items()) if fg is not None else {}
    body = _body("config", flags, gates, {}, obj.body.span, obj.header)
    return _resource(owner, f"{obj.address}/kubelet", "kubelet", body, obj.body.span, obj.header)


def _extra_args(section: Value | None) -> dict[str, Value]:
    """kubeadm `extraArgs`: a map (v1beta3) or a list of {name, value} (v1beta4)."""
    raw = child(section, "extraArgs") if section is not None else None
    out: dict[str, Value] = {}
    if raw is None:
        return out
    if isinstance(raw.data, dict):
        for k, v in raw.data.items():
            out[k.lower()] = Value(text(v) if text(v) is not None else v.data, v.span, v.key_span, v.origin)
    for item in items(raw):
        name, val = text(item.get("name")), item.get("value")
        if name and val is not None:
            out[name.lower()] = Value(text(val) if text(val) is not None else val.data, val.span, val.key_span,
                                      val.origin)
    return out


def _kubeadm_flags(program: str, header: Span) -> dict[str, Value]:
    return {k: Value(v, header, origin=KUBEADM_DEFAULT) for k, v in _KUBEADM_FLAGS.get(program, {}).items()}


def from_kubeadm(obj: K8sObject, owner: NativeResource) -> list[NativeResource]:
    out: list[NativeResource] = []
    for key, program in _KUBEADM_SECTIONS:
        section = child(obj.body, key)
        where = section if section is not None else obj.body
        header = Span(where.anchor.line, where.anchor.column, where.anchor.line, where.anchor.column + 1)
        if section is None:
            header = obj.header
        flags = _kubeadm_flags(program, header)
        flags.update(_extra_args(section))
        if program == "kube-apiserver":
            ext = child(obj.body, "etcd", "external")
            if ext is not None:
                for field, flag in (("caFile", "etcd-cafile"), ("certFile", "etcd-certfile"),
                                    ("keyFile", "etcd-keyfile")):
                    flags.pop(flag, None)
                    v = ext.get(field)
                    if v is not None:
                        flags[flag] = v
                eps = ext.get("endpoints")
                if eps is not None:
                    urls = [text(e) or "" for e in items(eps)]
                    flags["etcd-servers"] = Value(",".join(urls), eps.span, eps.key_span)
        gates = feature_gates(flags.get("feature-gates"))
        body = _body("kubeadm", flags, gates, {}, where.span, header)
        out.append(_resource(owner, f"{obj.address}/{program}", program, body, where.span, header))
    etcd = child(obj.body, "etcd")
    if child(etcd, "external") is None:
        local = child(etcd, "local")
        where = local if local is not None else obj.body
        header = obj.header if local is None else Span(local.anchor.line, local.anchor.column,
                                                         local.anchor.line, local.anchor.column + 1)
        flags = _kubeadm_flags("etcd", header)
        flags.update(_extra_args(local))
        body = _body("kubeadm", flags, {}, {}, where.span, header)
        out.append(_resource(owner, f"{obj.address}/etcd", "etcd", body, where.span, header))
    return out


def from_kubeadm_node(obj: K8sObject, owner: NativeResource) -> list[NativeResource]:
    """Init/JoinConfiguration `nodeRegistration.kubeletExtraArgs`: kubelet flags; the rest of the
    kubelet's settings live in its config file."""
    reg = child(obj.body, "nodeRegistration")
    if child(reg, "kubeletExtraArgs") is None:
        return []
    assert reg is not None
    flags = {k: v for k, v in _extra_args(Value({"extraArgs": reg.data["kubeletExtraArgs"]}, reg.span)).items()}
    header = Span(reg.anchor.line, reg.anchor.column, reg.anchor.line, reg.anchor.column + 1)
    body = _body("flags", flags, feature_gates(flags.get("feature-gates")), {}, reg.span, header)
    return [_resource(owner, f"{obj.address}/kubelet", "kubelet", body, reg.span, header)]


def link_shared_cas(resources: list[NativeResource]) -> None:
    """Mark etcd members whose client CA is also a kube-apiserver's client CA (CIS 2.7): any
    certificate the cluster CA issues (every kubelet, every user) then authenticates to etcd.
    Compared within one folder, where a cluster's static-pod manifests live together."""
    api_cas: dict[tuple[str, str], Value] = {}
    for r in resources:
        if r.type == "kube-apiserver":
            ca = child(r.body, "flags", "client-ca-file")
            if text(ca):
                api_cas[(posixpath.dirname(r.path), posixpath.normpath(text(ca) or ""))] = ca  # type: ignore[assignment]
    for r in resources:
        if r.type != "etcd":
            continue
        ca = child(r.body, "flags", "trusted-ca-file")
        key = (posixpath.dirname(r.path), posixpath.normpath(text(ca) or ""))
        if ca is not None and text(ca) and key in api_cas:
            r.body.data["shared_ca"] = Value(True, ca.span, ca.key_span, ca.origin)
