"""CloudFormation end to end: where findings point, parameters, YAML/JSON parity."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from transit_lint.engine import RunOptions, run

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CFN_FIXTURES = sorted(FIXTURES.glob("TL[0-9][0-9][0-9]/*.cfn.yaml"))

LISTENER = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  ListenerProtocol:
    Type: String
    Default: HTTP
Resources:
  Web:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Lb
      Port: 80
      Protocol: !Ref ListenerProtocol
      DefaultActions:
        - Type: forward
          TargetGroupArn: !Ref Tg
"""


def lint(tmp_path: Path, text: str, name: str = "template.yaml", **opts: object):  # type: ignore[no-untyped-def]
    (tmp_path / name).write_text(text)
    return run(RunOptions(paths=[str(tmp_path)], base=tmp_path, select=["TL101"], options=dict(opts)))


def test_a_parameter_default_points_at_the_property_and_names_the_parameter(tmp_path: Path) -> None:
    result = lint(tmp_path, LISTENER)
    (f,) = result.findings
    assert (f.rule_id, f.path, f.span.line) == ("TL101", "template.yaml", 12)
    assert f.resource is not None and f.resource.id == "Web"
    assert (f.resource.span.line, f.resource.span.end_line) == (7, 15)
    assert "value from parameter ListenerProtocol (default)" in f.notes


def test_cfn_parameters_override_defaults(tmp_path: Path) -> None:
    assert lint(tmp_path, LISTENER, cfn_parameters={"ListenerProtocol": "HTTPS"}).findings == []
    (f,) = lint(tmp_path, LISTENER, cfn_parameters={"ListenerProtocol": "HTTP"}).findings
    assert "value from parameter ListenerProtocol (--cfn-parameter)" in f.notes


def test_an_absent_value_points_at_the_logical_id(tmp_path: Path) -> None:
    text = LISTENER.replace("      Protocol: !Ref ListenerProtocol\n", "")
    (f,) = lint(tmp_path, text).findings
    assert f.span.line == 7 and any("default" in n for n in f.notes)


def _as_json(text: str) -> str:
    from cfnlint.decode import decode_str

    data, matches = decode_str(text)
    assert not matches
    return json.dumps(data, indent=2, default=lambda x: x.isoformat() if isinstance(x, datetime.date) else str(x))


@pytest.mark.parametrize("fixture", CFN_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_json_and_yaml_give_the_same_findings(fixture: Path, tmp_path: Path) -> None:
    """Each YAML fixture, converted to JSON (short-form tags to long form), finds the same
    (rule, resource) pairs: the two readers feed the same evaluator and tables."""
    rule = fixture.parent.name
    text = fixture.read_text()
    profile = "strict" if "# profile: strict" in text else "baseline"
    found = {}
    for name, body in (("t.yaml", text), ("t.json", _as_json(text))):
        d = tmp_path / name.replace(".", "-")
        d.mkdir()
        (d / name).write_text(body)
        result = run(RunOptions(paths=[str(d)], base=d, select=[rule], profile=profile))
        assert not result.errors, [e.message for e in result.errors]
        found[name] = sorted((f.rule_id, f.resource.id if f.resource else "") for f in result.findings)
    assert found["t.json"] == found["t.yaml"]
