"""Nested stacks: a child template judged with the parameters its parent passes."""

from __future__ import annotations

from pathlib import Path

from transit_lint.engine import RunOptions, RunResult, run
from transit_lint.frontends import SourceFile
from transit_lint.shards import make_shards

CHILD = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  ListenerProtocol:
    Type: String
    Default: {default}
Resources:
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/web/1
      Port: 80
      Protocol: !Ref ListenerProtocol
      DefaultActions:
        - Type: forward
          TargetGroupArn: arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/web/1
"""
PROTOCOL_LINE = 12  # `Protocol: !Ref ListenerProtocol` in CHILD

PARENT = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Proto:
    Type: String
    Default: {proto}
Resources:
  NetworkStack:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: {url}
      Parameters:
        ListenerProtocol: {value}
"""


def write(d: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_text(text)


def lint(paths: list[Path], base: Path, select: list[str] | None = None) -> RunResult:
    return run(RunOptions(paths=[str(p) for p in paths], base=base, select=select or ["TL101"]))


def sites(r: RunResult) -> set[tuple[str, int, str]]:
    return {(f.path, f.span.line, f.rule_id) for f in r.all_findings}


def test_a_literal_the_parent_passes_replaces_the_childs_default(tmp_path: Path) -> None:
    write(tmp_path, {"parent.yaml": PARENT.format(proto="HTTPS", url="./child.yaml", value="HTTP"),
                     "child.yaml": CHILD.format(default="HTTPS")})
    r = lint([tmp_path], tmp_path)
    assert sites(r) == {("child.yaml", PROTOCOL_LINE, "TL101")}
    (f,) = r.findings
    assert "value from parameter ListenerProtocol, passed by parent.yaml NetworkStack" in f.notes
    assert "instantiated by NetworkStack (parent.yaml:7)" in f.notes
    assert f.resource is not None and f.resource.id == "NetworkStack.Listener"


def test_a_parent_parameter_default_is_passed_through_a_ref(tmp_path: Path) -> None:
    write(tmp_path, {"parent.yaml": PARENT.format(proto="HTTP", url="child.yaml", value="!Ref Proto"),
                     "child.yaml": CHILD.format(default="HTTPS")})
    assert sites(lint([tmp_path], tmp_path)) == {("child.yaml", PROTOCOL_LINE, "TL101")}


def test_the_childs_default_is_overridden_and_the_child_is_not_judged_again_alone(tmp_path: Path) -> None:
    # on its own the child would listen on HTTP; its only parent passes HTTPS
    write(tmp_path, {"parent.yaml": PARENT.format(proto="HTTPS", url="./child.yaml", value="!Ref Proto"),
                     "child.yaml": CHILD.format(default="HTTP")})
    r = lint([tmp_path], tmp_path)
    assert sites(r) == set()
    listeners = [n for n in r.nodes if n.native_type == "AWS::ElasticLoadBalancingV2::Listener"]
    assert [n.id for n in listeners] == ["NetworkStack.Listener"]


def test_a_value_the_parent_cannot_know_is_unknown(tmp_path: Path) -> None:
    write(tmp_path, {"parent.yaml": PARENT.format(proto="HTTP", url="./child.yaml",
                                                  value="!ImportValue shared-protocol"),
                     "child.yaml": CHILD.format(default="HTTP")})
    r = lint([tmp_path], tmp_path)
    assert sites(r) == set()
    assert r.unknown >= 1


def test_the_child_alone_is_judged_with_its_defaults(tmp_path: Path) -> None:
    write(tmp_path, {"parent.yaml": PARENT.format(proto="HTTPS", url="./child.yaml", value="!Ref Proto"),
                     "child.yaml": CHILD.format(default="HTTP")})
    r = lint([tmp_path / "child.yaml"], tmp_path)
    assert sites(r) == {("child.yaml", PROTOCOL_LINE, "TL101")}


def test_two_parents_with_the_same_values_report_once_and_different_values_apart(tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": PARENT.format(proto="HTTP", url="./child.yaml", value="HTTP"),
                     "b.yaml": PARENT.format(proto="HTTP", url="./child.yaml", value="!Ref Proto"),
                     "c.yaml": PARENT.format(proto="HTTP", url="./child.yaml", value="HTTPS"),
                     "child.yaml": CHILD.format(default="HTTPS")})
    r = lint([tmp_path], tmp_path)
    assert [(f.path, f.span.line) for f in r.findings] == [("child.yaml", PROTOCOL_LINE)]


def test_a_template_outside_the_paths_given_is_not_read(tmp_path: Path) -> None:
    project, outside = tmp_path / "project", tmp_path / "shared"
    write(outside, {"child.yaml": CHILD.format(default="HTTP")})
    write(project, {"parent.yaml": PARENT.format(proto="HTTP", url="../shared/child.yaml", value="HTTP")})
    r = lint([project], project)
    assert sites(r) == set()
    assert any("outside the paths given" in n and "../shared/child.yaml" in n for n in r.notes)
    assert all(n.path == "parent.yaml" for n in r.nodes)


def test_a_missing_or_remote_template_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, {"parent.yaml": PARENT.format(proto="HTTP", url="./gone.yaml", value="HTTP"),
                     "remote.yaml": PARENT.format(proto="HTTP", url="s3://bucket/child.yaml", value="HTTP")})
    r = lint([tmp_path], tmp_path)
    assert sites(r) == set()
    assert any("not found" in n and "gone.yaml" in n for n in r.notes)


def test_a_template_that_nests_itself_is_a_parse_error_at_the_template_url(tmp_path: Path) -> None:
    write(tmp_path, {"loop.yaml": PARENT.format(proto="HTTP", url="./loop.yaml", value="HTTP")})
    r = lint([tmp_path], tmp_path, select=["TL000"])
    assert sites(r) == {("loop.yaml", 10, "TL000")}
    assert "loop.yaml -> loop.yaml" in r.errors[0].message


def test_a_loop_through_two_templates_is_reported_once(tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": PARENT.format(proto="HTTP", url="./b.yaml", value="HTTP"),
                     "b.yaml": PARENT.format(proto="HTTP", url="./a.yaml", value="HTTP")})
    r = lint([tmp_path], tmp_path, select=["TL000"])
    assert sites(r) == {("b.yaml", 10, "TL000")}


def test_grandchildren_take_values_through_every_level(tmp_path: Path) -> None:
    middle = PARENT.format(proto="HTTPS", url="./leaf.yaml", value="!Ref Proto").replace(
        "NetworkStack", "Inner")
    write(tmp_path, {"top.yaml": PARENT.format(proto="HTTP", url="./mid.yaml", value="x").replace(
                         "ListenerProtocol: x", "Proto: !Ref Proto"),
                     "mid.yaml": middle, "leaf.yaml": CHILD.format(default="HTTPS")})
    r = lint([tmp_path], tmp_path)
    assert sites(r) == {("leaf.yaml", PROTOCOL_LINE, "TL101")}
    (f,) = r.findings
    assert f.resource is not None and f.resource.id == "NetworkStack.Inner.Listener"
    assert "value from parameter ListenerProtocol, passed by mid.yaml Inner" in f.notes


def test_a_child_resource_refers_to_its_own_siblings(tmp_path: Path) -> None:
    child = CHILD.format(default="HTTPS").replace(
        "LoadBalancerArn: arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/web/1",
        "LoadBalancerArn: !Ref Lb") + "  Lb:\n    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n"
    write(tmp_path, {"parent.yaml": PARENT.format(proto="HTTP", url="./child.yaml", value="HTTP"),
                     "child.yaml": child})
    r = lint([tmp_path], tmp_path)
    assert ("child.yaml", "NetworkStack.Listener", "child.yaml", "NetworkStack.Lb", "belongs_to") in r.links


def test_shards_group_parents_with_their_local_children(tmp_path: Path) -> None:
    write(tmp_path, {"parent.yaml": PARENT.format(proto="HTTP", url="./nested/child.yaml", value="HTTP"),
                     "nested/child.yaml": CHILD.format(default="HTTPS"),
                     "json.json": '{"Resources": {"S": {"Type": "AWS::CloudFormation::Stack",'
                                  ' "Properties": {"TemplateURL": "other.yaml"}}}}',
                     "other.yaml": CHILD.format(default="HTTPS"),
                     "alone.yaml": CHILD.format(default="HTTP"),
                     "remote.yaml": PARENT.format(proto="HTTP", url="https://example.com/child.yaml", value="HTTP")})
    files = [SourceFile(p.resolve(), p.relative_to(tmp_path).as_posix(), p.read_text())
             for p in sorted(tmp_path.rglob("*.*"))]
    shards = make_shards({"cloudformation": files})
    # small groups are packed into one shard; each keeps its own group
    groups = sorted(sorted(f.rel for f in g) for s in shards for g in s.groups or [s.files])
    assert groups == [["alone.yaml"], ["json.json", "other.yaml"], ["nested/child.yaml", "parent.yaml"],
                      ["remote.yaml"]]
