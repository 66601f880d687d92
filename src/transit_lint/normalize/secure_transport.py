"""One judge of resource policies that must refuse plaintext requests (TL120, R3/R10).

S3, SQS, SNS, EFS, OpenSearch and Alibaba OSS answer on plaintext as well as TLS unless the
resource's own policy denies every principal every action when `aws:SecureTransport`
(OSS: `acs:SecureTransport`) is false. This module reads a policy document in the shape AWS
writes it (`Statement`, `Effect`, `Principal`, `Action`/`NotAction`, `Resource`, `Condition`),
whatever format it came from: a JSON string, a Terraform `jsonencode(...)` object, a
CloudFormation `PolicyDocument` object, or a `data.aws_iam_policy_document` converted by
`from_policy_document_data`. Every format's hook asks `judge` and sets `secure_transport_enforced`.

The verdict is `True` when one statement denies plaintext to everyone for all of the service's
actions (or the few that carry its data, where a service documents that as enough), `False` when
none does (the span then names the Deny statement that falls short, if there is one), and
`UNKNOWN` when a part that decides it cannot be known statically. An Allow conditioned on
`aws:SecureTransport = true` is `False`: principals granted access by their own identity policies
still reach the resource over plaintext (AWS Security Hub S3.5 judges the same way).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..spans import Span
from ..tree import UNKNOWN, Reference, Value, from_plain


@dataclass(frozen=True, slots=True)
class Service:
    """What a Deny must cover for one service."""

    prefix: str  # action prefix: `s3`, `sqs`, ...
    condition_key: str  # `aws:securetransport` or `acs:securetransport` (lower case)
    enough: tuple[frozenset[str], ...] = ()  # action sets that carry the data, when documented as enough
    objects: bool = False  # the Resource must reach the objects (`bucket/*`), not only a prefix


_AWS, _ACS = "aws:securetransport", "acs:securetransport"
SERVICES: dict[str, Service] = {
    "s3": Service("s3", _AWS, objects=True),  # Security Hub S3.5 asks for s3:* (or *)
    "sqs": Service("sqs", _AWS),
    # SNS documents a Deny of sns:Publish over plaintext as the way to enforce encryption in transit
    "sns": Service("sns", _AWS, (frozenset({"sns:publish"}),)),
    "elasticfilesystem": Service("elasticfilesystem", _AWS),
    "es": Service("es", _AWS),
    # OSS: denying the object reads and writes keeps the data off plaintext connections
    "oss": Service("oss", _ACS, (frozenset({"oss:getobject", "oss:putobject"}),), objects=True),
}

_BOOL_OPERATORS = frozenset({"bool", "boolifexists"})
_SENTINEL = "\x00any-action"  # an action name no pattern names unless it is a wildcard for all


@dataclass(frozen=True, slots=True)
class Verdict:
    """`enforced` is True, False or UNKNOWN; `span` is where a finding points (the statement that
    falls short), None to point at the policy attribute; `reason` says why in one clause."""

    enforced: Any
    span: Span | None
    reason: str


# statement outcomes
_ENFORCES, _SHORT, _UNRELATED, _UNK = "enforces", "falls-short", "unrelated", "unknown"


@dataclass(frozen=True, slots=True)
class _Outcome:
    state: str
    reason: str = ""


def judge(doc: Value, service: str) -> Verdict:
    """Whether the policy document denies plaintext requests to the resource it governs."""
    svc = SERVICES.get(service)
    if svc is None:
        return Verdict(UNKNOWN, None, f"no rule for the service {service!r}")
    root = decode(doc)
    if root is None or not root.is_map():
        return Verdict(UNKNOWN, None, "the policy document is not statically known")
    statements = _get(root, "Statement")
    if statements is None:
        return Verdict(False, None, "the policy has no statement")
    if not _known_here(statements):
        return Verdict(UNKNOWN, None, "the policy's statements are not statically known")
    items = statements.data if isinstance(statements.data, list) else [statements]
    unknown: str | None = None
    short: tuple[Value, str] | None = None
    allow_only: str | None = None
    for st in items:
        out = _statement(st, svc)
        if out.state == _ENFORCES:
            return Verdict(True, st.anchor, out.reason)
        if out.state == _UNK:
            unknown = unknown or out.reason
        elif out.state == _SHORT and short is None:
            short = (st, out.reason)
        elif out.reason and allow_only is None:
            allow_only = out.reason
    if unknown is not None:
        return Verdict(UNKNOWN, None, unknown)
    if short is not None:
        return Verdict(False, short[0].anchor, short[1])
    return Verdict(False, None, allow_only or "no statement denies requests whose aws:SecureTransport is false")


def decode(doc: Value) -> Value | None:
    """The document as a tree: objects as they are, JSON text decoded (every part at the text's
    entry, where a finding about it points); None when it cannot be known."""
    d = doc.data
    if isinstance(d, dict):
        return doc
    if isinstance(d, str):
        try:
            plain = json.loads(d)
        except ValueError:
            return None
        return from_plain(plain, doc.anchor) if isinstance(plain, dict) else None
    return None


def from_policy_document_data(body: Value, at: Span) -> Value | None:
    """A `data.aws_iam_policy_document` body in the shape AWS writes it, every part at `at` (the
    data source may sit in another file: findings point at the attribute that uses it). Documents
    merged in from elsewhere (`source_policy_documents`, ...) are read when they are JSON text;
    otherwise they become an unknown statement, which a Deny written here still outweighs."""
    if not body.is_map():
        return None
    statements: list[Value] = []
    for block in _blocks(body, "statement"):
        st = _document_statement(block, at)
        statements.append(st if st is not None else Value(UNKNOWN, at))
    for name in ("source_policy_documents", "override_policy_documents", "source_json", "override_json"):
        merged = body.get(name)
        if merged is None or merged.data in (None, "", []):
            continue
        for item in merged.data if isinstance(merged.data, list) else [merged]:
            decoded = decode(Value(item.data, at))
            inner = _get(decoded, "Statement") if decoded is not None else None
            if inner is None or not _known_here(inner):
                statements.append(Value(UNKNOWN, at))
            else:
                statements.extend(inner.data if isinstance(inner.data, list) else [inner])
    return Value({"Statement": Value(statements, at)}, at)


def _document_statement(block: Value, at: Span) -> Value | None:
    if not block.is_map():
        return None
    plain: dict[str, Any] = {}
    for src, dst in (("effect", "Effect"), ("actions", "Action"), ("not_actions", "NotAction"),
                     ("resources", "Resource"), ("not_resources", "NotResource")):
        v = block.get(src)
        if v is not None and v.data is not None:
            plain[dst] = _plain(v)
    plain.setdefault("Effect", "Allow")  # the data source's default
    for src, dst in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        principals = _blocks(block, src)
        if principals:
            plain[dst] = _principals(principals)
    conditions = _blocks(block, "condition")
    if conditions:
        cond: dict[str, Any] = {}
        for c in conditions:
            test, variable, values = (_plain(c.get(k)) if c.get(k) is not None else None
                                      for k in ("test", "variable", "values"))
            if not isinstance(test, str) or not isinstance(variable, str):
                return None  # an unknown operator or key may be the one that decides
            cond.setdefault(test, {})[variable] = values
        plain["Condition"] = cond
    return from_plain(plain, at)


def _principals(blocks: list[Value]) -> Any:
    """`principals { type, identifiers }` blocks as AWS writes Principal (`type = "*"` is `"*"`)."""
    out: dict[str, Any] = {}
    for p in blocks:
        kind, ids = _plain(p.get("type")) if p.get("type") else None, _plain(p.get("identifiers"))
        if kind is UNKNOWN or not isinstance(kind, str):
            return UNKNOWN
        if kind == "*":
            return "*"
        out.setdefault(kind, []).extend(ids if isinstance(ids, list) else [ids])
    return out


def _blocks(v: Value, name: str) -> list[Value]:
    got = v.get(name)
    if got is None:
        return []
    return list(got.data) if isinstance(got.data, list) else [got]


def _plain(v: Value | None) -> Any:
    """The value without spans; references inside become UNKNOWN."""
    if v is None:
        return None
    d = v.data
    if isinstance(d, dict):
        return {k: _plain(x) for k, x in d.items()}
    if isinstance(d, list):
        return [_plain(x) for x in d]
    return UNKNOWN if isinstance(d, Reference) else d


# ---- one statement -------------------------------------------------------------------------------


def _statement(st: Value, svc: Service) -> _Outcome:
    if not st.is_map():
        return _Outcome(_UNK, "a statement is not statically known") if not _known_here(st) else _Outcome(_UNRELATED)
    plaintext, narrowing, cond_state = _conditions(_get(st, "Condition"), svc)
    effect = _get(st, "Effect")
    if cond_state == _UNRELATED:
        if effect is not None and _is(effect, "allow") and _allows_when_secure(_get(st, "Condition"), svc):
            return _Outcome(_UNRELATED, "the only SecureTransport statement allows requests over TLS; "
                                        "principals granted access elsewhere still reach it over plaintext")
        return _Outcome(_UNRELATED)
    if effect is None or not _known_here(effect):
        return _Outcome(_UNK, "the statement's Effect is not statically known")
    if not _is(effect, "deny"):
        return _Outcome(_UNRELATED)
    if cond_state == _UNK:
        return _Outcome(_UNK, "the statement's SecureTransport condition is not statically known")
    assert plaintext
    checks = (
        _principal_shortfall(st),
        _action_shortfall(st, svc),
        _resource_shortfall(st, svc),
        (f"it also requires {', '.join(narrowing)}, so plaintext requests that do not match it are served"
         if narrowing else None),
    )
    short = [c for c in checks if c is not None and c is not UNKNOWN]
    if short:
        return _Outcome(_SHORT, "the Deny over plaintext " + short[0])
    if any(c is UNKNOWN for c in checks):
        return _Outcome(_UNK, "the Deny over plaintext names principals, actions or resources not statically known")
    return _Outcome(_ENFORCES, "a statement denies every principal every action over plaintext")


def _conditions(cond: Value | None, svc: Service) -> tuple[bool, list[str], str]:
    """(whether the statement matches plaintext requests, the other condition entries that narrow
    it, state): state `_UNRELATED` when it does not test SecureTransport = false, `_UNK` when
    that cannot be known."""
    if cond is None:
        return False, [], _UNRELATED
    if not cond.is_map():
        return False, [], _UNK if not _known_here(cond) else _UNRELATED
    plaintext, unknown = False, False
    narrowing: list[str] = []
    for op, key, values in _tests(cond):
        if key is None:
            unknown = True  # an operator whose tests cannot be read
            continue
        if key.lower() != svc.condition_key:
            narrowing.append(f"{op} {key}")
            continue
        if op.lower() not in _BOOL_OPERATORS:
            unknown = True  # a string comparison of the key works in practice; not judged
            continue
        items = values.data if isinstance(values.data, list) else [values]
        if any(_is_false(x) for x in items):
            plaintext = True
        elif any(not _known_here(x) for x in items):
            unknown = True
    if plaintext:
        return True, narrowing, ""
    return False, [], _UNK if unknown else _UNRELATED


def _tests(cond: Value) -> Iterator[tuple[str, str | None, Value]]:
    for op, body in cond.items():
        if not body.is_map():
            yield op, None, body
            continue
        for key, values in body.items():
            yield op, key, values


def _allows_when_secure(cond: Value | None, svc: Service) -> bool:
    if cond is None or not cond.is_map():
        return False
    for op, key, values in _tests(cond):
        if key is not None and key.lower() == svc.condition_key and op.lower() in _BOOL_OPERATORS:
            items = values.data if isinstance(values.data, list) else [values]
            if any(_is_true(x) for x in items):
                return True
    return False


def _principal_shortfall(st: Value) -> Any:  # a clause, None (no shortfall) or UNKNOWN
    """None: every principal; a clause: who is left out; UNKNOWN."""
    not_principal = _get(st, "NotPrincipal")
    if not_principal is not None:
        return "exempts the principals in NotPrincipal" if _known_here(not_principal) else UNKNOWN
    p = _get(st, "Principal")
    if p is None:
        return "names no principal"
    if _is_star(p):
        return None
    items: list[Value] = []
    if p.is_map():
        for k, v in p.items():
            if k.lower() == "aws":
                items.extend(v.data if isinstance(v.data, list) else [v])
    elif p.is_list():
        items = list(p.data)  # OSS writes Principal as a list
    elif not _known_here(p):
        return UNKNOWN
    if any(_is_star(x) for x in items):
        return None
    if not _all_known(p):
        return UNKNOWN
    return "applies to some principals only, not to everyone (\"*\")"


def _action_shortfall(st: Value, svc: Service) -> Any:  # a clause, None (no shortfall) or UNKNOWN
    not_action = _get(st, "NotAction")
    if not_action is not None:
        return _not_action_shortfall(not_action, svc)
    action = _get(st, "Action")
    if action is None:
        return "names no action"
    items = action.data if isinstance(action.data, list) else [action]
    known = [str(x.data).lower() for x in items if isinstance(x.data, str)]
    unknown = len(known) < len(items) or not _known_here(action)
    if any(_matches(p, f"{svc.prefix}:{_SENTINEL}") for p in known):
        return None
    if any(all(any(_matches(p, a) for p in known) for a in need) for need in svc.enough):
        return None
    if unknown:
        return UNKNOWN
    return f"covers only {', '.join(sorted(known)) or 'no action'}, not {svc.prefix}:*"


def _not_action_shortfall(not_action: Value, svc: Service) -> Any:  # a clause, None (no shortfall) or UNKNOWN
    """A Deny with NotAction denies everything else: it covers the service unless an excepted
    pattern may name one of its (data) actions."""
    items = not_action.data if isinstance(not_action.data, list) else [not_action]
    known = [str(x.data).lower() for x in items if isinstance(x.data, str)]
    unknown = len(known) < len(items)
    excepted = [p for p in known if _matches(p.split(":", 1)[0] if ":" in p else p, svc.prefix)]
    if not excepted:
        return UNKNOWN if unknown else None
    for need in svc.enough:
        if not any(_matches(p, a) for p in excepted for a in need):
            return UNKNOWN if unknown else None
    return f"excepts {', '.join(sorted(excepted))} through NotAction"


def _resource_shortfall(st: Value, svc: Service) -> Any:  # a clause, None (no shortfall) or UNKNOWN
    """Buckets: the Resource must reach every object (`bucket/*`, `*`). A resource that is not
    statically known is taken to be the governed resource, as it nearly always is."""
    if not svc.objects:
        return None
    if _get(st, "NotResource") is not None:
        return UNKNOWN
    res = _get(st, "Resource")
    if res is None:
        return None
    items = res.data if isinstance(res.data, list) else [res]
    arns = [x.data for x in items if isinstance(x.data, str) and _is_arn(x.data)]
    if len(arns) < len(items) or any(_reaches_objects(r) for r in arns):
        return None  # a reference, an interpolation or text that is no ARN: taken as the resource
    return f"covers only {', '.join(arns)}, not every object of the bucket"


def _is_arn(text: str) -> bool:
    return text.strip() == "*" or text.startswith(("arn:", "acs:"))


def _reaches_objects(arn: str) -> bool:
    tail = arn.rsplit(":", 1)[-1]  # S3 and OSS resource names hold no colon
    return tail == "*" or ("/" in tail and tail.split("/", 1)[1] == "*")


# ---- small helpers -------------------------------------------------------------------------------


def _get(v: Value, key: str) -> Value | None:
    """Policy element names, read case-insensitively as AWS's own parsers accept them."""
    if not isinstance(v.data, dict):
        return None
    found: Value | None = v.data.get(key)
    if found is not None:
        return found
    low = key.lower()
    pairs: dict[str, Value] = v.data
    return next((x for k, x in pairs.items() if k.lower() == low), None)


def _known_here(v: Value) -> bool:
    return v.data is not UNKNOWN and not isinstance(v.data, Reference)


def _all_known(v: Value) -> bool:
    if not _known_here(v):
        return False
    if isinstance(v.data, dict):
        return all(_all_known(x) for x in v.data.values())
    if isinstance(v.data, list):
        return all(_all_known(x) for x in v.data)
    return True


def _is(v: Value, word: str) -> bool:
    return isinstance(v.data, str) and v.data.strip().lower() == word


def _is_star(v: Value) -> bool:
    return isinstance(v.data, str) and v.data.strip() == "*"


def _is_false(v: Value) -> bool:
    """IAM's Bool operator reads `false` (any case) and JSON false; nothing else."""
    return v.data is False or (isinstance(v.data, str) and v.data.strip().lower() == "false")


def _is_true(v: Value) -> bool:
    return v.data is True or (isinstance(v.data, str) and v.data.strip().lower() == "true")


def _matches(pattern: str, action: str) -> bool:
    """IAM wildcard match (`*`, `?`), case-insensitive as action names are."""
    return _pattern(pattern.lower()).fullmatch(action.lower()) is not None


@lru_cache(maxsize=512)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(".".join(re.escape(p) for p in part.split("?")) for part in pattern.split("*")),
                      re.S)
