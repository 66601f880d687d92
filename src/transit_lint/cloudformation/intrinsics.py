"""Evaluate CloudFormation intrinsic functions statically, to spanned values.

What the template itself decides is computed: parameter defaults (or `--cfn-parameter`
overrides), `Conditions` with `Fn::If` when the condition is decidable, `Mappings` through
`Fn::FindInMap`, `Fn::Sub`/`Fn::Join`/`Fn::Select`/`Fn::Split` on known strings. What only a
deployment knows (`Fn::ImportValue`, `{{resolve:...}}` dynamic references, SSM parameter types,
pseudo parameters such as `AWS::Region`) is UNKNOWN, and `Ref`/`Fn::GetAtt` of a resource becomes
a `Reference` so the graph can draw the edge. `AWS::NoValue` removes the key or list element.

A value taken from a parameter keeps the span of the property that uses it (so a finding points
at the property) and names the parameter in `origin`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..parsers.yamltree import CallFree
from ..spans import Span
from ..tree import UNKNOWN, Reference, Value, is_known, restamp

NO_VALUE = "AWS::NoValue"
PSEUDO_PARAMETERS = {
    "AWS::AccountId", "AWS::NotificationARNs", "AWS::Partition", "AWS::Region", "AWS::StackId",
    "AWS::StackName", "AWS::URLSuffix",
}  # fmt: skip

# every function CloudFormation knows (incl. the Rules section and AWS::LanguageExtensions);
# anything else under `Fn::` is a pre-processor form (Rain, a custom tag) we cannot expand
KNOWN_FUNCTIONS = {
    "Fn::And", "Fn::Base64", "Fn::Cidr", "Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn",
    "Fn::Equals", "Fn::FindInMap", "Fn::GetAtt", "Fn::GetAZs", "Fn::If", "Fn::Implies",
    "Fn::ImportValue", "Fn::Join", "Fn::Length", "Fn::Not", "Fn::Or", "Fn::RefAll", "Fn::Select",
    "Fn::Split", "Fn::Sub", "Fn::ToJsonString", "Fn::Transform", "Fn::ValueOf", "Fn::ValueOfAll",
    "Fn::GetParam",
}  # fmt: skip

MAX_DEPTH = 200  # guards recursion through deeply nested values and conditions
_SUB = re.compile(r"\$\{([^}]*)\}")
_DYNAMIC_REF = "{{resolve:"


@dataclass
class Problem:
    span: Span
    message: str


# top-level transforms whose effect we read (SAM: its resource types are mapped directly) or that
# do not change what the template says about transit
KNOWN_TRANSFORMS = {
    "AWS::Serverless-2016-10-31", "AWS::LanguageExtensions", "AWS::CodeDeployBlueGreen",
    "AWS::SecretsManager-2020-07-23", "AWS::SecretsManager-2024-09-16",
}  # fmt: skip


def unsupported(root: Value, call_free: CallFree | None = None) -> list[Problem]:
    """Forms that only a pre-processor or a macro can expand: Rain's `!Rain::Module` and other
    unknown tags, `Fn::Transform`, and top-level macros other than AWS's own transforms.
    `call_free` (the parser's table) spares the walk through collections without functions."""
    out: list[Problem] = []
    transform = root.get("Transform")
    if transform is not None:
        names = transform.data if isinstance(transform.data, list) else [transform]
        for n in names:
            if isinstance(n.data, str) and n.data not in KNOWN_TRANSFORMS:
                out.append(Problem(n.anchor, f"Transform {n.data} is a macro that cannot be expanded statically; "
                                             "what it generates is not linted"))
    skip = call_free.collections if call_free is not None else {}
    # no walk when every function of the text is one we evaluate (or a Fn::ForEach)
    stack = [root] if call_free is None or not all(_supported(name) for name in call_free.names) else []
    while stack:
        v = stack.pop()
        d = v.data
        if id(d) in skip:
            continue
        if isinstance(d, dict):
            fn = intrinsic(v) if len(d) == 1 else None
            if fn is not None and fn[0] == "Fn::Transform":
                out.append(Problem(v.anchor, "Fn::Transform calls a macro that cannot be expanded statically; "
                                             "the value it produces is unknown"))
            elif fn is not None and fn[0] != "Ref" and fn[0] not in KNOWN_FUNCTIONS and not _is_foreach(fn[0]):
                out.append(Problem(v.anchor, f"unsupported function or tag {_display(fn[0])}: pre-processor "
                                             "forms (e.g. Rain modules) must be expanded before linting"))
            stack.extend(reversed(d.values()))
        elif isinstance(d, list):
            stack.extend(reversed(d))
    out.sort(key=lambda p: (p.span.line, p.span.column))
    return out


@dataclass
class Resolver:
    """Evaluates values of one template."""

    root: Value
    overrides: dict[str, Any] = field(default_factory=dict)
    call_free: CallFree | None = None  # the parser's table for `root`: collections without functions

    def __post_init__(self) -> None:
        # collections without functions are returned as they are when no part of them can reach
        # the depth guard (the deepest nesting of the template bounds their height)
        free = self.call_free
        self._plain: dict[int, Any] = free.collections if free is not None else {}
        self._plain_depth = MAX_DEPTH - free.max_depth if free is not None else 0
        self.resources: dict[str, Value] = dict(_section(self.root, "Resources").items())
        self.mappings = _section(self.root, "Mappings")
        self.conditions: dict[str, Value] = dict(_section(self.root, "Conditions").items())
        self.parameters: dict[str, Value] = {}
        for name, decl in _section(self.root, "Parameters").items():
            self.parameters[name] = self._parameter(name, decl)
        self._cond_cache: dict[str, bool | None] = {}
        self._cond_busy: set[str] = set()
        self.depth = 0

    # ---- parameters and conditions ---------------------------------------------------------

    def _parameter(self, name: str, decl: Value) -> Value:
        type_ = decl.get("Type")
        type_name = type_.data if type_ is not None and isinstance(type_.data, str) else "String"
        if type_name.startswith("AWS::SSM::Parameter::Value<"):
            # the default names an SSM parameter; its value is read at deploy time
            return Value(UNKNOWN, decl.span, origin=f"parameter {name} (SSM)")
        if name in self.overrides:
            raw: Any = self.overrides[name]
            origin = f"parameter {name} (--cfn-parameter)"
            span = decl.key_span or decl.span
            value = Value(raw, span, origin=origin)
        else:
            default = decl.get("Default")
            if default is None:
                return Value(UNKNOWN, decl.span, origin=f"parameter {name} (no default)")
            origin = f"parameter {name} (default)"
            value = Value(default.data, default.span, origin=origin)
            if isinstance(default.data, (dict, list)):
                value = restamp(default, default.span, origin)
        if (type_name == "CommaDelimitedList" or type_name.startswith("List<")) and isinstance(value.data, str):
            parts = [p.strip() for p in value.data.split(",")]
            value = Value([Value(p, value.span, origin=origin) for p in parts], value.span, origin=origin)
        return value

    def condition(self, name: str) -> bool | None:
        """A named condition: True/False when decidable, None when only a deployment knows."""
        if name in self._cond_cache:
            return self._cond_cache[name]
        expr = self.conditions.get(name)
        if expr is None or name in self._cond_busy:
            return None
        self._cond_busy.add(name)
        try:
            result = self.truth(expr)
        finally:
            self._cond_busy.discard(name)
        self._cond_cache[name] = result
        return result

    def truth(self, expr: Value) -> bool | None:
        if isinstance(expr.data, bool):
            return expr.data
        if isinstance(expr.data, str) and expr.data.lower() in ("true", "false"):
            return expr.data.lower() == "true"
        fn = intrinsic(expr, allow_condition=True)
        if fn is None:
            return None
        name, arg = fn
        args = arg.data if isinstance(arg.data, list) else [arg]
        if name == "Condition":
            return self.condition(arg.data) if isinstance(arg.data, str) else None
        if name == "Fn::Not":
            inner = self.truth(args[0]) if args else None
            return None if inner is None else not inner
        if name in ("Fn::And", "Fn::Or"):
            vals = [self.truth(a) for a in args]
            decisive = name == "Fn::Or"  # True decides an Or, False decides an And
            if decisive in vals:
                return decisive
            return None if None in vals else not decisive
        if name == "Fn::Equals" and len(args) == 2:
            a, b = self.eval(args[0]), self.eval(args[1])
            sa, sb = _as_text(a.data if a else None), _as_text(b.data if b else None)
            if sa is None or sb is None:
                return None
            return sa == sb
        return None

    # ---- values ------------------------------------------------------------------------------

    def eval(self, v: Value) -> Value | None:
        """The value with every intrinsic function evaluated; None means AWS::NoValue. A value
        without any function is returned as it is (no copy): values are never changed in place."""
        if self.depth >= MAX_DEPTH:
            return Value(UNKNOWN, v.span, v.key_span)
        d = v.data
        if isinstance(d, str):
            return Value(UNKNOWN, v.span, v.key_span, "dynamic reference") if _DYNAMIC_REF in d else v
        if not isinstance(d, (dict, list)):
            return v
        if id(d) in self._plain and self.depth < self._plain_depth:
            return v
        self.depth += 1
        try:
            return self._eval(v, d)
        finally:
            self.depth -= 1

    def _eval(self, v: Value, d: dict[str, Value] | list[Value]) -> Value | None:
        changed = False
        if isinstance(d, list):
            items: list[Value] = []
            for x in d:
                ev = self.eval(x)
                if ev is not x:
                    changed = True
                if ev is not None:
                    items.append(ev)
            return Value(items, v.span, v.key_span, v.origin) if changed else v
        if len(d) == 1:
            fn = intrinsic(v)
            if fn is not None:
                out = self._call(fn[0], fn[1], v)
                # the result may be part of the template (an `Fn::If` branch): restamped, not changed
                if out is not None and out.key_span is not v.key_span:
                    out = Value(out.data, out.span, v.key_span, out.origin)
                return out
        entries: dict[str, Value] = {}
        for k, x in d.items():
            ev = self.eval(x)
            if ev is not x:
                changed = True
            if ev is not None:
                entries[k] = ev
        return Value(entries, v.span, v.key_span, v.origin) if changed else v

    def _call(self, name: str, arg: Value, at: Value) -> Value | None:
        handler = _FUNCTIONS.get(name)
        if handler is None:  # Fn::Transform, the Rules functions, unsupported tags (see `unsupported`)
            return Value(UNKNOWN, at.span)
        try:
            return handler(self, arg, at)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError):
            return Value(UNKNOWN, at.span)

    def _ref(self, arg: Value, at: Value) -> Value | None:
        name = arg.data
        if not isinstance(name, str):
            return Value(UNKNOWN, at.span)
        if name == NO_VALUE:
            return None
        if name in self.parameters:
            p = self.parameters[name]
            return restamp(p, at.span, p.origin)
        if name in self.resources:
            return Value(Reference(name, ""), at.span)
        return Value(UNKNOWN, at.span, origin=name if name in PSEUDO_PARAMETERS else None)

    def _getatt(self, arg: Value, at: Value) -> Value | None:
        d = arg.data
        parts: list[Any]
        if isinstance(d, str):
            parts = d.split(".", 1)
        elif isinstance(d, list) and len(d) == 2:
            attr = self.eval(d[1])
            parts = [d[0].data, attr.data if attr is not None else None]
        else:
            return Value(UNKNOWN, at.span)
        res, attr_name = parts[0], parts[1] if len(parts) > 1 else ""
        if isinstance(res, str) and res in self.resources and isinstance(attr_name, str):
            return Value(Reference(res, attr_name), at.span)
        return Value(UNKNOWN, at.span)

    def _sub(self, arg: Value, at: Value) -> Value | None:
        if isinstance(arg.data, list):
            if not arg.data:
                return Value(UNKNOWN, at.span)
            template = arg.data[0]
            extra = self.eval(arg.data[1]) if len(arg.data) > 1 else None
            local = dict(extra.items()) if extra is not None and extra.is_map() else {}
        else:
            template, local = arg, {}
        if not isinstance(template.data, str):
            return Value(UNKNOWN, at.span)
        origins: list[str] = []
        unknown = False

        def replace(m: re.Match[str]) -> str:
            nonlocal unknown
            name = m.group(1).strip()
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in local:
                got: Value | None = local[name]
            elif "." in name:
                res, attr = name.split(".", 1)
                got = Value(Reference(res, attr), at.span) if res in self.resources else None
            else:
                got = self._ref(Value(name, at.span), at)
            text = _as_text(got.data) if got is not None else None
            if text is None:
                unknown = True
                return ""
            if got is not None and got.origin:
                origins.append(got.origin)
            return text

        out = _SUB.sub(replace, template.data)
        if unknown or _DYNAMIC_REF in out:
            return Value(UNKNOWN, at.span)
        return Value(out, at.span, origin=origins[0] if origins else None)

    def _join(self, arg: Value, at: Value) -> Value | None:
        if not isinstance(arg.data, list) or len(arg.data) != 2:
            return Value(UNKNOWN, at.span)
        delim, items = arg.data[0].data, self.eval(arg.data[1])
        if not isinstance(delim, str) or items is None or not isinstance(items.data, list):
            return Value(UNKNOWN, at.span)
        texts = [_as_text(x.data) for x in items.data]
        if any(t is None for t in texts):
            return Value(UNKNOWN, at.span)
        origin = next((x.origin for x in items.data if x.origin), None)
        return Value(delim.join(t for t in texts if t is not None), at.span, origin=origin)

    def _select(self, arg: Value, at: Value) -> Value | None:
        if not isinstance(arg.data, list) or len(arg.data) != 2:
            return Value(UNKNOWN, at.span)
        index, items = self.eval(arg.data[0]), self.eval(arg.data[1])
        if index is None or items is None or not isinstance(items.data, list):
            return Value(UNKNOWN, at.span)
        i = int(index.data)
        chosen = items.data[i]
        return restamp(chosen, at.span, chosen.origin)

    def _split(self, arg: Value, at: Value) -> Value | None:
        if not isinstance(arg.data, list) or len(arg.data) != 2:
            return Value(UNKNOWN, at.span)
        delim, text = arg.data[0].data, self.eval(arg.data[1])
        if not isinstance(delim, str) or not delim or text is None or not isinstance(text.data, str):
            return Value(UNKNOWN, at.span)
        return Value([Value(p, at.span, origin=text.origin) for p in text.data.split(delim)], at.span)

    def _if(self, arg: Value, at: Value) -> Value | None:
        if not isinstance(arg.data, list) or len(arg.data) != 3 or not isinstance(arg.data[0].data, str):
            return Value(UNKNOWN, at.span)
        chosen = self.condition(arg.data[0].data)
        if chosen is None:
            return Value(UNKNOWN, at.span, origin=f"condition {arg.data[0].data}")
        return self.eval(arg.data[1] if chosen else arg.data[2])

    def _find_in_map(self, arg: Value, at: Value) -> Value | None:
        if not isinstance(arg.data, list) or len(arg.data) < 3:
            return Value(UNKNOWN, at.span)
        keys = [self.eval(x) for x in arg.data[:3]]
        names = [_as_text(k.data) if k is not None else None for k in keys]
        default = None
        if len(arg.data) > 3 and arg.data[3].is_map():
            dv = arg.data[3].get("DefaultValue")
            default = self.eval(dv) if dv is not None else None
        table = self.mappings.get(names[0]) if names[0] is not None else None
        if table is None or names[2] is None:
            return Value(UNKNOWN, at.span)
        origin = f"Mappings {names[0]}"
        if names[1] is not None:
            row = table.get(names[1])
            found = row.get(names[2]) if row is not None else None
            if found is None:
                return restamp(default, at.span, default.origin) if default is not None else Value(UNKNOWN, at.span)
            return restamp(found, at.span, origin)
        # the top-level key is only known at deploy time (e.g. AWS::Region): when every row
        # agrees, the value is known all the same
        candidates = [row.get(names[2]) for _, row in table.items()]
        plain = [c.plain() if c is not None else None for c in candidates]
        if candidates and candidates[0] is not None and all(p == plain[0] for p in plain):
            return restamp(candidates[0], at.span, origin)
        return Value(UNKNOWN, at.span)

    def _base64(self, arg: Value, at: Value) -> Value | None:
        inner = self.eval(arg)  # encoded at deploy time; the author wrote the plain text
        return inner if inner is not None else Value(UNKNOWN, at.span)

    def _length(self, arg: Value, at: Value) -> Value | None:
        items = self.eval(arg)
        if items is None or not isinstance(items.data, list):
            return Value(UNKNOWN, at.span)
        return Value(len(items.data), at.span)

    def _to_json(self, arg: Value, at: Value) -> Value | None:
        inner = self.eval(arg)
        if inner is None or not is_known(inner):
            return Value(UNKNOWN, at.span)
        return Value(json.dumps(inner.plain(), separators=(",", ":")), at.span)

    def _unknown(self, arg: Value, at: Value) -> Value | None:
        return Value(UNKNOWN, at.span)

    def _boolean(self, arg: Value, at: Value) -> Value | None:
        fn = intrinsic(at, allow_condition=True)
        t = self.truth(at) if fn is not None else None
        return Value(UNKNOWN if t is None else t, at.span)


_FUNCTIONS: dict[str, Callable[[Resolver, Value, Value], Value | None]] = {
    "Ref": Resolver._ref,
    "Fn::GetAtt": Resolver._getatt,
    "Fn::Sub": Resolver._sub,
    "Fn::Join": Resolver._join,
    "Fn::Select": Resolver._select,
    "Fn::Split": Resolver._split,
    "Fn::If": Resolver._if,
    "Fn::FindInMap": Resolver._find_in_map,
    "Fn::Base64": Resolver._base64,
    "Fn::Length": Resolver._length,
    "Fn::ToJsonString": Resolver._to_json,
    "Fn::ImportValue": Resolver._unknown,
    "Fn::GetAZs": Resolver._unknown,
    "Fn::Cidr": Resolver._unknown,
    "Fn::GetParam": Resolver._unknown,
    "Fn::Equals": Resolver._boolean,
    "Fn::And": Resolver._boolean,
    "Fn::Or": Resolver._boolean,
    "Fn::Not": Resolver._boolean,
}


def intrinsic(v: Value, allow_condition: bool = False) -> tuple[str, Value] | None:
    """(`Ref` | `Fn::X`, argument) when `v` is an intrinsic function call."""
    d = v.data
    if not isinstance(d, dict) or len(d) != 1:
        return None
    ((name, arg),) = d.items()
    if name == "Ref" or name.startswith("Fn::") or (allow_condition and name == "Condition"):
        return name, arg
    return None


def _section(root: Value, name: str) -> Value:
    s = root.get(name)
    return s if s is not None and s.is_map() else Value({}, root.span)


def _as_text(d: Any) -> str | None:
    if isinstance(d, bool):
        return "true" if d else "false"
    if isinstance(d, (str, int)):
        return str(d)
    if isinstance(d, float):
        return str(int(d)) if d.is_integer() else str(d)
    return None


def _supported(name: str) -> bool:
    """A function `unsupported` does not report."""
    return name == "Ref" or (name in KNOWN_FUNCTIONS and name != "Fn::Transform") or _is_foreach(name)


def _is_foreach(key: str) -> bool:
    return key.startswith("Fn::ForEach::")


def _display(name: str) -> str:
    return "!" + name[4:] if name.startswith("Fn::") else name
