"""Inline suppressions: comments (HCL `#` and `//`, YAML, nginx), CloudFormation Metadata and
Kubernetes annotations; suppressed findings are kept and counted; bad suppressions are TL002."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from transit_lint.engine import RunOptions, RunResult, run
from transit_lint.findings import Finding, ResourceRef, Severity, make_finding
from transit_lint.model import NativeResource, Node
from transit_lint.policy.loader import load_catalog
from transit_lint.policy.suppress import apply
from transit_lint.spans import Span
from transit_lint.tree import Value

LISTENER = '''resource "aws_lb_listener" "{name}" {{
  port     = 80
{pre}  protocol = "HTTP"{post}
  default_action {{
    type = "forward"
  }}
}}
'''


def listener(name: str = "l", pre: str = "", post: str = "") -> str:
    return LISTENER.format(name=name, pre=pre, post=post)


def lint(tmp_path: Path, text: str, name: str = "main.tf", **kw: object) -> RunResult:
    (tmp_path / name).write_text(text)
    return run(RunOptions(paths=[str(tmp_path)], base=tmp_path, **kw))  # type: ignore[arg-type]


def sites(result: RunResult) -> set[tuple[str, int, bool]]:
    return {(f.rule_id, f.span.line, f.suppressed) for f in result.findings}


def tl002(result: RunResult) -> list[tuple[int, str]]:
    return [(f.span.line, f.message) for f in result.findings if f.rule_id == "TL002"]


def test_comment_above_the_value(tmp_path: Path) -> None:
    r = lint(tmp_path, listener(pre="  # transit-lint: ignore[TL101] only the VPC health checker calls it\n"))
    (f,) = r.findings
    assert (f.rule_id, f.span.line, f.suppressed) == ("TL101", 4, True)
    assert f.suppression_reason == "only the VPC health checker calls it"


def test_trailing_comment_and_double_slash_and_rule_name(tmp_path: Path) -> None:
    r = lint(tmp_path, listener("a", post="  // transit-lint: ignore[plaintext-listener] -- legacy, JIRA-12")
             + listener("b", pre="  //transit-lint:ignore[TL101]:redirect at the CDN\n"))
    assert sites(r) == {("TL101", 3, True), ("TL101", 11, True)}
    assert {f.suppression_reason for f in r.findings} == {"legacy, JIRA-12", "redirect at the CDN"}


def test_comment_above_the_resource_header_waives_the_whole_resource(tmp_path: Path) -> None:
    text = ("# A listener kept for an old client.\n"
            "# transit-lint: ignore[TL101, TL601] decommissioned in Q3\n"
            "# owner: edge team\n"
            'resource "aws_lb_listener" "x" {\n  port     = 443\n  protocol = "HTTP"\n'
            '  default_action {\n    type = "forward"\n  }\n}\n')
    r = lint(tmp_path, text)
    assert {(f.rule_id, f.suppressed) for f in r.findings} == {("TL101", True), ("TL601", True)}
    assert not tl002(r)


def test_directive_does_not_reach_past_a_blank_line_or_other_resources(tmp_path: Path) -> None:
    text = "# transit-lint: ignore[TL101] too far away\n\n" + listener("a") + listener("b")
    r = lint(tmp_path, text)
    assert {f.suppressed for f in r.findings if f.rule_id == "TL101"} == {False}
    ((line, msg),) = tl002(r)
    assert line == 1 and "no code follows it directly" in msg


def test_reason_is_required(tmp_path: Path) -> None:
    r = lint(tmp_path, listener(pre="  # transit-lint: ignore[TL101]\n"))
    assert ("TL101", 4, False) in sites(r), "not applied without a reason"
    ((line, msg),) = tl002(r)
    assert line == 3 and "gives no reason" in msg


@pytest.mark.parametrize(("comment", "needle"), [
    ("# transit-lint: ignore[TL999] because", "unknown rule 'TL999'"),
    ("# transit-lint: ignore[*] everything", "no wildcard"),
    ("# transit-lint: ignore[] why", "names no rule"),
    ("# transit-lint: ignore TL101 why", "malformed suppression"),
    ("# transit-lint: disable[TL101] why", "unknown directive 'disable'"),
])
def test_bad_suppressions_are_reported(tmp_path: Path, comment: str, needle: str) -> None:
    r = lint(tmp_path, listener(pre=f"  {comment}\n"))
    assert ("TL101", 4, False) in sites(r)
    msgs = tl002(r)
    assert msgs and all(line == 3 for line, _ in msgs)
    assert any(needle in m for _, m in msgs), msgs
    f = next(f for f in r.findings if f.rule_id == "TL002")
    assert f.severity == Severity.LOW and f.rule_name == "bad-suppression" and f.standards["cwe"]


@pytest.mark.parametrize("comment", [
    "# transit-lint:", "# transit-lint: [TL101] x", "# transit-lint: ignore[", "# transit-lint: ignore[TL101",
    "/* transit-lint: ignore[TL101] r */", "# transit-lint: ignore[,,] r", "#transit-lint:ignore[TL101]",
    "# transit-lint: ignore[TL101]\t\u00e9\u00e9", "// transit-lint: ignore[tl101] lower case id",
])
def test_odd_comments_never_raise(tmp_path: Path, comment: str) -> None:
    r = lint(tmp_path, listener(pre=f"  {comment}\n"))
    assert any(f.rule_id == "TL101" for f in r.findings)


def test_unused_suppression_is_reported(tmp_path: Path) -> None:
    good = listener().replace('"HTTP"', '"HTTPS"').replace("80", "443")
    r = lint(tmp_path, good.replace("  protocol", "  # transit-lint: ignore[TL101] was plaintext once\n  protocol"))
    ((line, msg),) = tl002(r)
    assert line == 3 and "waives nothing" in msg


def test_no_unused_report_for_rules_that_did_not_run_or_files_that_did_not_parse(tmp_path: Path) -> None:
    text = listener(pre="  # transit-lint: ignore[TL201] not judged in this run\n")
    r = lint(tmp_path, text, select=["TL1"])
    assert not tl002(r)
    (tmp_path / "main.tf").unlink()
    r = lint(tmp_path, listener(pre="  # transit-lint: ignore[TL201] x\n") + 'resource "x" "y" {\n  a = \n',
             name="broken.tf")
    assert r.errors and not tl002(r)


def test_ignoring_tl002_silences_the_reports_but_not_the_rule(tmp_path: Path) -> None:
    r = lint(tmp_path, listener(pre="  # transit-lint: ignore[TL101]\n"), ignore=["TL002"])
    assert sites(r) == {("TL101", 4, False)}


def test_single_file_mode_does_not_judge_suppressions_in_context_files(tmp_path: Path) -> None:
    (tmp_path / "other.tf").write_text(listener("o", pre="  # transit-lint: ignore[TL101] fine\n")
                                       + "# transit-lint: ignore[TL999] unknown\n")
    (tmp_path / "main.tf").write_text(listener("m"))
    r = run(RunOptions(paths=[str(tmp_path / "main.tf")], base=tmp_path))
    assert {(f.path, f.rule_id) for f in r.findings} == {("main.tf", "TL101")}


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "transit_lint", "--no-cache", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_reports_keep_and_count_suppressed_findings(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(listener(pre="  # transit-lint: ignore[TL101] internal only\n"))
    p = cli(".", "--format", "json", cwd=tmp_path)
    assert p.returncode == 0, "a suppressed finding does not fail the run"
    doc = json.loads(p.stdout)
    (f,) = doc["findings"]
    assert f["suppressed"] is True and f["suppression_reason"] == "internal only"
    assert doc["summary"]["suppressed"] == 1 and doc["summary"]["findings"] == 0
    t = cli(".", cwd=tmp_path)
    assert "0 finding(s)" in t.stdout and "1 suppressed" in t.stdout and "(suppressed: internal only)" in t.stdout


# ---- CloudFormation Metadata and Kubernetes annotations, on the model directly ----

def _v(data: object, line: int) -> Value:
    """A spanned value tree from plain data, every value on `line`."""
    if isinstance(data, dict):
        return Value({k: _v(x, line) for k, x in data.items()}, Span(line, 1, line, 40), Span(line, 1, line, 40))
    if isinstance(data, list):
        return Value([_v(x, line) for x in data], Span(line, 1, line, 40), Span(line, 1, line, 40))
    return Value(data, Span(line, 5, line, 40), Span(line, 3, line, 40))


def _resource(fmt: str, body: dict[str, object], meta: dict[str, object] | None = None) -> tuple[NativeResource, Node]:
    res = NativeResource("Listener/Web", "T", fmt, "t.yaml", Span(2, 1, 20, 1), Span(2, 1, 2, 10), _v(body, 5),
                         meta=meta or {})
    node = Node("Listener/Web", "endpoint", "T", fmt, "t.yaml", Span(2, 1, 20, 1), Span(2, 1, 2, 10), resource=res)
    return res, node


def _finding(rule: str, line: int, node: Node) -> Finding:
    ref = ResourceRef(node.id, node.kind, node.native_type, node.span)
    return make_finding(rule_id=rule, rule_name="x", severity=Severity.HIGH, message="m", path="t.yaml",
                        span=Span(line, 3, line, 9), resource=ref)


def _apply(node: Node, findings: list[Finding], tmp_path: Path) -> list[Finding]:
    catalog = load_catalog()
    return apply(findings, nodes=[node], comments={}, catalog=catalog,
                 enabled=catalog.enabled("baseline", None, None), base=tmp_path, errors=[])


def test_kubernetes_annotation(tmp_path: Path) -> None:
    _, node = _resource("kubernetes", {"metadata": {"annotations": {
        "transit-lint.io/ignore": "TL101: TLS ends at the mesh sidecar; TL201,TL202: legacy clients\nTL999: x"}}})
    out = _apply(node, [_finding("TL101", 9, node), _finding("TL202", 12, node)], tmp_path)
    by_rule = {f.rule_id: f for f in out}
    assert by_rule["TL101"].suppressed and by_rule["TL101"].suppression_reason == "TLS ends at the mesh sidecar"
    assert by_rule["TL202"].suppression_reason == "legacy clients"
    problems = sorted(f.message for f in out if f.rule_id == "TL002")
    assert len(problems) == 2
    assert any("unknown rule 'TL999'" in m for m in problems)
    assert any("TL201 waives nothing: no TL201 finding in Listener/Web" in m for m in problems)


def test_kubernetes_annotation_on_the_owner_of_a_synthesized_resource(tmp_path: Path) -> None:
    owner, _ = _resource("kubernetes", {"metadata": {"annotations": {
        "transit-lint.io/ignore": "TL301: the sidecar verifies"}}})
    child = NativeResource("Deployment/web/app", "k8s:container", "kubernetes", "t.yaml", Span(9, 1, 12, 1),
                           Span(9, 1, 9, 5), _v({"env": []}, 10), meta={"owner": owner, "synthesized": True})
    node = Node("Deployment/web/app", "connection", "k8s:container", "kubernetes", "t.yaml", Span(9, 1, 12, 1),
                Span(9, 1, 9, 5), resource=child)
    (f,) = _apply(node, [_finding("TL301", 10, node)], tmp_path)
    assert f.suppressed and f.suppression_reason == "the sidecar verifies"


@pytest.mark.parametrize("where", ["meta", "body"])
def test_cloudformation_metadata(tmp_path: Path, where: str) -> None:
    md = {"transit-lint": {"ignore": [{"id": "TL101", "reason": "redirected by the CDN"}, {"id": "TL201"},
                                      {"rule": "TL202", "why": "x"}]}}
    if where == "meta":
        _, node = _resource("cloudformation", {"Port": 80}, meta={"Metadata": _v(md, 4)})
    else:
        _, node = _resource("cloudformation", {"Type": "AWS::X", "Metadata": md, "Properties": {"Port": 80}})
    out = _apply(node, [_finding("TL101", 9, node), _finding("TL201", 10, node)], tmp_path)
    f101, f201 = (next(f for f in out if f.rule_id == r) for r in ("TL101", "TL201"))
    assert f101.suppressed and f101.suppression_reason == "redirected by the CDN"
    assert not f201.suppressed
    problems = [f.message for f in out if f.rule_id == "TL002"]
    assert any("gives no reason" in m for m in problems) and any("malformed" in m for m in problems)


# ---- end to end for the other formats, once their front ends exist ----

def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


@pytest.mark.skipif(not _has("transit_lint.kubernetes.frontend"), reason="Kubernetes front end not built yet")
def test_kubernetes_end_to_end(tmp_path: Path) -> None:
    text = ("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n"
            "    transit-lint.io/ignore: \"TL101: internal-only ingress class\"\nspec:\n  rules:\n"
            "    - host: example.com\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n"
            "            backend:\n              service:\n                name: web\n                port:\n"
            "                  number: 80\n")
    control = lint(tmp_path, text.replace("    transit-lint.io/ignore", "    x-other"), name="ingress.yaml")
    if not [f for f in control.findings if f.rule_id == "TL101"]:
        pytest.skip("the Kubernetes front end does not judge a plaintext Ingress yet")
    r = lint(tmp_path, text, name="ingress.yaml")
    tl101 = [f for f in r.findings if f.rule_id == "TL101"]
    assert tl101 and all(f.suppressed for f in tl101)
    assert not [m for _, m in tl002(r) if "unknown" in m or "malformed" in m]


CFN_HEAD = ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Http:\n"
            "    Type: AWS::ElasticLoadBalancingV2::Listener\n")


@pytest.mark.skipif(not _has("transit_lint.cloudformation.frontend"), reason="CloudFormation front end not built yet")
def test_cloudformation_end_to_end(tmp_path: Path) -> None:
    _cfn_case(tmp_path, "    Metadata:\n      transit-lint:\n        ignore:\n          - id: TL101\n"
                        "            reason: internal ALB\n")


@pytest.mark.skipif(not _has("transit_lint.cloudformation.frontend"), reason="CloudFormation front end not built yet")
def test_cloudformation_bad_metadata_is_reported(tmp_path: Path) -> None:
    text = (CFN_HEAD + "    Metadata:\n      transit-lint:\n        ignore:\n          - id: TL101\n"
            "          - {id: TL999, reason: x}\n          - because\n"
            "    Properties:\n      Port: 80\n      Protocol: HTTP\n"
            "      DefaultActions:\n        - Type: forward\n          TargetGroupArn: x\n")
    r = lint(tmp_path, text, name="stack.cfn.yaml")
    assert [f.suppressed for f in r.findings if f.rule_id == "TL101"] == [False]
    msgs = [m for _, m in tl002(r)]
    assert len(msgs) == 3 and any("gives no reason" in m for m in msgs)
    assert any("unknown rule 'TL999'" in m for m in msgs) and any("malformed" in m for m in msgs)
    assert sorted(line for line, _ in tl002(r)) == [8, 9, 10]


@pytest.mark.skipif(not _has("transit_lint.cloudformation.frontend"), reason="CloudFormation front end not built yet")
def test_cloudformation_end_to_end_mapping_form(tmp_path: Path) -> None:
    _cfn_case(tmp_path, "    Metadata:\n      transit-lint:\n        ignore:\n          TL101: internal ALB\n")


def _cfn_case(tmp_path: Path, metadata: str) -> None:
    text = (CFN_HEAD + metadata + "    Properties:\n"
            "      LoadBalancerArn: arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/x/1\n"
            "      Port: 80\n      Protocol: HTTP\n      DefaultActions:\n        - Type: forward\n"
            "          TargetGroupArn: arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/x/1\n")
    r = lint(tmp_path, text, name="stack.cfn.yaml")
    tl101 = [f for f in r.findings if f.rule_id == "TL101"]
    assert tl101 and all(f.suppressed and f.suppression_reason == "internal ALB" for f in tl101)
    assert not tl002(r)


@pytest.mark.skipif(not _has("transit_lint.nginx.frontend"), reason="nginx front end not built yet")
def test_nginx_comment(tmp_path: Path) -> None:
    text = ("http {\n  server {\n    # transit-lint: ignore[TL101] health checks on the private interface\n"
            "    listen 80;\n    location / { proxy_pass https://app; }\n  }\n}\n")
    r = lint(tmp_path, text, name="nginx.conf")
    tl101 = [f for f in r.findings if f.rule_id == "TL101"]
    assert tl101 and all(f.suppressed for f in tl101)
    assert not tl002(r)
    # above the server block: the whole server
    whole = ("http {\n  # transit-lint: ignore[TL101, TL301] lab box, no real traffic\n  server {\n    listen 80;\n"
             "    location / { proxy_pass https://app; }\n  }\n}\n")
    r = lint(tmp_path, whole, name="nginx.conf")
    assert {(f.rule_id, f.suppressed) for f in r.findings} == {("TL101", True), ("TL301", True)}
