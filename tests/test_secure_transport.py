"""The one judge of resource policies that must deny plaintext (TL120), on documents in every shape."""

from __future__ import annotations

import json
from typing import Any

import pytest

from transit_lint.normalize.secure_transport import from_policy_document_data, judge
from transit_lint.spans import Span
from transit_lint.tree import UNKNOWN, Reference, Value, from_plain

AT = Span(3, 3, 1, 20)
_NO_KEY = object()


def statement(**changes: Any) -> dict[str, Any]:
    st: dict[str, Any] = {
        "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    for key, value in changes.items():
        if value is _NO_KEY:
            st.pop(key, None)
        else:
            st[key] = value
    return st


def doc(*statements: dict[str, Any]) -> Value:
    return from_plain({"Version": "2012-10-17", "Statement": list(statements)}, AT)


# (case, statement changes, service, verdict): the cases the two former judges disagreed on come first
CASES: list[tuple[str, dict[str, Any], str, Any]] = [
    ("bool '0' is not false", {"Condition": {"Bool": {"aws:SecureTransport": "0"}}}, "s3", False),
    ("acs key on AWS", {"Condition": {"Bool": {"acs:SecureTransport": "false"}}}, "s3", False),
    ("NotAction of another service", {"Action": _NO_KEY, "NotAction": "iam:*"}, "s3", True),
    ("NotAction of an S3 read", {"Action": _NO_KEY, "NotAction": "s3:GetObject"}, "s3", False),
    ("object reads and writes only", {"Action": ["s3:GetObject", "s3:PutObject"]}, "s3", False),
    ("star among principals", {"Principal": {"AWS": ["*", "arn:aws:iam::1:root"]}}, "s3", True),
    ("principal list (OSS style)", {"Principal": ["*"]}, "s3", True),
    ("service star is not everyone", {"Principal": {"Service": "*"}}, "s3", False),
    ("narrowing condition", {"Condition": {"Bool": {"aws:SecureTransport": "false"},
                                           "StringEquals": {"aws:PrincipalAccount": "1"}}}, "s3", False),
    ("one prefix only", {"Resource": "arn:aws:s3:::b/logs/*"}, "s3", False),
    # what both agreed on stays
    ("baseline", {}, "s3", True),
    ("json false", {"Condition": {"Bool": {"aws:SecureTransport": False}}}, "s3", True),
    ("list of values", {"Condition": {"BoolIfExists": {"aws:SecureTransport": ["false"]}}}, "s3", True),
    ("lower-case key and operator", {"Condition": {"bool": {"aws:securetransport": "FALSE"}}}, "s3", True),
    ("action in upper case", {"Action": "S3:*"}, "s3", True),
    ("action star", {"Action": "*"}, "s3", True),
    ("objects only", {"Resource": "arn:aws:s3:::b/*"}, "s3", True),
    ("resource a reference", {"Resource": "${aws_s3_bucket.b.arn}/*"}, "s3", True),
    ("resource no ARN (a reference written as text)", {"Resource": ["aws_s3_bucket.b.arn"]}, "s3", True),
    ("bucket ARN only", {"Resource": "arn:aws:s3:::b"}, "s3", False),
    ("wildcard reads and writes", {"Action": ["s3:Get*", "s3:Put*"]}, "s3", False),
    ("no principal", {"Principal": _NO_KEY}, "s3", False),
    ("NotPrincipal", {"Principal": _NO_KEY, "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}}, "s3", False),
    ("denies TLS requests", {"Condition": {"Bool": {"aws:SecureTransport": "true"}}}, "s3", False),
    ("allow only when secure", {"Effect": "Allow", "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
     "s3", False),
    ("sns publish is enough", {"Action": "sns:Publish"}, "sns", True),
    ("sqs send only", {"Action": "sqs:SendMessage"}, "sqs", False),
    ("oss reads and writes", {"Action": ["oss:GetObject", "oss:PutObject"], "Principal": ["*"],
                              "Condition": {"Bool": {"acs:SecureTransport": "false"}}}, "oss", True),
    ("oss with the aws key", {"Action": "oss:*", "Principal": ["*"]}, "oss", False),
    ("opensearch", {"Action": "es:*", "Resource": "arn:aws:es:eu-west-1:1:domain/d/*"}, "es", True),
    ("efs star", {"Action": "*", "Resource": "arn:aws:elasticfilesystem:eu-west-1:1:file-system/fs-1"},
     "elasticfilesystem", True),
]


@pytest.mark.parametrize(("changes", "service", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_statement_shapes(changes: dict[str, Any], service: str, expected: Any) -> None:
    assert judge(doc(statement(**changes)), service).enforced is expected


@pytest.mark.parametrize(("changes", "reason"), [
    ({"Effect": UNKNOWN}, "Effect"),
    ({"Principal": UNKNOWN}, "principals"),
    ({"Principal": {"AWS": [UNKNOWN]}}, "principals"),
    ({"Action": [UNKNOWN]}, "actions"),
    ({"Condition": {"Bool": {"aws:SecureTransport": UNKNOWN}}}, "SecureTransport"),
    ({"NotResource": "arn:aws:s3:::other/*"}, "resources"),
])
def test_unknown_parts_are_unknown(changes: dict[str, Any], reason: str) -> None:
    verdict = judge(doc(statement(**changes)), "s3")
    assert verdict.enforced is UNKNOWN
    assert reason in verdict.reason


def test_known_shortfall_decides_before_unknown_parts() -> None:
    # an action that falls short is known even when the principal is not
    assert judge(doc(statement(Principal=UNKNOWN, Action="s3:PutObject")), "s3").enforced is False


def test_one_enforcing_statement_outweighs_unknown_ones() -> None:
    assert judge(from_plain({"Statement": [UNKNOWN, statement()]}, AT), "s3").enforced is True
    assert judge(from_plain({"Statement": [UNKNOWN, statement(Action="s3:GetObject")]}, AT), "s3").enforced is UNKNOWN


def test_the_span_is_the_statement_that_falls_short() -> None:
    short = Value({k: from_plain(v, Span(9, 9, 5, 30)) for k, v in statement(Action="s3:PutObject").items()},
                  Span(9, 12, 5, 30))
    allow = from_plain(statement(Effect="Allow"), Span(5, 5, 5, 30))
    verdict = judge(Value({"Statement": Value([allow, short], AT)}, AT), "s3")
    assert verdict.enforced is False
    assert verdict.span == Span(9, 12, 5, 30)
    assert "s3:putobject" in verdict.reason


def test_no_deny_points_at_the_policy() -> None:
    verdict = judge(doc(statement(Effect="Allow", Condition={"Bool": {"aws:SecureTransport": "true"}})), "s3")
    assert (verdict.enforced, verdict.span) == (False, None)
    assert "allows requests over TLS" in verdict.reason
    assert judge(from_plain({"Version": "2012-10-17"}, AT), "s3").enforced is False


def test_json_text_is_decoded_at_the_attribute() -> None:
    text = Value(json.dumps({"Statement": statement(Action="s3:PutObject")}), Span(4, 8, 12, 1), key_span=AT)
    verdict = judge(text, "s3")
    assert (verdict.enforced, verdict.span) == (False, AT)
    assert judge(Value("{not json", AT), "s3").enforced is UNKNOWN
    assert judge(Value(Reference("data.aws_iam_policy_document.d", "json"), AT), "s3").enforced is UNKNOWN


def _data_source(**statement_block: Any) -> Value:
    block = {"effect": "Deny", "actions": ["s3:*"], "principals": [{"type": "AWS", "identifiers": ["*"]}],
             "condition": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]}
    block.update(statement_block)
    return from_plain({"statement": [block]}, Span(20, 30, 1, 1))


def test_policy_document_data_source_is_read_as_a_policy() -> None:
    converted = from_policy_document_data(_data_source(), AT)
    assert converted is not None
    verdict = judge(converted, "s3")
    assert verdict.enforced is True
    short = from_policy_document_data(_data_source(not_actions=["s3:Get*"], actions=None), AT)
    assert short is not None
    assert (judge(short, "s3").enforced, judge(short, "s3").span) == (False, AT)
    star = from_policy_document_data(_data_source(principals=[{"type": "*", "identifiers": ["*"]}]), AT)
    assert star is not None and judge(star, "s3").enforced is True


def test_data_source_defaults_to_allow_and_merged_documents_are_read() -> None:
    no_effect = from_policy_document_data(_data_source(effect=None), AT)
    assert no_effect is not None and judge(no_effect, "s3").enforced is False
    merged_text = json.dumps({"Statement": [statement()]})
    merged = from_policy_document_data(from_plain({"source_policy_documents": [merged_text]}, AT), AT)
    assert merged is not None and judge(merged, "s3").enforced is True
    opaque = from_policy_document_data(from_plain({"source_policy_documents": [UNKNOWN]}, AT), AT)
    assert opaque is not None and judge(opaque, "s3").enforced is UNKNOWN


def test_unknown_service_is_unknown() -> None:
    assert judge(doc(statement()), "dynamodb").enforced is UNKNOWN
