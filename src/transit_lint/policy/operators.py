"""The closed set of leaf operators a policy may use.

Each operator takes the attribute's value (never UNKNOWN or absent: the evaluator handles those)
and the resolved argument, and returns (passed, detail, bad_index). `detail` names what failed
("TLS_RSA_WITH_AES_128_CBC_SHA, …") for the `{detail}` placeholder; `bad_index` is the position
of the first offending list element, so a finding can point at that element.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from .. import ports, tls

Outcome = tuple[bool, str, int | None]
Operator = Callable[[Any, Any], Outcome]


def _norm(x: Any) -> Any:
    return x.lower() if isinstance(x, str) else x


def _eq(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(_norm(a) == _norm(b)) or (isinstance(a, (int, float)) and str(a) == str(b))


def op_equals(v: Any, arg: Any) -> Outcome:
    return _eq(v, arg), "" if _eq(v, arg) else f"{v}", None


def op_not_equals(v: Any, arg: Any) -> Outcome:
    return not _eq(v, arg), f"{v}", None


def op_in(v: Any, arg: Any) -> Outcome:
    ok = any(_eq(v, a) for a in arg)
    return ok, f"{v}", None


def op_not_in(v: Any, arg: Any) -> Outcome:
    ok = not any(_eq(v, a) for a in arg)
    return ok, f"{v}", None


def op_matches(v: Any, arg: Any) -> Outcome:
    ok = isinstance(v, (str, int)) and re.search(str(arg), str(v)) is not None
    return ok, f"{v}", None


def op_version_at_least(v: Any, arg: Any) -> Outcome:
    got, floor = version_of(v), version_of(arg)
    if got is None or floor is None:
        raise UnknownValue(f"unrecognised TLS version {v!r}")
    return tls.version_at_least(got, floor), tls.display_version(got), None


def version_of(v: Any) -> str | None:
    """`tls.parse_version`, remembered for strings (a run meets a handful of spellings, each
    parsed by several regular expressions)."""
    return _version_of_text(v) if type(v) is str else tls.parse_version(v)


@lru_cache(maxsize=4096)
def _version_of_text(text: str) -> str | None:
    return tls.parse_version(text)


def _items(v: Any) -> list[Any]:
    return list(v) if isinstance(v, (list, tuple)) else [v]


def op_subset_of(v: Any, arg: Any) -> Outcome:
    allowed = {_norm(a) for a in _items(arg)}
    bad = [(i, x) for i, x in enumerate(_items(v)) if _norm(x) not in allowed]
    return not bad, ", ".join(str(x) for _, x in bad), bad[0][0] if bad else None


def op_none_of(v: Any, arg: Any) -> Outcome:
    banned = {_norm(a) for a in _items(arg)}
    bad = [(i, x) for i, x in enumerate(_items(v)) if _norm(x) in banned]
    return not bad, ", ".join(str(x) for _, x in bad), bad[0][0] if bad else None


def op_ciphers_within(v: Any, arg: Any) -> Outcome:
    """Every cipher (IANA name) belongs to the named set (`mozilla-intermediate`, `fs-aead`)."""
    allowed = tls.cipher_set(str(arg))
    bad = [(i, c) for i, c in enumerate(_items(v)) if c not in allowed]
    return not bad, ", ".join(c for _, c in bad), bad[0][0] if bad else None


def op_port_in(v: Any, arg: Any) -> Outcome:
    """The port (or any port of a range "a-b") is in the named port set or the list given."""
    wanted = ports.port_set(arg) if isinstance(arg, str) else frozenset(int(p) for p in arg)
    hits = [p for p in _port_list(v) if p in wanted]
    return bool(hits), ", ".join(str(p) for p in hits), None


def _port_list(v: Any) -> list[int]:
    if isinstance(v, bool):
        return []
    if isinstance(v, int):
        return [v]
    if isinstance(v, str) and re.fullmatch(r"\d+", v.strip()):
        return [int(v)]
    if isinstance(v, (list, tuple)) and len(v) == 2 and all(isinstance(x, int) for x in v):
        lo, hi = v
        return list(range(lo, hi + 1)) if 0 <= hi - lo <= 65535 else []
    raise UnknownValue(f"not a port: {v!r}")


def op_cidr_is_public(v: Any, arg: Any) -> Outcome:
    """Any of the CIDRs is reachable from the internet (not private, loopback or link-local)."""
    public: list[str] = []
    for c in _items(v):
        try:
            net = ipaddress.ip_network(str(c).strip(), strict=False)
        except ValueError:
            continue
        if not (net.is_private or net.is_loopback or net.is_link_local or net.is_multicast):
            public.append(str(c))
    return bool(public) == bool(arg), ", ".join(public), None


def _number(v: Any) -> float:
    if isinstance(v, bool):
        raise UnknownValue(f"not a number: {v!r}")
    try:
        return float(v)
    except (TypeError, ValueError):
        raise UnknownValue(f"not a number: {v!r}") from None


def op_at_least(v: Any, arg: Any) -> Outcome:
    """Numeric floor: key sizes, HSTS max-age, port numbers."""
    return _number(v) >= _number(arg), f"{v}", None


def op_at_most(v: Any, arg: Any) -> Outcome:
    """Numeric ceiling: certificate validity days."""
    return _number(v) <= _number(arg), f"{v}", None


def op_exists(v: Any, arg: Any) -> Outcome:  # absent values never reach operators; see evaluate
    return bool(arg), "", None


def op_is(v: Any, arg: Any) -> Outcome:
    return v is arg, f"{v}", None


Verdict = Callable[[Any], bool]
_SCALARS = (str, int, float, bool, type(None))


def verdict(op_name: str, arg: Any) -> Verdict | None:
    """`passed` alone, for the operators that raise nothing but UnknownValue on plain values
    (strings, numbers, booleans) with this argument (for the comparisons a plain scalar, a list
    of them for the membership tests, a known port set); None for the others. Strings, the
    common case, are compared in one step; other values go through `_eq` as ever."""
    if op_name == "port_in":
        try:
            wanted = ports.port_set(arg) if isinstance(arg, str) else frozenset(int(p) for p in arg)
        except Exception:  # noqa: BLE001 - the operator raises the same on every value
            return None
        return lambda v: any(p in wanted for p in _port_list(v))
    if op_name == "is":
        return lambda v: v is arg
    if op_name in ("equals", "not_equals") and isinstance(arg, _SCALARS):
        eq = _equals_one(arg)
        return eq if op_name == "equals" else lambda v: not eq(v)
    if op_name in ("in", "not_in") and isinstance(arg, (list, tuple)) and all(isinstance(a, _SCALARS) for a in arg):
        member = _equals_any(tuple(arg))
        return member if op_name == "in" else lambda v: not member(v)
    return None


def _equals_one(arg: Any) -> Verdict:
    if not isinstance(arg, str):
        return lambda v: _eq(v, arg)
    low = arg.lower()  # a string value equals a string argument only, case-insensitively
    return lambda v: v.lower() == low if type(v) is str else _eq(v, arg)


def _equals_any(args: tuple[Any, ...]) -> Verdict:
    if not all(isinstance(a, str) for a in args):
        return lambda v: any(_eq(v, a) for a in args)
    lows = frozenset(a.lower() for a in args)
    return lambda v: v.lower() in lows if type(v) is str else any(_eq(v, a) for a in args)


class UnknownValue(Exception):
    """The value is present but cannot be judged (e.g. an unrecognised version spelling)."""


OPERATORS: dict[str, Operator] = {
    "equals": op_equals,
    "not_equals": op_not_equals,
    "in": op_in,
    "not_in": op_not_in,
    "matches": op_matches,
    "version_at_least": op_version_at_least,
    "subset_of": op_subset_of,
    "none_of": op_none_of,
    "ciphers_within": op_ciphers_within,
    "port_in": op_port_in,
    "cidr_is_public": op_cidr_is_public,
    "exists": op_exists,
    "is": op_is,
    "at_least": op_at_least,
    "at_most": op_at_most,
}
