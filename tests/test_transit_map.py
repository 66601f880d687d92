"""The transit map (`--format mermaid`, `--format dot`): structure, states, and valid Graphviz."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from transit_lint.engine import RunOptions, RunResult, run
from transit_lint.model import Node
from transit_lint.report import dot, mermaid
from transit_lint.spans import Span
from transit_lint.transitmap import TransitMap, build, connection_state, endpoint_state

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def example() -> RunResult:
    return run(RunOptions(paths=[str(EXAMPLES)], base=ROOT))


@pytest.fixture(scope="module")
def example_map(example: RunResult) -> TransitMap:
    return build(example.nodes, example.links, example.findings)


def triples(m: TransitMap) -> set[tuple[str, str, str, str]]:
    label = {n.id: n.label for n in m.nodes}
    return {(label[e.src], label[e.dst], e.label, e.state) for e in m.edges}


def test_example_map_hops(example_map: TransitMap) -> None:
    assert triples(example_map) == {
        # CloudFormation: CDN viewer side (redirect + TLS 1.2), plaintext origin; cache accepting plaintext
        ("Internet clients", "Cdn", "HTTP redirects to HTTPS", "redirect"),
        ("Internet clients", "Cdn", "HTTPS TLS ≥ 1.2", "encrypted"),
        ("Cdn", "api-origin.example.com", "HTTP", "plaintext"),
        ("clients (exposure unknown)", "Cache", "TLS optional", "plaintext"),
        # Terraform: listeners route to one target group, which forwards in plaintext
        ("clients (exposure unknown)", "aws_lb_listener.http", "HTTP :80", "plaintext"),
        ("clients (exposure unknown)", "aws_lb_listener.https", "HTTPS :443 TLS ≥ 1.0", "encrypted"),
        ("aws_lb_listener.http", "aws_lb_target_group.app", "routes to", "link"),
        ("aws_lb_listener.https", "aws_lb_target_group.app", "routes to", "link"),
        ("aws_lb_target_group.app", "targets (internal)", "HTTP :8080", "plaintext"),
        # the module's CloudFront distribution
        ("Internet clients", "module.edge.aws_cloudfront_distribution.cdn", "HTTP redirects to HTTPS", "redirect"),
        ("Internet clients", "module.edge.aws_cloudfront_distribution.cdn", "HTTPS TLS ≥ 1.2", "encrypted"),
        ("module.edge.aws_cloudfront_distribution.cdn", "origin.example.com", "HTTP", "plaintext"),
        # Kubernetes
        ("Internet clients", "Ingress/shop/web", "HTTP :80", "plaintext"),
        # Ingress -> Service -> Deployment, found by name and selector
        ("Ingress/shop/web", "Service/shop/web", "HTTP", "plaintext"),
        ("internal clients", "Service/shop/web", "HTTP :80", "unknown"),
        ("Service/shop/web", "Deployment/shop/web", "routes to", "link"),
        ("Deployment/shop/web", "db.shop.svc.cluster.local", "POSTGRESQL :5432", "plaintext"),
        # nginx
        ("clients (exposure unknown)", "nginx:server[www.example.com:80]", "HTTP :80 redirects to HTTPS",
         "redirect"),
        ("clients (exposure unknown)", "nginx:server[www.example.com:443]", "HTTPS :443 TLS ≥ 1.0", "encrypted"),
        ("nginx:server[www.example.com:443]", "nginx:server[www.example.com]/location[/]/proxy_pass", "routes to",
         "link"),
        ("nginx:server[www.example.com]/location[/]/proxy_pass", "app.internal.example.com", "HTTPS",
         "unverified"),
    }


def test_findings_are_marked_on_their_components(example_map: TransitMap, example: RunResult) -> None:
    marked = {n.label: n.findings for n in example_map.nodes if n.findings}
    assert marked == {
        "Cache": ("TL110",),
        "Cdn": ("TL501",),
        "aws_lb_listener.http": ("TL101",),
        "aws_lb_listener.https": ("TL201", "TL202"),
        "module.edge.aws_cloudfront_distribution.cdn": ("TL501",),
        "Deployment/shop/web": ("TL103",),
        "Ingress/shop/web": ("TL101",),
        "nginx:server[www.example.com:443]": ("TL201", "TL202"),
        "nginx:server[www.example.com]/location[/]/proxy_pass": ("TL301",),
    }
    # every finding of the run that belongs to a drawn node shows up
    assert sum(len(f) for f in marked.values()) == len({(f.path, f.resource.id if f.resource else "", f.rule_id)
                                                         for f in example.findings})


def _node(kind: str, **attrs: object) -> Node:
    n = Node(id="x", kind=kind, native_type="t", format="terraform", path="p", span=Span(1, 1, 1, 1),
             header=Span(1, 1, 1, 1))
    for k, v in attrs.items():
        n.set(k, v, None)
    return n


@pytest.mark.parametrize(("attrs", "state"), [
    ({"plaintext": True}, "plaintext"),
    ({"plaintext": True, "redirect_to_https": True}, "redirect"),
    ({"plaintext": True, "blocks_plaintext": True}, "redirect"),
    ({"tls.required": False}, "plaintext"),
    ({"tls.required": True}, "encrypted"),
    ({"tls.enabled": True, "plaintext": False}, "encrypted"),
    ({"tls.enabled": True, "tls.client_auth": "required"}, "mutual"),
    ({"tls.enabled": True, "tls.client_auth": "optional"}, "encrypted"),
    ({}, "unknown"),
])
def test_endpoint_states(attrs: dict[str, object], state: str) -> None:
    assert endpoint_state(_node("endpoint", **attrs)) == state


@pytest.mark.parametrize(("attrs", "state"), [
    ({"tls_mode": "plaintext"}, "plaintext"),
    ({"tls_mode": "opportunistic"}, "plaintext"),
    ({"tls_mode": "encrypted-unverified"}, "unverified"),
    ({"tls_mode": "no-hostname-check"}, "unverified"),
    ({"tls_mode": "verified"}, "verified"),
    ({"tls_mode": "verified", "client_cert": True}, "mutual"),
    ({"plaintext": True}, "plaintext"),
    ({"tls.enabled": True}, "encrypted"),
    ({"tls_mode": "unknown"}, "unknown"),
])
def test_connection_states(attrs: dict[str, object], state: str) -> None:
    assert connection_state(_node("connection", **attrs)) == state


def test_mermaid_is_well_formed(example: RunResult, example_map: TransitMap) -> None:
    text = mermaid.render(example, None)  # type: ignore[arg-type]
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    assert sum(1 for ln in lines if ln.strip().startswith("subgraph ")) == sum(1 for ln in lines if ln.strip() == "end")
    declared = set(re.findall(r"^\s+(n\d+)[\[(]", text, re.MULTILINE))
    edges = re.findall(r"^\s+(n\d+) -\.?->(?:\|\"[^\"]*\"\|)? (n\d+)$", text, re.MULTILINE)
    assert len(edges) == len(example_map.edges)
    assert {i for e in edges for i in e} <= declared
    styles = re.findall(r"^\s+linkStyle (\d+) ", text, re.MULTILINE)
    assert [int(s) for s in styles] == list(range(len(edges)))
    # the plaintext hops are drawn red and thick, the redirect ones dashed
    red = [i for i, e in enumerate(example_map.edges) if e.state == "plaintext"]
    for i in red:
        assert f"linkStyle {i} stroke:#d73a49,stroke-width:3px" in text


def test_mermaid_escapes_quotes_and_brackets() -> None:
    n = _node("connection", url='http://a"b<c>', plaintext=True)
    text = mermaid.render_map(build([n], [], []))
    assert '#quot;' in text and "#lt;" in text and '"b<' not in text


def test_dot_renders_with_graphviz(example: RunResult, tmp_path: Path) -> None:
    assert shutil.which("dot"), "Graphviz `dot` is missing: .ci/run installs the Debian package graphviz"
    src = tmp_path / "map.dot"
    src.write_text(dot.render(example, None), encoding="utf-8")  # type: ignore[arg-type]
    p = subprocess.run(["dot", "-Tsvg", str(src)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "<svg" in p.stdout and "Warning" not in p.stderr
    # every component and hop made it into the picture
    assert p.stdout.count('class="edge"') == len(build(example.nodes, example.links, example.findings).edges)
    assert "aws_lb_target_group.app" in p.stdout


def test_cli_writes_both_maps_and_never_uses_the_cache(tmp_path: Path) -> None:
    out_m, out_d = tmp_path / "map.md", tmp_path / "map.dot"
    cmd = [sys.executable, "-m", "transit_lint", str(EXAMPLES), "-f", f"mermaid={out_m}", "-f", f"dot={out_d}"]
    for _ in range(2):  # the second run would be a cache hit, which keeps no graph
        p = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert p.returncode == 1, p.stderr
        assert out_m.read_text().count("-->") + out_m.read_text().count("-.->") == 21
        assert out_d.read_text().startswith("digraph transit {")


def test_mermaid_to_a_markdown_file_is_fenced(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "transit_lint", str(EXAMPLES / "nginx"),
           "-f", "mermaid=map.md", "-f", "mermaid=map.mmd"]
    subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    md, raw = (tmp_path / "map.md").read_text(), (tmp_path / "map.mmd").read_text()
    assert md == f"```mermaid\n{raw}```\n" and raw.startswith("flowchart LR\n")


def test_readme_shows_the_current_example_map() -> None:
    from transit_lint.docs import readme_map

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_map() in readme, "README transit map is stale: run `python -m transit_lint.docs`"
