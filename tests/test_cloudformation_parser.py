"""CloudFormation reading: spans, tags, JSON, detection, and bad input that must become TL000.

The parser fixtures in fixtures/parsers/cloudformation/ are linted one by one: YAML ones carry
inline markers, JSON ones a sidecar `<file>.expect.yaml` (JSON cannot hold comments).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from transit_lint.cloudformation import frontend
from transit_lint.cloudformation.parser import parse_template
from transit_lint.engine import RunOptions, run
from transit_lint.testing import read_markers
from transit_lint.tree import Value
from transit_lint.yaml_comments import yaml_comments

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "parsers" / "cloudformation"
CASES = sorted(p for p in FIXTURES.iterdir() if not p.name.endswith(".expect.yaml"))


def _lint(tmp_path: Path, name: str, text: str, rules: list[str] | None = None) -> set[tuple[int, str]]:
    (tmp_path / name).write_text(text)
    result = run(RunOptions(paths=[str(tmp_path)], select=rules, base=tmp_path))
    return {(f.span.line, f.rule_id) for f in result.all_findings}


def _at(root: Value, dotted: str) -> Value:
    v: Value | None = root
    for part in dotted.split("."):
        assert v is not None
        v = v.data[int(part)] if isinstance(v.data, list) else v.get(part)
    assert v is not None, dotted
    return v


@pytest.mark.parametrize("fixture", CASES, ids=lambda p: p.name)
def test_parser_fixture(fixture: Path, tmp_path: Path) -> None:
    text = fixture.read_text()
    sidecar = fixture.with_name(fixture.name + ".expect.yaml")
    if sidecar.exists():
        spec = yaml.safe_load(sidecar.read_text())
        expected = {(e["line"], e["rule"]) for e in spec["expect"]}
        rules = spec["rules"]
    else:
        marks = read_markers(text, fixture.name)
        expected = {(line, rule) for _, line, rule in marks.expect}
        rules = sorted({r for _, r in expected if not r.startswith("TL0")}) or ["TL101"]
    shutil.copy2(fixture, tmp_path / fixture.name)
    result = run(RunOptions(paths=[str(tmp_path)], select=rules, base=tmp_path))
    actual = {(f.span.line, f.rule_id) for f in result.all_findings}
    assert actual == expected


# ---- spans ---------------------------------------------------------------------------------------

YAML = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Web:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      Port: 80
      Protocol: !Ref Proto
      Description: |
        two
        lines
      Arn: !GetAtt Lb.Arn
      Items:
        - a
        - 5

  # a comment between resources
  Other:
    Type: AWS::S3::Bucket
"""


def test_yaml_spans_keys_scalars_and_blocks() -> None:
    parsed = parse_template(YAML)
    assert parsed.root is not None and not parsed.problems
    web = _at(parsed.root, "Resources.Web")
    # the entry runs from the logical id to its last value, not into the blank line and comment
    assert web.key_span is not None and (web.key_span.line, web.key_span.end_line) == (3, 14)
    port = _at(parsed.root, "Resources.Web.Properties.Port")
    assert port.data == 80 and port.anchor.line == 6  # numbers carry no marks: the key's line
    proto = _at(parsed.root, "Resources.Web.Properties.Protocol")
    assert proto.data == {"Ref": proto.data["Ref"]} and proto.data["Ref"].data == "Proto"
    assert proto.anchor.line == 7
    desc = _at(parsed.root, "Resources.Web.Properties.Description")
    assert desc.data == "two\nlines\n" and (desc.anchor.line, desc.anchor.end_line) == (8, 10)
    getatt = _at(parsed.root, "Resources.Web.Properties.Arn")
    assert [x.data for x in getatt.data["Fn::GetAtt"].data] == ["Lb", "Arn"]
    items = _at(parsed.root, "Resources.Web.Properties.Items")
    assert [x.data for x in items.data] == ["a", 5] and items.data[0].span.line == 13


def test_short_form_tags_read_as_their_long_form() -> None:
    text = ("Resources:\n  X:\n    Type: AWS::S3::Bucket\n    Properties:\n"
            "      A: !Sub 'x-${AWS::Region}'\n      B: !Join ['', [a, b]]\n      C: !If [Cond, 1, 2]\n"
            "      D: !FindInMap [M, K, V]\n      E: !ImportValue shared\n      F: !Select [0, !GetAZs '']\n")
    parsed = parse_template(text)
    assert parsed.root is not None
    props = _at(parsed.root, "Resources.X.Properties")
    assert {k: next(iter(v.data)) for k, v in props.items()} == {
        "A": "Fn::Sub", "B": "Fn::Join", "C": "Fn::If", "D": "Fn::FindInMap", "E": "Fn::ImportValue",
        "F": "Fn::Select"}


def test_json_spans_point_at_the_key_line() -> None:
    text = (FIXTURES / "listeners.cfn.json").read_text()
    parsed = parse_template(text)
    assert parsed.root is not None and parsed.is_json and parsed.comments == []
    proto = _at(parsed.root, "Resources.ViaParameter.Properties.Protocol")
    assert proto.anchor.line == 17
    port = _at(parsed.root, "Resources.ViaParameter.Properties.Port")
    assert port.data == 80 and port.anchor.line == 16


def test_comments_are_collected_for_suppressions() -> None:
    text = "Resources:  # top\n  # transit-lint: ignore[TL101] lab\n  X:\n    Type: 'AWS::S3::Bucket#not'\n"
    assert yaml_comments(text) == [(1, "# top"), (2, "# transit-lint: ignore[TL101] lab")]


# ---- detection ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "claimed"), [
    ("AWSTemplateFormatVersion: '2010-09-09'\n", True),
    ('{"AWSTemplateFormatVersion": "2010-09-09"}', True),
    ("Resources:\n  X:\n    Type: AWS::S3::Bucket\n", True),
    ('{"Resources": {"X": {"Type": "AWS::S3::Bucket"}}}', True),
    ("Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n", True),
    ("apiVersion: v1\nkind: ConfigMap\ndata:\n  x: y\n", False),
    ("resources:\n  Resources:\n    X:\n      Type: AWS::S3::Bucket\n", False),  # serverless.yml
    ("Resources:\n  X:\n    Type: Custom::Thing\n", False),
    ('{"name": "package", "version": "1.0.0"}', False),
])
def test_sniff_by_content(text: str, claimed: bool) -> None:
    assert frontend.sniff(Path("template.yaml"), text) is claimed


def test_sniff_does_not_import_cfn_lint() -> None:
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from transit_lint.cloudformation import frontend; "
            "frontend.sniff(Path('t.yaml'), 'AWSTemplateFormatVersion: x'); "
            "print('cfnlint' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_yaml_that_is_not_cloudformation_is_skipped_silently(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("replicas: 3\nimage: nginx\n")
    (tmp_path / "data.json").write_text('{"Resources": "none"}')
    result = run(RunOptions(paths=[str(tmp_path)], base=tmp_path))
    assert result.errors == [] and result.findings == []


# ---- bad input: TL000 for that file only, never a crash or a hang --------------------------------


BAD = {
    "unclosed.yaml": "AWSTemplateFormatVersion: x\nResources:\n  A: {Type: AWS::S3::Bucket\n",
    "duplicate.yaml": ("AWSTemplateFormatVersion: x\nResources:\n  A:\n    Type: AWS::S3::Bucket\n"
                       "  A:\n    Type: AWS::SQS::Queue\n"),
    "unknown-tag.yaml": ("AWSTemplateFormatVersion: x\nResources:\n  A:\n    Type: AWS::S3::Bucket\n"
                         "    Properties:\n      BucketName: !Foo bar\n"),
    "include.yaml": ("AWSTemplateFormatVersion: x\nResources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties:\n"
                     "      Fn::Transform:\n        Name: AWS::Include\n        Parameters: {Location: s3://b/k}\n"),
    "macro.yaml": "AWSTemplateFormatVersion: x\nTransform: MyMacro\nResources:\n  A:\n    Type: AWS::SQS::Queue\n",
    "deep.yaml": "AWSTemplateFormatVersion: x\nResources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties:\n      X: "
                 + "[" * 3000 + "]" * 3000 + "\n",
    "top-list.json": '[{"AWSTemplateFormatVersion": "2010-09-09"}]',
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_templates_are_tl000_and_the_run_goes_on(name: str, tmp_path: Path) -> None:
    (tmp_path / name).write_text(BAD[name])
    good = "AWSTemplateFormatVersion: x\nResources:\n  L:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n" \
           "    Properties:\n      Port: 80\n      Protocol: HTTP\n"
    (tmp_path / "good.yaml").write_text(good)
    result = run(RunOptions(paths=[str(tmp_path)], select=["TL101"], base=tmp_path))
    assert [e.path for e in result.errors] == [name]
    assert all(e.rule_id == "TL000" for e in result.errors)
    assert ("good.yaml", 7) in {(f.path, f.span.line) for f in result.findings}


def test_yaml_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    import time

    lines = ["AWSTemplateFormatVersion: x", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]
    lines.append("Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags: *a11")
    t0 = time.perf_counter()
    found = _lint(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")
    assert time.perf_counter() - t0 < 20
    assert {rule for _, rule in found} == {"TL000"}


def test_known_transforms_load_without_error(tmp_path: Path) -> None:
    text = ("AWSTemplateFormatVersion: x\nTransform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]\n"
            "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: a.b\n")
    assert _lint(tmp_path, "sam.yaml", text) == set()


# ---- differential: cfn-lint's decoder is the oracle ----------------------------------------------

CFN_TEXTS = sorted(
    p for p in (Path(__file__).resolve().parent.parent / "fixtures").rglob("*")
    if p.is_file() and p.name.endswith((".cfn.yaml", ".cfn.json")) and "TL000" not in p.parts
)


def _plain_cfnlint(x: object) -> object:
    import datetime

    if isinstance(x, dict):
        return {str(k): _plain_cfnlint(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain_cfnlint(v) for v in x]
    if isinstance(x, (datetime.date, datetime.datetime)):
        return x.isoformat()
    if isinstance(x, str):
        return str(x)
    return x


@pytest.mark.parametrize("fixture", CFN_TEXTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_reader_agrees_with_cfn_lint(fixture: Path) -> None:
    from cfnlint.decode import decode_str

    text = fixture.read_text()
    data, matches = decode_str(text)
    parsed = parse_template(text)
    if matches:
        assert parsed.root is None, [str(m) for m in matches]
        return
    assert parsed.root is not None, parsed.problems
    assert parsed.root.plain() == _plain_cfnlint(data)
