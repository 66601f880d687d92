"""Derivations for control-plane components (the tables name these hooks).

Flag semantics: a flag the program reads at its default is absent from `flags`; whether that
default is known depends on `source` (see controlplane.py): a kubelet's command line does not
show the settings of its config file, so there an absent flag is UNKNOWN.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .. import tls
from ..model import Attr, NativeResource, Node
from ..normalize.mapping import hook
from ..tree import UNKNOWN, Value
from .controlplane import KUBEADM_DEFAULT
from .objects import child, items, text

# Go crypto/tls default suites for servers since Go 1.22 (RSA key exchange and 3DES removed):
# the AEAD ECDHE suites, the four ECDHE CBC-SHA1 suites, and the TLS 1.3 suites.
GO_DEFAULT_CIPHERS = (
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
)
GO_DEFAULT = "Go crypto/tls default suites"
# programs whose default suites are judged: the network-facing servers (kubeadm binds the
# controller-manager and scheduler to 127.0.0.1; only their explicit settings are judged)
_DEFAULT_CIPHERS_FOR = {"kube-apiserver", "etcd", "kubelet"}


def flag(res: NativeResource, name: str) -> Value | None:
    return child(res.body, "flags", name)


def source(res: NativeResource) -> str:
    return text(child(res.body, "source")) or "flags"


def known_absent(res: NativeResource) -> bool:
    """An absent flag means the program's default (False: the setting lives elsewhere)."""
    return not (res.type == "kubelet" and source(res) == "flags")


def attr(v: Value, data: object) -> Attr:
    """An attribute from a flag: generated defaults point at the section header, not a line."""
    if v.origin == KUBEADM_DEFAULT:
        return Attr(data, None, KUBEADM_DEFAULT)
    return Attr(data, v.anchor, v.origin)


def truth(v: Value | None) -> bool | None:
    if v is None or v.is_unknown():
        return None
    t = text(v)
    if t is None:
        return None
    return {"true": True, "1": True, "false": False, "0": False}.get(t.strip().lower())


def _set_owner(node: Node, res: NativeResource) -> None:
    owner = res.meta.get("owner")
    if isinstance(owner, NativeResource):
        node.resource = owner


@hook("k8s_go_tls")
def go_tls(node: Node, res: NativeResource, ctx: Value) -> None:
    """`--tls-min-version` / `--tls-cipher-suites` (etcd: `--cipher-suites`), and GODEBUG."""
    _set_owner(node, res)
    mv = flag(res, "tls-min-version")
    if mv is not None:
        ver = tls.parse_version(mv.data) if not mv.is_unknown() else None
        node.attrs["tls.min_version"] = attr(mv, ver if ver is not None else UNKNOWN)
    else:
        godebug = child(res.body, "env", "GODEBUG")
        if godebug is not None and "tls10server=1" in (text(godebug) or "").replace(" ", ""):
            node.attrs["tls.min_version"] = Attr("1.0", godebug.anchor, "GODEBUG=tls10server=1")
    cs = flag(res, "cipher-suites" if res.type == "etcd" else "tls-cipher-suites")
    if cs is not None:
        _ciphers(node, cs)
    elif res.type in _DEFAULT_CIPHERS_FOR and known_absent(res):
        node.attrs["tls.ciphers"] = Attr(list(GO_DEFAULT_CIPHERS), None, "provider default")
    elif res.type in _DEFAULT_CIPHERS_FOR:
        node.attrs["tls.ciphers"] = Attr(UNKNOWN, None, "kubelet config file")


def _ciphers(node: Node, v: Value) -> None:
    if v.is_unknown():
        node.attrs["tls.ciphers"] = attr(v, UNKNOWN)
        return
    if isinstance(v.data, list):  # KubeletConfiguration: one suite per item
        elems = [x for x in items(v) if isinstance(x.data, str)]
        names, spans = [x.data for x in elems], [x.span for x in elems]
    else:
        names = [n.strip() for n in (text(v) or "").split(",") if n.strip()]
        spans = [v.anchor] * len(names)
    found, found_spans = tls.parse_cipher_items(zip(names, spans, strict=True), "go")
    a = attr(v, found)
    a.item_spans = found_spans if a.span is not None else None
    node.attrs["tls.ciphers"] = a


def _both(res: NativeResource, a: str, b: str) -> tuple[Value | None, Value | None]:
    return flag(res, a), flag(res, b)


def _url_parts(url: str) -> tuple[str | None, int | None]:
    """(host, port) of a URL; (None, None) when it does not parse."""
    try:
        parts = urlsplit(url)
        return parts.hostname, parts.port
    except ValueError:
        return None, None


def _urls(v: Value | None) -> list[str] | None:
    if v is None or v.is_unknown():
        return None
    return [u.strip() for u in (text(v) or "").split(",") if u.strip()]


@hook("k8s_apiserver_serving")
def apiserver_serving(node: Node, res: NativeResource, ctx: Value) -> None:
    go_tls(node, res, ctx)
    sp = flag(res, "secure-port")
    node.attrs["port"] = attr(sp, _port(sp)) if sp is not None else Attr(6443, None, "provider default")
    _client_ca(node, res)
    cert, key = _both(res, "tls-cert-file", "tls-private-key-file")
    if cert is not None and key is not None:
        node.attrs["tls.self_signed"] = attr(cert, False)
    else:
        node.attrs["tls.self_signed"] = Attr(True, None, "--tls-cert-file/--tls-private-key-file not set: "
                                                         "a self-signed certificate is generated")


def _port(v: Value) -> object:
    try:
        return int(text(v) or "")
    except ValueError:
        return UNKNOWN


def _client_ca(node: Node, res: NativeResource) -> None:
    node.attrs["tls.client_auth_expected"] = Attr(True, None)
    ca = flag(res, "client-ca-file")
    if ca is not None:
        # certificates are verified whenever presented; other authenticators remain available
        node.attrs["tls.client_auth"] = attr(ca, "optional" if not ca.is_unknown() else UNKNOWN)
    elif known_absent(res):
        node.attrs["tls.client_auth"] = Attr("none", None, "client-ca-file is not set")
    else:
        node.attrs["tls.client_auth"] = Attr(UNKNOWN, None, "kubelet config file")


@hook("k8s_kubelet_serving")
def kubelet_serving(node: Node, res: NativeResource, ctx: Value) -> None:
    go_tls(node, res, ctx)
    port = flag(res, "port")
    node.attrs["port"] = attr(port, _port(port)) if port is not None else Attr(10250, None, "provider default")
    _client_ca(node, res)
    cert, key = _both(res, "tls-cert-file", "tls-private-key-file")
    bootstrap = flag(res, "rotate-server-certificates")
    if cert is not None and key is not None:
        node.attrs["tls.self_signed"] = attr(cert, False)
    elif truth(bootstrap):
        assert bootstrap is not None
        node.attrs["tls.self_signed"] = attr(bootstrap, False)
    elif known_absent(res):
        node.attrs["tls.self_signed"] = Attr(True, None, "tlsCertFile/tlsPrivateKeyFile not set and serverTLSBootstrap "
                                                         "off: the kubelet generates a self-signed certificate")
    else:
        node.attrs["tls.self_signed"] = Attr(UNKNOWN, None, "kubelet config file")


@hook("k8s_kubelet_client_certificate")
def kubelet_client_certificate(node: Node, res: NativeResource, ctx: Value) -> None:
    _set_owner(node, res)
    rot = flag(res, "rotate-certificates")
    if rot is not None:
        on = truth(rot)
        node.attrs["renewal"] = attr(rot, UNKNOWN if on is None else ("automatic" if on else "disabled"))
    elif known_absent(res) and source(res) == "config":
        node.attrs["renewal"] = Attr("disabled", None, "rotateCertificates defaults to false")


@hook("k8s_serving_certificate_gate")
def serving_certificate_gate(node: Node, res: NativeResource, ctx: Value) -> None:
    """RotateKubeletServerCertificate (kubelet, and the controller-manager that approves the
    kubelets' serving-certificate requests): on by default since 1.12."""
    _set_owner(node, res)
    gate = child(res.body, "feature_gates", "RotateKubeletServerCertificate")
    on = truth(gate)
    if gate is not None and on is False:
        node.attrs["renewal"] = attr(gate, "disabled")


def _etcd(node: Node, res: NativeResource, peer: bool) -> None:
    go_tls(node, res, Value({}, res.span))
    p = "peer-" if peer else ""
    urls_v = flag(res, f"listen-{'peer' if peer else 'client'}-urls")
    urls = _urls(urls_v)
    cert, key = _both(res, f"{p}cert-file", f"{p}key-file")
    auto = flag(res, f"{p}auto-tls")
    auto_on = truth(auto) is True and not (cert is not None and key is not None)
    port = 2380 if peer else 2379
    if urls:
        port = next((p for _h, p in map(_url_parts, urls) if p), port)
    node.attrs["port"] = Attr(port, urls_v.anchor if urls_v is not None and urls_v.origin != KUBEADM_DEFAULT else None)
    if urls_v is not None and urls is None:
        node.attrs["tls.required"] = attr(urls_v, UNKNOWN)
    elif urls:
        plain = any(u.lower().startswith(("http://", "unix://")) for u in urls)
        assert urls_v is not None
        node.attrs["tls.required"] = attr(urls_v, not plain)
    elif (cert is not None and key is not None) or auto_on:
        # no URLs given: the certificate flags say whether TLS was meant
        node.attrs["tls.required"] = attr(cert if cert is not None else auto, True)  # type: ignore[arg-type]
    else:
        node.attrs["tls.required"] = Attr(False, None, f"--{p}cert-file/--{p}key-file not set")
    if auto_on:
        assert auto is not None
        node.attrs["tls.self_signed"] = attr(auto, True)
    elif auto is not None:
        node.attrs["tls.self_signed"] = attr(auto, False)
    node.attrs["tls.client_auth_expected"] = Attr(True, None)
    cca = flag(res, f"{p}client-cert-auth")
    on = truth(cca)
    if cca is None:
        node.attrs["tls.client_auth"] = Attr("none", None, f"--{p}client-cert-auth is not set")
    else:
        node.attrs["tls.client_auth"] = attr(cca, UNKNOWN if on is None else ("required" if on else "none"))
    shared = child(res.body, "shared_ca")
    if not peer and shared is not None:
        node.attrs["tls.client_ca_shared"] = attr(shared, True)


@hook("k8s_etcd_client")
def etcd_client(node: Node, res: NativeResource, ctx: Value) -> None:
    _etcd(node, res, peer=False)


@hook("k8s_etcd_peer")
def etcd_peer(node: Node, res: NativeResource, ctx: Value) -> None:
    _etcd(node, res, peer=True)


@hook("k8s_apiserver_insecure")
def apiserver_insecure(node: Node, res: NativeResource, ctx: Value) -> None:
    _set_owner(node, res)
    node.attrs["protocol"] = Attr("HTTP", ctx.anchor)
    port = ctx.get("port")
    if port is not None:
        node.attrs["port"] = Attr(port.data, ctx.anchor)


@hook("k8s_kubelet_read_only")
def kubelet_read_only(node: Node, res: NativeResource, ctx: Value) -> None:
    apiserver_insecure(node, res, ctx)


@hook("k8s_apiserver_kubelet")
def apiserver_kubelet(node: Node, res: NativeResource, ctx: Value) -> None:
    """kube-apiserver -> kubelets (logs, exec, port-forward)."""
    _set_owner(node, res)
    https = flag(res, "kubelet-https")
    ca = flag(res, "kubelet-certificate-authority")
    if truth(https) is False:
        assert https is not None
        node.attrs["protocol"] = attr(https, "HTTP")
        node.attrs["tls_mode"] = attr(https, "plaintext")
        node.attrs["tls_reason"] = Attr("--kubelet-https=false", None)
    else:
        node.attrs["protocol"] = Attr("HTTPS", None, "provider default")
        if ca is not None:
            node.attrs["tls_mode"] = attr(ca, "verified")
            node.attrs["tls_reason"] = Attr("--kubelet-certificate-authority verifies the kubelets' certificates", None)
        else:
            node.attrs["tls_mode"] = Attr("encrypted-unverified", None, "--kubelet-certificate-authority is not set")
            node.attrs["tls_reason"] = Attr("--kubelet-certificate-authority is not set, so the API server does not "
                                            "verify the kubelets' serving certificates", None)
    _pinned(node, ca)
    _client_cert(node, res, "kubelet-client-certificate", "kubelet-client-key")


@hook("k8s_apiserver_etcd")
def apiserver_etcd(node: Node, res: NativeResource, ctx: Value) -> None:
    """kube-apiserver -> etcd (every object, Secrets included)."""
    _set_owner(node, res)
    servers = flag(res, "etcd-servers")
    urls = _urls(servers)
    ca = flag(res, "etcd-cafile")
    tls_files = [f for f in (ca, flag(res, "etcd-certfile"), flag(res, "etcd-keyfile")) if f is not None]
    if servers is not None and urls is None:
        node.attrs["protocol"] = attr(servers, UNKNOWN)
    elif servers is None and tls_files:
        # the URLs are not shown, but etcd client TLS files are only read for https:// servers
        node.attrs["protocol"] = Attr("HTTPS", None, "etcd TLS client files are set")
        node.attrs["tls_mode"] = Attr("verified", None)
    elif servers is None:
        node.attrs["plaintext"] = Attr(UNKNOWN, None, "--etcd-servers is not set")
    elif urls:
        assert servers is not None
        host, _port = _url_parts(urls[0])
        if host:
            node.attrs["host"] = attr(servers, host)
        plain = [u for u in urls if u.lower().startswith("http://")]
        node.attrs["protocol"] = attr(servers, "HTTP" if plain else "HTTPS")
        if plain:
            node.attrs["tls_mode"] = attr(servers, "plaintext")
            node.attrs["tls_reason"] = Attr(f"--etcd-servers uses {plain[0]}", None)
        else:
            node.attrs["tls_mode"] = attr(ca, "verified") if ca is not None else attr(servers, "verified")
            node.attrs["tls_reason"] = Attr("https etcd servers" + ("" if ca is not None else
                                            ", verified against the system roots (no --etcd-cafile)"), None)
    _pinned(node, ca)
    _client_cert(node, res, "etcd-certfile", "etcd-keyfile")


def _pinned(node: Node, ca: Value | None) -> None:
    if ca is not None:
        node.attrs["tls.ca_pinned"] = attr(ca, True)
    else:
        node.attrs["tls.ca_pinned"] = Attr(False, None, "no CA file is set")


def _client_cert(node: Node, res: NativeResource, cert_flag: str, key_flag: str) -> None:
    cert, key = _both(res, cert_flag, key_flag)
    node.attrs["client_cert_expected"] = Attr(True, None)
    if cert is not None and key is not None:
        node.attrs["client_cert"] = attr(cert, True)
    else:
        missing = cert_flag if cert is None else key_flag
        node.attrs["client_cert"] = Attr(False, None, f"--{missing} is not set")


@hook("k8s_controller_manager_root_ca")
def controller_manager_root_ca(node: Node, res: NativeResource, ctx: Value) -> None:
    """In-cluster clients verify the API server with the CA bundle the controller-manager puts
    into service-account token secrets (`--root-ca-file`, CIS 1.3.5)."""
    _set_owner(node, res)
    ca = flag(res, "root-ca-file")
    node.attrs["protocol"] = Attr("HTTPS", None, "provider default")
    if ca is not None:
        node.attrs["tls_mode"] = attr(ca, "verified")
        node.attrs["tls_reason"] = Attr("--root-ca-file gives pods the API server's CA", None)
    else:
        node.attrs["tls_mode"] = Attr("encrypted-unverified", None, "--root-ca-file is not set")
        node.attrs["tls_reason"] = Attr("--root-ca-file is not set, so service-account token secrets carry no CA "
                                        "bundle for pods to verify the API server with", None)
