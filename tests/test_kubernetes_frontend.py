"""The Kubernetes front end: sniffing, objects, command lines, and whole-run behaviour."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from transit_lint.engine import RunOptions, run
from transit_lint.kubernetes.flags import command_line, image_program
from transit_lint.kubernetes.frontend import sniff
from transit_lint.kubernetes.objects import objects_of
from transit_lint.parsers.yamltree import load_stream


def lint(tmp_path: Path, text: str, profile: str = "baseline", name: str = "m.yaml") -> list[tuple[str, int]]:
    (tmp_path / name).write_text(text)
    res = run(RunOptions(paths=[str(tmp_path)], base=tmp_path, profile=profile))
    return sorted((f.rule_id, f.span.line) for f in res.all_findings if not f.suppressed)


@pytest.mark.parametrize(("text", "claimed"), [
    ("apiVersion: v1\nkind: Service\n", True),
    ('{"kind": "Pod", "apiVersion": "v1"}', True),
    ("apiVersion: v2\nname: chart\nversion: 1.0.0\n", False),  # Chart.yaml
    ("AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n", False),
    ("services:\n  web:\n    image: nginx\n", False),
    ("- name: play\n  k8s:\n    definition:\n      apiVersion: v1\n      kind: Pod\n", False),
    # a Helm template whose first line is a template (not JSON): claimed, then skipped with a note
    ("{{- if .Values.enabled }}\napiVersion: v1\nkind: Service\n{{- end }}\n", True),
])
def test_sniff(text: str, claimed: bool) -> None:
    assert sniff(Path("x.yaml"), text) is claimed


def test_objects_lists_and_non_objects() -> None:
    text = ("apiVersion: v1\nkind: List\nitems:\n"
            "  - {apiVersion: v1, kind: Service, metadata: {name: a, namespace: n}}\n"
            "  - {apiVersion: networking.k8s.io/v1, kind: Ingress, metadata: {name: b}}\n---\n"
            "just: data\n---\n- a list\n---\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n")
    objs = [o for d in load_stream(text).documents for o in objects_of(d.root, "m.yaml")]
    assert [(o.type, o.address) for o in objs] == [
        ("core/Service", "Service/n/a"), ("networking.k8s.io/Ingress", "Ingress/b"),
        ("kubelet.config.k8s.io/KubeletConfiguration", "KubeletConfiguration@12")]


def _container(text: str):  # type: ignore[no-untyped-def]
    (doc,) = load_stream(text).documents
    return doc.root


@pytest.mark.parametrize(("yaml_text", "program", "flags"), [
    ('command: [kube-apiserver, "--a=1", "--b", "2", "--kubelet-https", "--c=x"]\nargs: ["--a=3"]',
     "kube-apiserver", {"a": "3", "b": "2", "kubelet-https": "true", "c": "x"}),
    ('command: ["/bin/sh", "-c", "mkdir -p /x && exec /usr/local/bin/etcd --auto-tls=true \\\\\\n  --name e1"]',
     "etcd", {"auto-tls": "true", "name": "e1"}),
    ('command: [/hyperkube, apiserver, --insecure-port=8080]', "kube-apiserver", {"insecure-port": "8080"}),
    ('image: registry.k8s.io/kube-scheduler-amd64:v1.20.0@sha256:abc\nargs: [-v, "2", --bind-address=0.0.0.0]',
     "kube-scheduler", {"v": "2", "bind-address": "0.0.0.0"}),
    ('command: [tini, --, kubelet, --read-only-port=0]', "kubelet", {"read-only-port": "0"}),
    ('command: [/app/server, --name, etcd]', "server", {"name": "etcd"}),
])
def test_command_lines(yaml_text: str, program: str, flags: dict[str, str]) -> None:
    cl = command_line(_container(yaml_text))
    assert cl is not None
    assert cl.program == program
    assert {k: v.data for k, v in cl.flags.items()} == flags


def test_image_program() -> None:
    assert image_program("gcr.io/google_containers/etcd:v3.2.18") == "etcd"
    assert image_program("localhost:5000/kube-apiserver-arm64") == "kube-apiserver"


def test_flags_in_args_point_at_the_flag(tmp_path: Path) -> None:
    text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: kube-system}\nspec:\n  containers:\n"
            "    - name: kube-apiserver\n      image: x\n      command: [kube-apiserver]\n      args:\n"
            "        - --client-ca-file=/pki/ca.crt\n        - --tls-min-version\n        - VersionTLS11\n")
    assert ("TL201", 11) in lint(tmp_path, text)


def test_annotation_waives_findings_of_derived_nodes(tmp_path: Path) -> None:
    text = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\n  annotations:\n"
            "    transit-lint.io/ignore: \"TL301: test harness talks to a self-signed stub\"\n"
            "spec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: node\n"
            "          env: [{name: NODE_TLS_REJECT_UNAUTHORIZED, value: \"0\"}]\n")
    assert lint(tmp_path, text) == []


def test_comment_waives_a_flag(tmp_path: Path) -> None:
    text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: e}\nspec:\n  containers:\n    - name: etcd\n"
            "      image: etcd\n      command:\n        - etcd\n        - --listen-client-urls=https://0.0.0.0:2379\n"
            "        - --client-cert-auth=true\n        - --cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n"
            "        # transit-lint: ignore[TL321] lab cluster, rebuilt daily\n        - --auto-tls=true\n")
    assert lint(tmp_path, text) == []


def test_parse_errors_are_tl000_and_other_files_go_on(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("apiVersion: v1\nkind: Service\nspec: [\n")
    findings = lint(tmp_path, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                              "    - {name: c, image: i, env: [{name: PYTHONHTTPSVERIFY, value: '0'}]}\n")
    assert ("TL000", 3) in findings and ("TL301", 6) in findings


def test_kubeadm_defaults_are_secure(tmp_path: Path) -> None:
    text = ("apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\napiServer:\n  extraArgs:\n"
            "    tls-min-version: VersionTLS13\n    tls-cipher-suites: TLS_AES_128_GCM_SHA256\n"
            "    kubelet-certificate-authority: /etc/kubernetes/pki/ca.crt\n"
            "etcd:\n  local:\n    extraArgs:\n      cipher-suites: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n")
    assert lint(tmp_path, text, profile="asvs-l2") == []


def test_kubeadm_extra_args_override(tmp_path: Path) -> None:
    text = ("apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\napiServer:\n  extraArgs:\n"
            "    - name: tls-min-version\n      value: VersionTLS10\n")
    assert ("TL201", 6) in lint(tmp_path, text)


def test_large_manifest_is_fast(tmp_path: Path) -> None:
    doc = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app{i}}}\nspec:\n  template:\n    spec:\n"
           "      containers:\n        - name: app\n          image: example/app:1\n"
           "          env: [{{name: DATABASE_URL, value: 'postgres://db/app'}}]\n---\n"
           "apiVersion: v1\nkind: Service\nmetadata: {{name: app{i}}}\n"
           "spec:\n  ports: [{{name: http, port: 80}}]\n---\n")
    text = "".join(doc.format(i=i) for i in range(2000))
    t0 = time.perf_counter()
    lint(tmp_path, text)
    assert time.perf_counter() - t0 < 20


def test_a_stream_of_json_objects_is_read_as_kubectl_reads_it(tmp_path: Path) -> None:
    """JSON objects one after another (kubectl's decoder reads them; YAML stops at the second)
    give each object's findings at its own lines, and no parse error."""
    import json

    import yaml

    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "TL101" / "bad.k8s.yaml"
    parts = [json.dumps(d, indent=2) for d in list(yaml.safe_load_all(fixture.read_text()))[:2]]
    alone: list[tuple[str, int]] = []
    offset = 0
    for i, part in enumerate(parts):
        (tmp_path / f"alone{i}").mkdir()
        alone += [(rule, line + offset) for rule, line in lint(tmp_path / f"alone{i}", part, name="o.json")]
        offset += part.count("\n") + 1
    (tmp_path / "stream").mkdir()
    got = lint(tmp_path / "stream", "\n".join(parts) + "\n", name="stream.json")
    assert got == sorted(alone)
    assert {rule for rule, _ in got} >= {"TL101"} and "TL000" not in {rule for rule, _ in got}


def test_a_utf16_manifest_is_read_like_its_utf8_copy(tmp_path: Path) -> None:
    """Windows PowerShell's `>` writes UTF-16 with a byte-order mark (`kubectl get -o yaml >
    x.yaml`): read as text, not refused as binary."""
    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "TL101" / "bad.k8s.yaml"
    text = fixture.read_text()
    (tmp_path / "utf8").mkdir()
    (tmp_path / "utf16").mkdir()
    want = lint(tmp_path / "utf8", text)
    for encoding in ("utf-16", "utf-16-be"):
        raw = text.replace("\n", "\r\n").encode(encoding)
        if encoding == "utf-16-be":
            raw = b"\xfe\xff" + raw
        (tmp_path / "utf16" / "m.yaml").write_bytes(raw)
        res = run(RunOptions(paths=[str(tmp_path / "utf16")], base=tmp_path / "utf16"))
        assert sorted((f.rule_id, f.span.line) for f in res.all_findings if not f.suppressed) == want
    assert "TL101" in {rule for rule, _ in want}


def test_a_manifest_parsed_ahead_is_read_once_and_only_for_its_own_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """`parse_ahead` (a worker, while the walk runs) keeps a file's parse for `load`, which takes it
    only for the very text parsed: the shard's result is the plain load's."""
    from transit_lint.frontends import LoadContext, SourceFile
    from transit_lint.kubernetes import frontend as kf

    text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web  # the web tier\n"
    reads: list[str] = []
    real = kf._read
    monkeypatch.setattr(kf, "_read", lambda f: reads.append(f.text) or real(f))
    ctx = LoadContext(Path("/x"), (Path("/x"),), 1 << 20)
    plain = kf.load([SourceFile(Path("/x/a.yaml"), "a.yaml", text)], ctx)
    first = SourceFile(Path("/x/a.yaml"), "a.yaml", text)
    kf.parse_ahead(first)
    ahead = kf.load([first], ctx)
    assert reads == [text, text]  # the plain load, then the parse ahead: the load took it
    kf.parse_ahead(first)
    changed = SourceFile(Path("/x/a.yaml"), "a.yaml", text.replace("web", "api"))
    assert [r.address for r in kf.load([changed], ctx).resources] == ["Service/api"]
    assert reads == [text, text, text, changed.text] and not kf._AHEAD
    assert ([r.address for r in ahead.resources], ahead.comments) == ([r.address for r in plain.resources],
                                                                    plain.comments) != ([], {"a.yaml": []})
