"""URI splitting that survives real-world input: multi-host netlocs, unencoded `@ : /` in passwords,
IPv6 brackets, placeholders and blank parameter values. The user-info part is never kept."""

from __future__ import annotations

from dataclasses import dataclass

from .hosts import HostPort, split_hosts
from .lexical import Params, decode, is_templated


@dataclass(frozen=True)
class UriParts:
    scheme: str
    hosts: list[HostPort]
    path: str
    params: Params
    has_userinfo: bool
    host_start: int
    host_end: int


def find_any(masked: str, chars: str, start: int, end: int) -> int:
    """Index of the first of `chars` in masked[start:end], or -1."""
    best = -1
    for char in chars:
        index = masked.find(char, start, end)
        if index >= 0 and (best < 0 or index < best):
            best = index
    return best


def parse_query(text: str, masked: str, start: int, end: int, seps: str = "&") -> Params:
    """`k=v&k2=&k3` into Params; blank values are kept, a key without `=` has the value ""."""
    params = Params()
    if ";" in seps and "&" in masked[start:end]:
        seps = "&"  # MongoDB: `;` separates only when `&` is not used at all
    pos = start
    while pos < end:
        nxt = find_any(masked, seps, pos, end)
        if nxt < 0:
            nxt = end
        if nxt > pos:
            eq = masked.find("=", pos, nxt)
            key_end = eq if eq >= 0 else nxt
            if is_templated(text, masked, pos, key_end):
                params.templated_segment = True
            else:
                key = decode(text[pos:key_end]).strip()
                if key.lower().startswith("amp;"):  # XML-escaped `&amp;`
                    key = key[4:]
                value = decode(text[eq + 1 : nxt]) if eq >= 0 else ""
                templated = eq >= 0 and is_templated(text, masked, eq + 1, nxt)
                if key:
                    params.add(key, value, templated)
        pos = nxt + 1
    return params


def split_uri(
    text: str,
    masked: str,
    scheme: str,
    auth_start: int,
    *,
    rfc_authority: bool = False,
    query_seps: str = "&",
) -> UriParts:
    """Split text[auth_start:] (the part after `scheme://`).

    With rfc_authority (HTTP-like schemes) the authority ends at the first `/ ? #`, as RFC 3986 says,
    so `https://medium.com/@user` keeps its host. Otherwise the user-info ends at the last `@`, which
    tolerates passwords with unencoded `@`, `:`, `/`, `?` or `#` (unless an `@` sits in a query
    value, as in `?user=a@b`).
    """
    end = len(masked)
    if rfc_authority:
        stop = find_any(masked, "/?#", auth_start, end)
        at = masked.rfind("@", auth_start, stop if stop >= 0 else end)
    else:
        at = masked.rfind("@", auth_start, end)
        if at >= 0:
            question = masked.find("?", auth_start, at)
            if question >= 0 and "=" in masked[question:at]:
                at = masked.rfind("@", auth_start, question)
    host_start = at + 1 if at >= 0 else auth_start
    host_end = find_any(masked, "/?#", host_start, end)
    if host_end < 0:
        host_end = end
    hosts = split_hosts(text, masked, host_start, host_end)
    question = masked.find("?", host_end, end)
    fragment = masked.find("#", question if question >= 0 else host_end, end)
    path_end = min(i for i in (question, fragment, end) if i >= 0)
    path = decode(text[host_end:path_end])
    if question >= 0:
        params = parse_query(text, masked, question + 1, fragment if fragment >= 0 else end, query_seps)
    else:
        params = Params()
    return UriParts(scheme, hosts, path, params, at >= 0, host_start, host_end)
