"""One parsed template -> native resources with evaluated properties.

Besides evaluating each resource's `Properties`, this is where template-wide facts are joined:
SAM `Globals` are merged into the resources they apply to, `Fn::ForEach` (AWS::LanguageExtensions)
is expanded when its collection is known, resources whose `Condition` is decidably false are
dropped, and resource policies (bucket, queue and topic policies) are attached to the resources
they govern (`meta["attached_policies"]`), so a normalizer can judge a bucket together with its
policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..model import NativeResource
from ..parsers.yamltree import CallFree
from ..spans import Span
from ..tree import UNKNOWN, Reference, Value
from .intrinsics import Problem, Resolver, intrinsic, unsupported

FORMAT = "cloudformation"
MAX_FOREACH = 1000  # expanded resources per template: a guard, not a limit anyone meets

# SAM Globals section -> resource type it applies to
SAM_GLOBALS = {
    "Function": "AWS::Serverless::Function",
    "Api": "AWS::Serverless::Api",
    "HttpApi": "AWS::Serverless::HttpApi",
    "SimpleTable": "AWS::Serverless::SimpleTable",
    "StateMachine": "AWS::Serverless::StateMachine",
    "LayerVersion": "AWS::Serverless::LayerVersion",
}

# resource policy type -> (property naming the governed resources, the types it can govern)
POLICY_TARGETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "AWS::S3::BucketPolicy": ("Bucket", ("AWS::S3::Bucket",)),
    "AWS::SQS::QueuePolicy": ("Queues", ("AWS::SQS::Queue",)),
    "AWS::SQS::QueueInlinePolicy": ("Queue", ("AWS::SQS::Queue",)),
    "AWS::SNS::TopicPolicy": ("Topics", ("AWS::SNS::Topic",)),
    "AWS::SNS::TopicInlinePolicy": ("TopicArn", ("AWS::SNS::Topic",)),
}
# types whose property names CloudFormation matches in any case (ECS passes them to the ECS API,
# and its documentation has spelt `EfsVolumeConfiguration` both ways): read them canonically
CASE_INSENSITIVE_KEYS = {
    "AWS::ECS::TaskDefinition": ("Volumes", "EFSVolumeConfiguration", "TransitEncryption", "TransitEncryptionPort",
                                 "FileSystemId", "RootDirectory", "AuthorizationConfig", "Name"),
}
NAME_PROPERTY = {"AWS::S3::Bucket": "BucketName", "AWS::SQS::Queue": "QueueName", "AWS::SNS::Topic": "TopicName"}


@dataclass
class TemplateResult:
    resources: list[NativeResource] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def load_template(root: Value, rel: str, overrides: dict[str, Any],
                  passed: dict[str, tuple[Any, str]] | None = None, call_free: CallFree | None = None
                  ) -> TemplateResult:
    """The template's resources. `overrides` are `--cfn-parameter` values (raw); `passed` are the
    values a parent stack hands a nested template (name -> (raw value or UNKNOWN, origin)), which
    replace the child's own defaults; `call_free` is the parser's table of `root`'s collections
    without function calls (evaluation returns them as they are)."""
    out = TemplateResult(problems=unsupported(root, call_free))
    if passed:
        resolver = Resolver(root, {k: raw for k, (raw, _) in passed.items()}, call_free)
        for name, (_, origin) in passed.items():
            if name in resolver.parameters:
                _set_origin(resolver.parameters[name], origin)
    else:
        resolver = Resolver(root, overrides, call_free)
    resources = root.get("Resources")
    if resources is None or not resources.is_map():
        return out
    globals_ = _sam_globals(root)
    entries = _expand_foreach(list(resources.items()), resolver, out.problems)
    for lid, entry in entries:
        res = _resource(lid, entry, resolver, rel, globals_)
        if res is not None:
            out.resources.append(res)
    _attach_policies(out.resources)
    return out


def _set_origin(v: Value, origin: str) -> None:
    """Name the parent stack as the source of a passed value (list items too)."""
    if v.origin is not None and v.origin.endswith("(SSM)"):
        return  # an SSM parameter type reads the value at deploy time, whoever names it
    v.origin = origin
    if isinstance(v.data, list):
        for x in v.data:
            _set_origin(x, origin)


def _resource(lid: str, entry: Value, resolver: Resolver, rel: str, globals_: dict[str, Value]
              ) -> NativeResource | None:
    type_v = entry.get("Type")
    if type_v is None or not isinstance(type_v.data, str):
        return None
    cond = entry.get("Condition")
    if cond is not None and isinstance(cond.data, str) and resolver.condition(cond.data) is False:
        return None  # never created with these parameters
    props = entry.get("Properties")
    if type_v.data in globals_:
        props = merge(globals_[type_v.data], props) if props is not None else globals_[type_v.data]
    body = resolver.eval(props) if props is not None else None
    if body is not None and body.data is UNKNOWN:
        return None  # the whole property map is known only at deploy time: nothing to judge
    if body is None or not body.is_map():
        body = Value({}, (props or entry).span)
    if type_v.data in CASE_INSENSITIVE_KEYS:
        body = canonical_keys(body, {k.lower(): k for k in CASE_INSENSITIVE_KEYS[type_v.data]})
    whole = entry.key_span or entry.span
    header = Span(whole.line, whole.column, whole.line, whole.column + len(lid))
    # Metadata is handed over as written: policy/suppress.py reads its `transit-lint` waivers
    # (JSON templates cannot hold comments)
    meta: dict[str, Any] = {"root": rel, "prefix": "", "logical_id": lid}
    if entry.get("Metadata") is not None:
        meta["Metadata"] = entry.get("Metadata")
    if cond is not None and isinstance(cond.data, str):
        meta["condition"] = cond.data
    return NativeResource(address=lid, type=type_v.data, format=FORMAT, path=rel, span=whole,
                          header=header, body=body, meta=meta)


def canonical_keys(v: Value, names: dict[str, str]) -> Value:
    d = v.data
    if isinstance(d, dict):
        d = {names.get(k.lower(), k): canonical_keys(x, names) for k, x in d.items()}
    elif isinstance(d, list):
        d = [canonical_keys(x, names) for x in d]
    else:
        return v
    return Value(d, v.span, v.key_span, v.origin)


# ---- SAM Globals ------------------------------------------------------------------------------


def _sam_globals(root: Value) -> dict[str, Value]:
    g = root.get("Globals")
    if g is None or not g.is_map():
        return {}
    return {SAM_GLOBALS[k]: v for k, v in g.items() if k in SAM_GLOBALS and v.is_map()}


def merge(base: Value, over: Value) -> Value:
    """SAM's Globals merge: maps merge key by key, the resource's own value wins otherwise."""
    if not (base.is_map() and over.is_map()) or intrinsic(over) is not None:
        return over
    out = dict(base.items())
    for k, v in over.items():
        out[k] = merge(out[k], v) if k in out else v
    return Value(out, over.span, over.key_span, over.origin)


# ---- Fn::ForEach (AWS::LanguageExtensions) -------------------------------------------------------


def _expand_foreach(entries: list[tuple[str, Value]], resolver: Resolver, problems: list[Problem]
                    ) -> list[tuple[str, Value]]:
    out: list[tuple[str, Value]] = []
    for key, value in entries:
        if not key.startswith("Fn::ForEach::"):
            out.append((key, value))
            continue
        spec = value.data if isinstance(value.data, list) else []
        if len(spec) != 3 or not isinstance(spec[0].data, str) or not spec[2].is_map():
            problems.append(Problem(value.anchor, f"{key} is not [identifier, collection, template]"))
            continue
        ident = spec[0].data
        coll = resolver.eval(spec[1])
        items = coll.data if coll is not None and isinstance(coll.data, list) else None
        if items is None or any(not isinstance(i.data, (str, int)) for i in items):
            continue  # the collection is known only at deploy time: its resources cannot be judged
        for item in items:
            text = str(item.data)
            inner = [(_subst_key(k, ident, text), _subst(v, ident, text)) for k, v in spec[2].items()]
            out.extend(_expand_foreach(inner, resolver, problems))
            if len(out) > MAX_FOREACH:
                problems.append(Problem(value.anchor, f"{key} expands to more than {MAX_FOREACH} resources"))
                return out
    return out


def _subst_key(key: str, ident: str, item: str) -> str:
    return key.replace("${" + ident + "}", item).replace("&{" + ident + "}", re.sub(r"[^A-Za-z0-9]", "", item))


def _subst(v: Value, ident: str, item: str) -> Value:
    d = v.data
    if isinstance(d, dict):
        ref = d.get("Ref") if len(d) == 1 else None
        if ref is not None and ref.data == ident:
            return Value(item, v.span, v.key_span, f"Fn::ForEach {ident}")
        return Value({_subst_key(k, ident, item): _subst(x, ident, item) for k, x in d.items()},
                     v.span, v.key_span, v.origin)
    if isinstance(d, list):
        return Value([_subst(x, ident, item) for x in d], v.span, v.key_span, v.origin)
    if isinstance(d, str) and ident in d:
        return Value(_subst_key(d, ident, item), v.span, v.key_span, v.origin)
    return v


# ---- resource policies ----------------------------------------------------------------------------


def _attach_policies(resources: list[NativeResource]) -> None:
    by_id = {r.address: r for r in resources}
    for pol in resources:
        spec = POLICY_TARGETS.get(pol.type)
        if spec is None:
            continue
        prop, types = spec
        doc = pol.body.get("PolicyDocument")
        targets = pol.body.get(prop)
        if doc is None or targets is None:
            continue
        entry = {"policy": pol.address, "document": doc, "span": doc.anchor}
        for t in targets.data if isinstance(targets.data, list) else [targets]:
            found, unknown = _target(t, types, resources, by_id)
            if unknown:
                # the policy governs something we cannot name: every resource of these types
                # may be the one, so their "no policy" becomes unknown
                for r in resources:
                    if r.type in types:
                        r.meta["policy_target_unknown"] = True
            elif found is not None:
                found.meta.setdefault("attached_policies", []).append(entry)


def _target(t: Value, types: tuple[str, ...], resources: list[NativeResource],
            by_id: dict[str, NativeResource]) -> tuple[NativeResource | None, bool]:
    """(the governed resource or None when it is outside this template, whether it is unknown)."""
    d = t.data
    if isinstance(d, Reference):
        r = by_id.get(d.address)
        return (r if r is not None and r.type in types else None), False
    if isinstance(d, str):
        # a literal logical id stands for the reference its author meant (templates converted
        # from YAML often lose the `!Ref`); otherwise a literal is matched against the names
        r0 = by_id.get(d)
        if r0 is not None and r0.type in types:
            return r0, False
        for r in resources:
            name = r.body.get(NAME_PROPERTY.get(r.type, ""))
            if r.type in types and name is not None and isinstance(name.data, str) and name.data and (
                    d == name.data or d.endswith((":" + name.data, "/" + name.data))):
                return r, False
        return None, False
    return None, d is UNKNOWN
