"""CloudFormation intrinsic functions, parameters, conditions and mappings, evaluated statically."""

from __future__ import annotations

from typing import Any

import pytest

from transit_lint.cloudformation.intrinsics import Resolver
from transit_lint.cloudformation.parser import parse_template
from transit_lint.cloudformation.template import load_template
from transit_lint.model import NativeResource
from transit_lint.tree import UNKNOWN, Reference, Value

HEAD = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Proto: {Type: String, Default: HTTP}
  NoDefault: {Type: String}
  Ports: {Type: CommaDelimitedList, Default: "80, 443"}
  FromSsm: {Type: "AWS::SSM::Parameter::Value<String>", Default: /app/protocol}
  Env: {Type: String, Default: dev}
Conditions:
  IsDev: !Equals [!Ref Env, dev]
  IsProd: !Not [!Condition IsDev]
  Unknown: !Equals [!Ref NoDefault, x]
  DevOrUnknown: !Or [!Condition IsDev, !Condition Unknown]
  ProdAndUnknown: !And [!Condition IsProd, !Condition Unknown]
  Loop1: !Condition Loop2
  Loop2: !Condition Loop1
Mappings:
  Regions:
    eu-west-1: {Policy: ELBSecurityPolicy-TLS13-1-2-2021-06, Scheme: https}
    us-east-1: {Policy: ELBSecurityPolicy-TLS13-1-2-2021-06, Scheme: http}
Resources:
  Lb: {Type: AWS::ElasticLoadBalancingV2::LoadBalancer}
  X:
    Type: AWS::S3::Bucket
    Properties:
      V: {expr}
"""


def evaluate(expr: str, overrides: dict[str, Any] | None = None) -> Value | None:
    parsed = parse_template(HEAD.replace("{expr}", expr))
    assert parsed.root is not None, parsed.problems
    props = parsed.root.get("Resources").get("X").get("Properties")  # type: ignore[union-attr]
    assert props is not None
    out = Resolver(parsed.root, overrides or {}, parsed.call_free).eval(props)
    # the parser's table of call-free collections only saves work
    assert out == Resolver(parsed.root, overrides or {}).eval(props)
    assert out is not None
    return out.get("V")


def plain(expr: str, overrides: dict[str, Any] | None = None) -> Any:
    v = evaluate(expr, overrides)
    return None if v is None else v.plain()


@pytest.mark.parametrize(("expr", "want"), [
    ("!Ref Proto", "HTTP"),
    ("!Ref NoDefault", UNKNOWN),
    ("!Ref Ports", ["80", "443"]),
    ("!Ref FromSsm", UNKNOWN),  # the default names an SSM parameter, read at deploy time
    ("!Ref AWS::Region", UNKNOWN),
    ("!Sub '${Proto}://example.com/${!Literal}'", "HTTP://example.com/${Literal}"),
    ("!Sub ['${Scheme}://${Host}', {Scheme: https, Host: !Ref Proto}]", "https://HTTP"),
    ("!Sub 'https://${Lb.DNSName}/'", UNKNOWN),
    ("!Sub 'arn:${AWS::Partition}:s3:::b'", UNKNOWN),
    ("!Join ['', ['http://', !Ref Proto, '/x']]", "http://HTTP/x"),
    ("!Join [',', !Ref Ports]", "80,443"),
    ("!Join ['', ['a', !Ref AWS::StackName]]", UNKNOWN),
    ("!Select [1, !Ref Ports]", "443"),
    ("!Select [1, !Split [',', 'a,b,c']]", "b"),
    ("!If [IsDev, HTTP, HTTPS]", "HTTP"),
    ("!If [IsProd, HTTP, HTTPS]", "HTTPS"),
    ("!If [Unknown, HTTP, HTTPS]", UNKNOWN),
    ("!If [DevOrUnknown, first, second]", "first"),  # True decides an Or whatever the other side says
    ("!If [ProdAndUnknown, first, second]", "second"),  # False decides an And
    ("!If [Loop1, first, second]", UNKNOWN),  # a cycle is undecidable, never a hang
    ("!FindInMap [Regions, eu-west-1, Scheme]", "https"),
    ("!FindInMap [Regions, !Ref AWS::Region, Scheme]", UNKNOWN),
    # every region agrees: known although the region is not
    ("!FindInMap [Regions, !Ref AWS::Region, Policy]", "ELBSecurityPolicy-TLS13-1-2-2021-06"),
    ("!FindInMap [Regions, ap-south-1, Scheme, {DefaultValue: none}]", "none"),
    ("!ImportValue shared-protocol", UNKNOWN),
    ("'{{resolve:ssm:/app/protocol}}'", UNKNOWN),
    ("!Base64 plain", "plain"),
    ("!Length [a, b, c]", 3),
    ("!ToJsonString {a: 1}", '{"a":1}'),
    ("!Select [9, [a]]", UNKNOWN),  # out of range: unknown, not an error
    ("!Sub [1, 2, 3]", UNKNOWN),
])
def test_functions(expr: str, want: Any) -> None:
    assert plain(expr) == want


def test_references_to_resources_become_edges() -> None:
    v = evaluate("!GetAtt Lb.DNSName")
    assert v is not None and v.data == Reference("Lb", "DNSName")
    v = evaluate("!Ref Lb")
    assert v is not None and v.data == Reference("Lb", "")


def test_no_value_removes_the_key_and_list_items() -> None:
    assert evaluate("!Ref AWS::NoValue") is None
    assert evaluate("!If [IsDev, !Ref AWS::NoValue, x]") is None
    assert plain("[a, !Ref AWS::NoValue, b]") == ["a", "b"]


def test_overrides_win_over_defaults_and_are_named() -> None:
    v = evaluate("!Ref Proto", {"Proto": "HTTPS"})
    assert v is not None and v.data == "HTTPS" and v.origin == "parameter Proto (--cfn-parameter)"
    assert plain("!If [IsDev, a, b]", {"Env": "prod"}) == "b"


def test_parameter_values_sit_where_they_are_used() -> None:
    v = evaluate("!Ref Proto")
    assert v is not None
    assert v.origin == "parameter Proto (default)"
    assert v.anchor.line == HEAD.splitlines().index("      V: {expr}") + 1


# ---- template-wide: resources, conditions, SAM Globals, ForEach, policies ---------------------------


def resources(text: str, overrides: dict[str, Any] | None = None) -> dict[str, NativeResource]:
    parsed = parse_template(text)
    assert parsed.root is not None, parsed.problems
    out = load_template(parsed.root, "t.yaml", overrides or {})
    return {r.address: r for r in out.resources}


def test_resources_whose_condition_is_false_are_not_created() -> None:
    text = ("Parameters:\n  Env: {Type: String, Default: dev}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\n"
            "Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Condition: IsProd\n  B:\n    Type: AWS::S3::Bucket\n")
    assert set(resources(text)) == {"B"}
    assert set(resources(text, {"Env": "prod"})) == {"A", "B"}


def test_sam_globals_merge_into_resources() -> None:
    text = ("Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Api:\n    Domain:\n      SecurityPolicy: TLS_1_0\n"
            "      CertificateArn: arn\nResources:\n  A:\n    Type: AWS::Serverless::Api\n    Properties:\n"
            "      Domain:\n        DomainName: a.example.com\n        SecurityPolicy: TLS_1_2\n"
            "  B:\n    Type: AWS::Serverless::Api\n")
    res = resources(text)
    assert res["A"].body.plain()["Domain"] == {"SecurityPolicy": "TLS_1_2", "CertificateArn": "arn",
                                               "DomainName": "a.example.com"}
    assert res["B"].body.plain()["Domain"]["SecurityPolicy"] == "TLS_1_0"


def test_foreach_expands_known_collections() -> None:
    text = ("Transform: AWS::LanguageExtensions\nParameters:\n  Names: {Type: CommaDelimitedList, Default: 'a,b'}\n"
            "Resources:\n  Fn::ForEach::Queues:\n    - Name\n    - !Ref Names\n"
            "    - Queue${Name}:\n        Type: AWS::SQS::Queue\n        Properties:\n          QueueName: !Ref Name\n")
    res = resources(text)
    assert {k: r.body.plain()["QueueName"] for k, r in res.items()} == {"Queuea": "a", "Queueb": "b"}


def test_policies_attach_to_the_resources_they_govern() -> None:
    text = ("Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: named}\n"
            "  C:\n    Type: AWS::S3::Bucket\n"
            "  P1:\n    Type: AWS::S3::BucketPolicy\n"
            "    Properties: {Bucket: !Ref C, PolicyDocument: {Statement: []}}\n"
            "  P2:\n    Type: AWS::S3::BucketPolicy\n"
            "    Properties: {Bucket: named, PolicyDocument: {Statement: []}}\n")
    res = resources(text)
    assert [p["policy"] for p in res["B"].meta["attached_policies"]] == ["P2"]
    assert [p["policy"] for p in res["C"].meta["attached_policies"]] == ["P1"]


def test_metadata_is_handed_to_the_suppression_reader() -> None:
    text = ("Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Metadata:\n      transit-lint:\n"
            "        ignore:\n          - id: TL120\n            reason: public website, no private data\n")
    md = resources(text)["B"].meta["Metadata"]
    assert md.plain() == {"transit-lint": {"ignore": [{"id": "TL120", "reason": "public website, no private data"}]}}
    assert md.get("transit-lint").anchor.line == 5


def test_every_resource_records_where_it_sits() -> None:
    text = ("Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: a\n"
            "  B:\n    Type: AWS::SQS::Queue\n")
    res = resources(text)
    assert (res["A"].header.line, res["A"].span.line, res["A"].span.end_line) == (2, 2, 5)
    assert res["A"].meta["root"] == "t.yaml" and res["A"].format == "cloudformation"


CALL_FREE = """\
Parameters:
  P: {Type: String, Default: x}
Resources:
  X:
    Type: AWS::S3::Bucket
    Properties:
      Plain: &plain {A: [1, {B: c}], D: e}
      Again: *plain
      WithRef: {A: {Inner: !Ref P}}
      Shared: &call {A: !Ref P}
      AliasOfCall: *call
      Secret: {A: "{{resolve:secretsmanager:s}}"}
      Merged: {<<: *call, B: 1}
"""


def test_collections_without_functions_are_returned_as_they_are() -> None:
    parsed = parse_template(CALL_FREE)
    assert parsed.root is not None and parsed.call_free is not None
    props = parsed.root.get("Resources").get("X").get("Properties")  # type: ignore[union-attr]
    assert props is not None
    fast = Resolver(parsed.root, {}, parsed.call_free).eval(props)
    assert fast is not None and fast == Resolver(parsed.root, {}).eval(props)
    for name in ("Plain", "Again"):
        assert fast.get(name) is props.get(name)
        assert props.get(name).data in parsed.call_free  # type: ignore[union-attr]
    for name in ("WithRef", "Shared", "AliasOfCall", "Secret", "Merged"):
        assert props.get(name).data not in parsed.call_free  # type: ignore[union-attr]
    assert fast.get("WithRef").get("A").get("Inner").data == "x"  # type: ignore[union-attr]
    assert fast.get("AliasOfCall").get("A").data == "x"  # type: ignore[union-attr]
    assert fast.get("Secret").get("A").data is UNKNOWN  # type: ignore[union-attr]
    assert fast.get("Merged").get("A").data == "x"  # type: ignore[union-attr]


def test_deep_values_without_functions_still_meet_the_depth_guard() -> None:
    deep = "[" * 230 + "1" + "]" * 230
    parsed = parse_template(f"Resources:\n  X:\n    Type: AWS::S3::Bucket\n    Properties:\n      V: {deep}\n")
    assert parsed.root is not None and parsed.call_free is not None
    props = parsed.root.get("Resources").get("X").get("Properties")  # type: ignore[union-attr]
    assert props is not None
    fast = Resolver(parsed.root, {}, parsed.call_free).eval(props)
    assert fast == Resolver(parsed.root, {}).eval(props)
    assert fast is not props and "UNKNOWN" in repr(fast.plain())  # type: ignore[union-attr]


UNSUPPORTED = """\
Transform: [AWS::Serverless-2016-10-31, Custom::Macro]
Resources:
  M:
    Type: !Rain::Module "./bucket.yaml"
  X:
    Type: AWS::S3::Bucket
    Properties:
      A: !If [C, {Fn::Transform: {Name: AWS::Include}}, !Ref AWS::NoValue]
      B: &shared {Fn::Unknown: [1, !Sub "x"]}
      C: *shared
      D: {Plain: [1, 2]}
"""


@pytest.mark.parametrize("text", [UNSUPPORTED, UNSUPPORTED.replace("Custom::Macro", "AWS::LanguageExtensions"),
                                  "Resources:\n  X:\n    Type: AWS::S3::Bucket\n    Properties: {A: !Ref B}\n"])
def test_the_call_free_table_finds_the_same_unsupported_forms(text: str) -> None:
    from transit_lint.cloudformation.intrinsics import unsupported

    parsed = parse_template(text)
    assert parsed.root is not None and parsed.call_free is not None
    found = unsupported(parsed.root, parsed.call_free)
    assert found == unsupported(parsed.root)
    if text.startswith("Transform"):
        assert parsed.call_free.names >= {"Fn::Rain::Module", "Fn::Transform", "Fn::Unknown", "Fn::If", "Ref"}
        # the macro (when named), the module, Fn::Transform, Fn::Unknown twice (through the alias)
        assert len(found) == (5 if "Custom::Macro" in text else 4)
