"""What the Kubernetes readings make of objects: canonical nodes and their attributes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transit_lint.engine import RunOptions, run
from transit_lint.model import Node
from transit_lint.tree import UNKNOWN


def nodes(tmp_path: Path, text: str) -> dict[str, Node]:
    (tmp_path / "m.yaml").write_text(text)
    res = run(RunOptions(paths=[str(tmp_path)], base=tmp_path, select=["TL101"]))
    return {n.id: n for n in res.nodes}


def attrs(n: Node) -> dict[str, Any]:
    return {k: a.value for k, a in n.attrs.items()}


def test_kubelet_flags_without_config_are_unknown(tmp_path: Path) -> None:
    ns = nodes(tmp_path, "apiVersion: v1\nkind: Pod\nmetadata: {name: k}\nspec:\n  containers:\n"
                         "    - {name: kubelet, image: x, command: [kubelet, --config=/etc/k.yaml]}\n")
    a = attrs(ns["Pod/k/kubelet"])
    assert a["tls.client_auth"] is UNKNOWN and a["tls.self_signed"] is UNKNOWN and a["tls.ciphers"] is UNKNOWN
    assert "renewal" not in attrs(ns["Pod/k/kubelet:client-certificate"])


def test_kubelet_configuration_defaults(tmp_path: Path) -> None:
    ns = nodes(tmp_path, "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nport: 10250\n")
    a = attrs(ns["KubeletConfiguration@2/kubelet"])
    assert (a["tls.client_auth"], a["tls.self_signed"], a["port"]) == ("none", True, 10250)
    assert attrs(ns["KubeletConfiguration@2/kubelet:client-certificate"])["renewal"] == "disabled"
    assert "KubeletConfiguration@2/kubelet:read-only-port" not in ns


def test_apiserver_links(tmp_path: Path) -> None:
    ns = nodes(tmp_path, "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n"
                         "    - name: api\n      image: x\n      command: [kube-apiserver, --etcd-servers=http://e:2379,"
                         " --kubelet-certificate-authority=/ca.crt]\n")
    etcd, kubelet = attrs(ns["Pod/a/api->etcd"]), attrs(ns["Pod/a/api->kubelets"])
    assert (etcd["protocol"], etcd["plaintext"], etcd["host"]) == ("HTTP", True, "e")
    assert (kubelet["tls_mode"], kubelet["client_cert"]) == ("verified", False)


def test_ingress_hosts_and_controllers(tmp_path: Path) -> None:
    ns = nodes(tmp_path, """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: i}
spec:
  tls: [{hosts: [a.example.com]}]
  rules:
    - host: a.example.com
    - host: b.example.com
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: g
  annotations:
    kubernetes.io/ingress.class: gce
    networking.gke.io/v1beta1.FrontendConfig: redirect
spec:
  rules: [{host: c.example.com}]
---
apiVersion: networking.gke.io/v1beta1
kind: FrontendConfig
metadata: {name: redirect}
spec:
  redirectToHttps: {enabled: true}
""")
    # an unknown controller: the TLS host's redirect is not known, the other host is plaintext
    assert ns["Ingress/i[a.example.com]:80"].value("redirect_to_https") is UNKNOWN
    assert ns["Ingress/i[b.example.com]:80"].value("redirect_to_https") is False
    assert ns["Ingress/g[c.example.com]:80"].value("redirect_to_https") is True
    assert ns["Ingress/i->backends"].value("tls_mode") == "plaintext"


def test_gateway_listener_without_routes_is_unknown(tmp_path: Path) -> None:
    ns = nodes(tmp_path, "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw}\n"
                         "spec:\n  gatewayClassName: internal-lb\n  listeners:\n"
                         "    - {name: web, protocol: HTTP, port: 80}\n"
                         "    - {name: tls, protocol: TLS, port: 443, tls: {mode: Passthrough}}\n")
    web, tls = attrs(ns["Gateway/gw/web"]), attrs(ns["Gateway/gw/tls"])
    assert web["redirect_to_https"] is UNKNOWN and web["exposure"] == "internal"
    assert (tls["protocol"], tls["plaintext"]) == ("TLS_PASSTHROUGH", False)


def test_destination_rule_networks(tmp_path: Path) -> None:
    ns = nodes(tmp_path, "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: d}\n"
                         "spec:\n  host: reviews\n  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n"
                         "    portLevelSettings:\n      - port: {number: 9080}\n        tls: {mode: DISABLE}\n")
    top = ns["DestinationRule/d->reviews"]
    port = next(n for i, n in ns.items() if i.startswith("DestinationRule/d->reviews (port"))
    assert (top.value("network"), top.value("client_cert"), top.value("tls_mode")) == ("internal", True, "verified")
    assert port.value("plaintext") is True


def test_cert_manager_defaults(tmp_path: Path) -> None:
    ns = nodes(tmp_path, "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c}\n"
                         "spec:\n  secretName: s\n  privateKey: {algorithm: ECDSA, rotationPolicy: Never}\n")
    a = attrs(ns["Certificate/c"])
    assert (a["key_algorithm"], a["key_size"], a["validity_days"], a["key_rotation"]) == ("ECDSA", 256, 90, False)
