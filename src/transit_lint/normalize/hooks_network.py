"""Firewall-rule derivations that tables cannot express (registered with @hook).

The network tables (`tables/*_network.yaml`) say where each provider keeps a rule's ports,
protocol and peers, under staging attributes named `native.*`; the `firewall_rule` hook turns
them into the canonical attributes every provider shares, and drops the staging ones:

  protocol          tcp | udp | all | icmp | ... (the table maps -1, *, 6, 17, Tcp ...)
  port_ranges       [[from, to], ...]; `port_range` when there is exactly one
  sources           CIDRs (ingress), `destinations` for egress; `source_refs` for peers that are
                    not CIDRs (security groups, prefix lists, service tags): never public
  source_scope      internet (a /0) | public | private | none (no CIDR peer)
  plaintext_ports   every cleartext port the rule opens (data/ports.csv, per transport)
  remote_access_ports          telnet, rexec, rlogin, rsh among them (R18)
  plaintext_service_ports      the others
  *_text            the same lists for people: "21 (ftp→990), 80 (http→443)"
  all_traffic       the rule allows every protocol on every port

Staging attributes the tables may set (all optional):
  native.ports        a port spec: 80, "80", "1000-2000", "19/20", "*", "-1/-1", "23,245", a list
  native.from_port, native.to_port
  native.cidrs, native.cidrs_v6      CIDRs or provider words ("*", "Internet", "/0")
  native.peers        non-CIDR peers (security groups, prefix lists, tags)
  native.default_sources    peers the provider assumes when none is set (GCP: 0.0.0.0/0)
  native.all_ports_for_all  protocol "all" opens every port whatever the ports say (AWS -1)
  native.targets      what the rule protects (security group, NSG, tags)
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from .. import ports
from ..model import Attr, NativeResource, Node
from ..spans import Span
from ..tree import UNKNOWN, Value
from .mapping import hook

ALL_PORTS = (0, 65535)
TRANSPORTS = {"tcp": ("tcp",), "udp": ("udp",), "all": ("tcp", "udp")}
# cleartext remote shells, replaced by SSH (R18; CCC.Core.CN01.AR02)
REMOTE_ACCESS_SERVICES = frozenset({"telnet", "exec", "login", "shell"})
# provider words for "any address"
ANY_WORDS = {"*", "any", "internet", "0.0.0.0", "::"}
ANY_V4, ANY_V6 = "0.0.0.0/0", "::/0"
TEXT_LIMIT = 6  # ports listed by name before "and N more"

Item = tuple[Any, Span | None]  # a raw value and where it sits


# ---- the hook ---------------------------------------------------------------------------------


@hook("firewall_rule")
def firewall_rule(node: Node, res: NativeResource, ctx: Value) -> None:
    spec_attr = node.attrs.pop("native.rule", None)
    spec: dict[str, Any] = spec_attr.value if spec_attr is not None and isinstance(spec_attr.value, dict) else {}
    staged = Staged(spec, ctx, res.body)
    _targets(node, res, staged)
    _peers(node, staged)
    _ports(node, staged)


class Staged:
    """The native values a table's `native.rule` paths name, read raw (references and spans
    kept): each key is one path or a list of paths whose values are all taken."""

    def __init__(self, spec: dict[str, Any], ctx: Value, root: Value) -> None:
        self.spec, self.ctx, self.root = spec, ctx, root

    def flag(self, key: str) -> bool:
        return self.spec.get(key) is True

    def literal(self, key: str) -> Any:
        return self.spec.get(key)

    def values(self, key: str) -> list[Value]:
        paths = self.spec.get(key)
        out: list[Value] = []
        for p in paths if isinstance(paths, list) else [paths] if paths else []:
            base, path = (self.root, p[1:]) if p.startswith("^") else (self.ctx, p)
            out.extend(resolve(base, path))
        return out

    def items(self, key: str) -> list[Item]:
        """Every element the paths hold, lists flattened: (data, span)."""
        out: list[Item] = []
        for v in self.values(key):
            if isinstance(v.data, list):
                for x in v.data:
                    out.extend(_flat(x))
            else:
                out.append((v.data, v.anchor))
        return out


def _flat(v: Value) -> list[Item]:
    if isinstance(v.data, list):
        return [i for x in v.data for i in _flat(x)]
    return [(v.data, v.anchor)]


# ---- ports ------------------------------------------------------------------------------------


def _ports(node: Node, staged: dict[str, Attr]) -> None:
    proto_attr = node.get("protocol")
    proto = proto_attr.value if proto_attr is not None else "all"
    proto_span = proto_attr.span if proto_attr is not None else None
    if proto is UNKNOWN:
        _unknown_ports(node, proto_span)
        return
    proto = str(proto).lower()
    if proto not in TRANSPORTS:  # icmp, esp, gre ...: no ports
        for name in ("plaintext_ports", "remote_access_ports", "plaintext_service_ports"):
            node.attrs[name] = Attr([], proto_span)
        node.attrs["all_traffic"] = Attr(False, proto_span)
        return
    all_for_all = staged.get("native.all_ports_for_all")
    ranges: list[tuple[int, int]] | None
    span: Span | None
    if proto == "all" and all_for_all is not None and all_for_all.value is True:
        ranges, span = [ALL_PORTS], proto_span
    else:
        ranges, span = _port_spec(staged)
        if ranges is None:
            _unknown_ports(node, span)
            return
        if not ranges:  # nothing says which ports: every port of the protocol
            ranges, span = [ALL_PORTS], span or proto_span
    ranges = _merge(ranges)
    node.attrs["port_ranges"] = Attr([list(r) for r in ranges], span)
    if len(ranges) == 1:
        node.attrs["port_range"] = Attr(list(ranges[0]), span)
    node.attrs["all_traffic"] = Attr(proto == "all" and ranges == [ALL_PORTS], span)
    found = plaintext_in(ranges, TRANSPORTS[proto])
    remote = [p for p, svc in found if svc in REMOTE_ACCESS_SERVICES]
    others = [p for p, svc in found if svc not in REMOTE_ACCESS_SERVICES]
    every = sorted({p for p, _ in found})
    node.attrs["plaintext_ports"] = Attr(every, span)
    node.attrs["remote_access_ports"] = Attr(remote, span)
    node.attrs["plaintext_service_ports"] = Attr(others, span)
    node.attrs["plaintext_ports_text"] = Attr(ports_text(every, TRANSPORTS[proto]), span)
    node.attrs["plaintext_service_ports_text"] = Attr(ports_text(others, TRANSPORTS[proto]), span)


def _unknown_ports(node: Node, span: Span | None) -> None:
    for name in ("plaintext_ports", "remote_access_ports", "plaintext_service_ports", "all_traffic"):
        node.attrs[name] = Attr(UNKNOWN, span)


def _port_spec(staged: dict[str, Attr]) -> tuple[list[tuple[int, int]] | None, Span | None]:
    """The ranges the staging attributes name: [] when none is set, None when unknown."""
    spec = staged.get("native.ports")
    if spec is not None:
        items = _items(spec)
        if items is None:
            return None, spec.span
        out: list[tuple[int, int]] = []
        for raw, _span in items:
            parsed = parse_port_spec(raw)
            if parsed is None:
                return None, spec.span
            out.extend(parsed)
        return out, spec.span
    lo_attr, hi_attr = staged.get("native.from_port"), staged.get("native.to_port")
    if lo_attr is None and hi_attr is None:
        return [], None
    span = (lo_attr or hi_attr).span  # type: ignore[union-attr]
    lo = _port_number(lo_attr.value) if lo_attr is not None else None
    hi = _port_number(hi_attr.value) if hi_attr is not None else None
    if lo is UNKNOWN or hi is UNKNOWN:
        return None, span
    lo = hi if lo is None else lo
    hi = lo if hi is None else hi
    assert isinstance(lo, int) and isinstance(hi, int)
    if lo < 0 or hi < 0:  # -1: every port (NACLs, icmp-style "any")
        return [ALL_PORTS], span
    return [(min(lo, hi), max(lo, hi))], span


def _port_number(x: Any) -> Any:
    if isinstance(x, bool) or x is None:
        return UNKNOWN
    if isinstance(x, int):
        return x
    if isinstance(x, str) and re.fullmatch(r"\s*-?\d+\s*", x):
        return int(x)
    return UNKNOWN


_RANGE = re.compile(r"^(-?\d+)\s*(?:[-/:]\s*(-?\d+))?$")


def parse_port_spec(raw: Any) -> list[tuple[int, int]] | None:
    """`80`, `"80"`, `"1000-2000"`, `"19/20"` (Alibaba), `"*"`, `"ALL"`, `"-1/-1"`, `"23, 245"`
    -> ranges; None when the value is not a port spec (or not known)."""
    if isinstance(raw, bool) or raw is None or raw is UNKNOWN:
        return None
    if isinstance(raw, int):
        return [ALL_PORTS] if raw < 0 else [(raw, raw)]
    if not isinstance(raw, str):
        return None
    out: list[tuple[int, int]] = []
    for part in raw.split(","):
        part = part.strip()
        if part.lower() in ("*", "all", "any"):
            out.append(ALL_PORTS)
            continue
        m = _RANGE.match(part)
        if not m:
            return None
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) is not None else lo
        if lo < 0 or hi < 0:
            out.append(ALL_PORTS)
        else:
            out.append((min(lo, hi, 65535), min(max(lo, hi), 65535)))
    return out


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def plaintext_in(ranges: list[tuple[int, int]], transports: tuple[str, ...]) -> list[tuple[int, str]]:
    """(port, service) for every cleartext port inside the ranges, one per port."""
    seen: dict[int, str] = {}
    for transport in transports:
        for p in sorted(ports.port_set("plaintext", transport)):
            if p not in seen and any(lo <= p <= hi for lo, hi in ranges):
                info = ports.port_info(p, transport)
                seen[p] = info.service if info is not None else ""
    return sorted(seen.items())


def ports_text(found: list[int], transports: tuple[str, ...] = ("tcp",)) -> str:
    """`21 (ftp→990), 80 (http→443)`; long lists end with "… and N more (M plaintext ports)"."""
    names = []
    for p in found[:TEXT_LIMIT]:
        info = next((i for t in transports if (i := ports.port_info(p, t)) is not None), None)
        label = (info.service or info.description) if info is not None else ""
        if info is not None and info.secure_equivalent:
            label += f"→{info.secure_equivalent}"
        names.append(f"{p} ({label})" if label else str(p))
    text = ", ".join(names)
    if len(found) > TEXT_LIMIT:
        text += f", … and {len(found) - TEXT_LIMIT} more ({len(found)} plaintext ports)"
    return text


# ---- peers ------------------------------------------------------------------------------------


def _peers(node: Node, staged: dict[str, Attr]) -> None:
    egress = node.value("direction") == "egress"
    field = "destinations" if egress else "sources"
    cidrs: list[str] = []
    spans: list[Span | None] = []
    refs: list[str] = []
    unknown = False
    first_span: Span | None = None
    for key in ("native.cidrs", "native.cidrs_v6"):
        attr = staged.get(key)
        if attr is None:
            continue
        first_span = first_span or attr.span
        items = _items(attr)
        if items is None:
            unknown = True
            continue
        for raw, span in items:
            kind, value = classify_peer(raw)
            if kind == "cidr":
                cidrs.extend(value)
                spans.extend([span or attr.span] * len(value))
            elif kind == "ref":
                refs.extend(value)
            elif kind == "unknown":
                unknown = True
    peers = staged.get("native.peers")
    if peers is not None:
        items = _items(peers)
        refs.extend(_ref_text(r) for r, _ in items or [(peers.value, peers.span)])
    origin = None
    default = staged.get("native.default_sources")
    if not cidrs and not refs and not unknown and default is not None and isinstance(default.value, list):
        cidrs = [str(x) for x in default.value]
        spans = [None] * len(cidrs)
        origin = "provider default when no source is set"
    item_spans = [s or node.header for s in spans]
    node.attrs[field] = Attr(UNKNOWN if unknown and ANY_V4 not in cidrs and ANY_V6 not in cidrs else cidrs,
                             first_span if cidrs or unknown else None, origin, item_spans or None)
    if refs:
        node.attrs[field[:-1] + "_refs"] = Attr(refs, peers.span if peers is not None else None)
    if not egress:
        node.attrs["source_scope"] = _scope(cidrs, spans, unknown, first_span, origin)


def classify_peer(raw: Any) -> tuple[str, list[str]]:
    """("cidr", [canonical CIDRs]) | ("ref", [name]) | ("unknown", []) | ("invalid", [])."""
    if raw is None:
        return "invalid", []
    if not isinstance(raw, str):  # UNKNOWN, or a reference such as aws_vpc.main.cidr_block
        return "unknown", []
    text = raw.strip()
    if "${" in text:
        return "unknown", []
    low = text.lower()
    if low == "*":
        return "cidr", [ANY_V4, ANY_V6]
    if low == "internet":  # Azure service tag: the address space outside the virtual network
        return "cidr", [ANY_V4]
    if "/" in text:
        addr, _, prefix = text.partition("/")
        if prefix.strip() == "0":
            # a /0 has no network bits: every address, whatever precedes the slash
            return "cidr", [ANY_V6 if ":" in addr else ANY_V4]
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        if re.fullmatch(r"[A-Za-z][\w.-]*", text):  # a service tag or named group
            return "ref", [text]
        return "invalid", []
    return "cidr", [str(net)]


def is_public(cidr: str) -> bool:
    """Reachable from the internet: not private, loopback, link-local, multicast or reserved."""
    net = ipaddress.ip_network(cidr, strict=False)
    return not (net.is_private or net.is_loopback or net.is_link_local or net.is_multicast
                or net.is_reserved or net.is_unspecified)


def _scope(cidrs: list[str], spans: list[Span | None], unknown: bool, span: Span | None,
           origin: str | None) -> Attr:
    for c, s in zip(cidrs, spans, strict=True):
        if ipaddress.ip_network(c).prefixlen == 0:
            return Attr("internet", s or span, origin)
    if unknown:
        return Attr(UNKNOWN, span)
    for c, s in zip(cidrs, spans, strict=True):
        if is_public(c):
            return Attr("public", s or span, origin)
    if cidrs:
        return Attr("private", span, origin)
    return Attr("none", span)


def _targets(node: Node, attr: Attr | None) -> None:
    if attr is None:
        return
    items = _items(attr)
    if items is None:
        node.attrs["targets"] = Attr(UNKNOWN, attr.span)
        return
    node.attrs["targets"] = Attr([_ref_text(x) for x, _ in items], attr.span)


# ---- raw staging values -----------------------------------------------------------------------


def _items(attr: Attr) -> list[Item] | None:
    """The elements of a staged value (a raw list of spanned Values or one scalar); None when
    the value as a whole is unknown."""
    v = attr.value
    if v is UNKNOWN:
        return None
    if isinstance(v, list):
        out: list[Item] = []
        for x in v:
            if isinstance(x, Value):
                if isinstance(x.data, list):  # a list inside a list (concat, flatten)
                    out.extend((y.data, y.anchor) if isinstance(y, Value) else (y, None) for y in x.data)
                else:
                    out.append((x.data, x.anchor))
            else:
                out.append((x, attr.span))
        return out
    return [(v, attr.span)]


def _ref_text(x: Any) -> str:
    """A peer as text: a reference `aws_security_group.lb.id`, a name, or "?" when unknown."""
    if x is UNKNOWN:
        return "?"
    return str(x)
