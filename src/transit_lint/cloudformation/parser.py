"""CloudFormation text (YAML or JSON) -> the spanned tree every normalizer reads.

The reading is the same span loader the Kubernetes front end uses (`parsers/yamltree.py`:
libyaml's event stream, a depth limit, alias expansion counted and refused past a limit), with
two CloudFormation rules on top: the short-form tags become the long form JSON uses
(`!Ref X` -> `{"Ref": X}`, `!GetAtt A.B` -> `{"Fn::GetAtt": [A, B]}`, any other `!Name` ->
`{"Fn::Name": ...}`, as cfn-lint's decoder does, so `!Rain::Module` arrives as a pre-processor
form that `intrinsics.py` reports), and a repeated key refuses the template. Every value,
numbers included, carries its own span; intrinsic functions stay single-key mappings here and
`intrinsics.py` evaluates them.

Why not cfn-lint's decoder (which issue 4 named): importing cfn-lint costs ~0.5 s on a quiet
machine, more than the whole 0.3 s pre-commit budget, and its decoder plus our conversion of its
marked nodes took 0.86 s for the 311 templates of the bench tree, against 0.38 s here (same run,
docs/architecture.md). cfn-lint stays the oracle of a differential test
(tests/test_cloudformation_parser.py): both readers must give the same data for every fixture.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..parsers.yamltree import CallFree, load_stream
from ..parsers.yamltree import is_json as _is_json
from ..spans import Span
from ..tree import Value
from ..yaml_comments import yaml_comments


@dataclass
class ParseProblem:
    span: Span
    message: str


@dataclass
class ParsedTemplate:
    root: Value | None  # None when the file could not be read at all
    problems: list[ParseProblem] = field(default_factory=list)
    comments: list[tuple[int, str]] = field(default_factory=list)
    is_json: bool = False
    call_free: CallFree | None = None  # the collections without function calls (intrinsics.py skips them)


def _long_form(tag: str, value: Value) -> Value:
    """`!Name value` -> `{"Fn::Name": value}` (`Ref` and `Condition` keep their names)."""
    name = tag[1:]
    key = name if name in ("Ref", "Condition") else f"Fn::{name}"
    inner = value
    if name == "GetAtt" and isinstance(value.data, str):
        # `!GetAtt Resource.Attribute` is the list form; the attribute may hold dots itself
        parts = value.data.split(".", 1)
        inner = Value([Value(p, value.span) for p in parts], value.span)
    return Value({key: Value(inner.data, inner.span, value.span)}, value.span)


def parse_template(text: str) -> ParsedTemplate:
    """Read one template; never raises. Problems carry the reader's position."""
    json_text = _is_json(text)
    stream = load_stream(text, tags=_long_form, unique_keys=True, templates=False, calls=True)
    if stream.problems:
        return ParsedTemplate(None, [ParseProblem(p.span, p.message) for p in stream.problems], is_json=json_text)
    if not stream.documents:
        return ParsedTemplate(None, [ParseProblem(Span.point(1), "template is empty")], is_json=json_text)
    if len(stream.documents) > 1:
        second = stream.documents[1].span
        return ParsedTemplate(None, [ParseProblem(Span.point(second.line), "a template is one YAML document; "
                                                  "this file holds several")], is_json=json_text)
    root = stream.documents[0].root
    if not root.is_map():
        return ParsedTemplate(None, [ParseProblem(root.span, "a template must be a mapping at the top level")],
                              is_json=json_text)
    comments = [] if json_text else yaml_comments(text)
    return ParsedTemplate(root, [], comments, json_text, stream.call_free)
