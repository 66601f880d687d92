"""Firewall-rule derivations that tables cannot express (registered with @hook).

The network tables (`tables/*_network.yaml`) map direction, action and protocol, and say in
`native.rule` where each provider keeps a rule's ports and peers; the `firewall_rule` hook turns
those into the canonical attributes every provider shares (and drops `native.rule`):

  protocol          tcp | udp | all | icmp | ... (the table maps -1, *, 6, 17, Tcp ...)
  port_ranges       [[from, to], ...]; `port_range` when there is exactly one
  sources           CIDRs (ingress), `destinations` for egress; `source_refs` for peers that are
                    not CIDRs (security groups, prefix lists, service tags): never public
  source_scope      internet (a /0) | public | wide-private (a whole RFC 1918 / ULA block or
                    more: every private network, peered VPCs and VPNs included) | private | none
  plaintext_ports   every cleartext port the rule opens (data/ports.csv, per transport)
  remote_access_ports          telnet, rexec, rlogin, rsh among them (R18)
  plaintext_service_ports      the others
  *_text            the same lists for people: "21 (ftp→990), 80 (http→443)"
  all_traffic       the rule allows every protocol on every port

A table row gives the native locations in one constant attribute, `native.rule`, a mapping
read raw by the hook (references and spans kept); each value is a path or a list of paths whose
values are all taken (`^path` starts at the resource, not at the rule's block):
  ports               port specs: 80, "80", "1000-2000", "19/20", "*", "-1/-1", "23,245", lists
  from_port, to_port  the two ends of one range
  cidrs               CIDRs or provider words ("*", "Internet", "/0"), IPv4 and IPv6
  peers               peers that are not CIDRs (security groups, prefix lists, source tags)
  self                a boolean: the group itself is a peer (AWS `self = true`)
  default_sources     (a literal list) the peers the provider assumes when none is set (GCP)
  all_ports_for_all   (a literal bool) protocol "all" opens every port whatever ports say (AWS -1)
  targets             what the rule protects; the declaring resource when absent
  internal_annotations  (a literal map) annotation -> values ("*": any) that make a Kubernetes
                      load balancer internal: its peers are the private network
  https_siblings      the ports of the same object: a plaintext HTTP port beside its HTTPS port
                      may only redirect, which the workload decides: its status is unknown
"""

from __future__ import annotations

import ipaddress
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from .. import ports
from ..model import Attr, NativeResource, Node
from ..spans import Span
from ..tree import UNKNOWN, ReferenceMemo, Value
from .mapping import hook
from .paths import resolve

if TYPE_CHECKING:
    from ..graph import Graph

ALL_PORTS = (0, 65535)
TRANSPORTS = {"tcp": ("tcp",), "udp": ("udp",), "all": ("tcp", "udp")}
# cleartext remote shells, replaced by SSH (R18; CCC.Core.CN01.AR02)
REMOTE_ACCESS_SERVICES = frozenset({"telnet", "exec", "login", "shell"})
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


def _ports(node: Node, staged: Staged) -> None:
    proto_attr = node.get("protocol")
    if proto_attr is None or proto_attr.value is UNKNOWN:  # every provider requires a protocol
        _unknown_ports(node, proto_attr.span if proto_attr is not None else None)
        return
    proto, proto_span = str(proto_attr.value).lower(), proto_attr.span
    if proto not in TRANSPORTS:  # icmp, esp, gre ...: no ports
        for name in ("plaintext_ports", "remote_access_ports", "plaintext_service_ports"):
            node.attrs[name] = Attr([], proto_span)
        node.attrs["all_traffic"] = Attr(False, proto_span)
        return
    ranges: list[tuple[int, int]] | None
    span: Span | None
    if proto == "all" and staged.flag("all_ports_for_all"):
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
    all_traffic = proto == "all" and ranges == [ALL_PORTS]
    node.attrs["all_traffic"] = Attr(all_traffic, span)
    judged = ranges
    if node.value("layer") == "subnet":
        # A stateless ACL must admit replies on the ephemeral ports, and one that admits all
        # traffic is the provider's default (AWS default NACL) leaving the filtering to the
        # security groups: only the well-known ports it names explicitly declare a service.
        judged = [] if all_traffic else [(lo, min(hi, 1023)) for lo, hi in ranges if lo < 1024]
    transports = TRANSPORTS[proto]
    found = plaintext_in(judged, transports)
    if found and _beside_https(found, staged):
        _unknown_ports(node, span)
        return
    every = [p for p, _ in found]
    remote = [p for p, svc in found if svc in REMOTE_ACCESS_SERVICES]
    others = [p for p, svc in found if svc not in REMOTE_ACCESS_SERVICES]
    node.attrs["plaintext_ports"] = Attr(every, span)
    node.attrs["remote_access_ports"] = Attr(remote, span)
    node.attrs["plaintext_service_ports"] = Attr(others, span)
    node.attrs["plaintext_ports_text"] = Attr(ports_text(every, transports), span)
    node.attrs["plaintext_service_ports_text"] = Attr(ports_text(others, transports), span)
    node.attrs["remote_access_ports_text"] = Attr(ports_text(remote, transports), span)


HTTP_SERVICES = frozenset({"http", "http-alt"})


def _beside_https(found: list[tuple[int, str]], staged: Staged) -> bool:
    """Every cleartext port is HTTP and the same object also serves its HTTPS port."""
    if "https_siblings" not in staged.spec:
        return False
    siblings = {_port_number(x) for x, _ in staged.items("https_siblings")}
    for p, svc in found:
        info = ports.port_info(p)
        if svc not in HTTP_SERVICES or info is None or info.secure_equivalent not in siblings:
            return False
    return True


def _unknown_ports(node: Node, span: Span | None) -> None:
    for name in ("plaintext_ports", "remote_access_ports", "plaintext_service_ports", "all_traffic"):
        node.attrs[name] = Attr(UNKNOWN, span)


def _port_spec(staged: Staged) -> tuple[list[tuple[int, int]] | None, Span | None]:
    """The ranges the rule names: [] when none is set, None when they are not known."""
    specs = staged.items("ports")
    if specs:
        out: list[tuple[int, int]] = []
        for raw, _span in specs:
            parsed = parse_port_spec(raw)
            if parsed is None:
                return None, specs[0][1]
            out.extend(parsed)
        return out, specs[0][1]
    lo_vals, hi_vals = staged.values("from_port"), staged.values("to_port")
    if not lo_vals and not hi_vals:
        return [], None
    span = (lo_vals or hi_vals)[0].anchor
    lo = _port_number(lo_vals[0].data) if lo_vals else None
    hi = _port_number(hi_vals[0].data) if hi_vals else None
    if lo is UNKNOWN or hi is UNKNOWN:
        return None, span
    lo = hi if lo is None else lo
    hi = lo if hi is None else hi
    if not isinstance(lo, int) or not isinstance(hi, int):
        return None, span
    if lo < 0 or hi < 0:  # -1: every port (NACLs, Alibaba "-1/-1")
        return [ALL_PORTS], span
    return [(min(lo, hi), min(max(lo, hi), 65535))], span


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
        return [ALL_PORTS] if raw < 0 else [(raw, min(raw, 65535))]
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
        numbers, services = _plaintext_table(transport)
        for lo, hi in ranges:
            for i in range(bisect_left(numbers, lo), bisect_right(numbers, hi)):
                seen.setdefault(numbers[i], services[i])
    return sorted(seen.items())


@cache
def _plaintext_table(transport: str) -> tuple[list[int], list[str]]:
    """The cleartext ports of one transport in order, and their services: static data."""
    tls_tcp = ports.port_set("encrypted", "tcp")
    numbers: list[int] = []
    services: list[str] = []
    for p in sorted(ports.port_set("plaintext", transport)):
        if transport == "udp" and p in tls_tcp:
            continue  # a TLS port (465 submissions): its UDP twin carries nothing in practice
        info = ports.port_info(p, transport)
        numbers.append(p)
        services.append(info.service if info is not None else "")
    return numbers, services


def ports_text(found: list[int], transports: tuple[str, ...] = ("tcp",)) -> str:
    """`21 (ftp→990), 80 (http→443)`; long lists end with "… and N more (M plaintext ports)"."""
    return _ports_text(tuple(found[:TEXT_LIMIT]), len(found), transports)


@lru_cache(maxsize=4096)  # static port data; rules repeat the same few port lists
def _ports_text(shown: tuple[int, ...], count: int, transports: tuple[str, ...]) -> str:
    names = []
    for p in shown:
        info = next((i for t in transports if (i := ports.port_info(p, t)) is not None), None)
        label = (info.service or info.description) if info is not None else ""
        if info is not None and info.secure_equivalent and info.secure_equivalent != p:
            label += f"→{info.secure_equivalent}"
        names.append(f"{p} ({label})" if label else str(p))
    text = ", ".join(names)
    if count > TEXT_LIMIT:
        text += f", … and {count - TEXT_LIMIT} more ({count} plaintext ports)"
    return text


# ---- peers ------------------------------------------------------------------------------------


def _peers(node: Node, staged: Staged) -> None:
    egress = node.value("direction") == "egress"
    field = "destinations" if egress else "sources"
    cidrs: list[str] = []
    spans: list[Span | None] = []
    unknown = False
    raw_cidrs = staged.items("cidrs")
    first_span = raw_cidrs[0][1] if raw_cidrs else None
    for raw, span in raw_cidrs:
        kind, found = classify_peer(raw)
        if kind == "cidr":
            cidrs.extend(found)
            spans.extend([span] * len(found))
        elif kind == "unknown":
            unknown = True
        # "ref": a service tag such as VirtualNetwork, a peer that is never public
    refs = [_ref_text(x) for x, _ in staged.items("peers") if x is not None and x != []]
    refs += [str(x) for x, _ in raw_cidrs if classify_peer(x)[0] == "ref"]
    if any(x is True for x, _ in staged.items("self")):
        refs.append("self")
    internal = _internal_annotations(staged)
    refs += internal
    origin = None
    default = staged.literal("default_sources")
    if not raw_cidrs and not refs and isinstance(default, list):
        cidrs = [str(x) for x in default]
        spans = [None] * len(cidrs)
        origin = "provider default when no source is set"
    internet = ANY_V4 in cidrs or ANY_V6 in cidrs
    item_spans = [s or node.header for s in spans]
    node.attrs[field] = Attr(UNKNOWN if unknown and not internet else cidrs, first_span, origin, item_spans or None)
    if refs:
        node.attrs[field[:-1] + "_refs"] = Attr(refs, None)
    if not egress:
        scope = _scope(cidrs, spans, unknown, first_span, origin)
        if internal and scope.value == "none":  # reachable from the private network only
            scope = Attr("private", None, internal[0])
        node.attrs["source_scope"] = scope


def _internal_annotations(staged: Staged) -> list[str]:
    wanted = staged.literal("internal_annotations")
    if not isinstance(wanted, dict):
        return []
    meta = staged.root.get("metadata")
    notes = meta.get("annotations") if meta is not None else None
    out = []
    for key, values in wanted.items():
        got = notes.get(str(key)) if notes is not None else None
        if got is None or not isinstance(got.data, (str, bool, int)):
            continue
        text = str(got.data).lower()
        if "*" in values or text in {str(v).lower() for v in values}:
            out.append(f"internal load balancer ({key})")
    return out


def classify_peer(raw: Any) -> tuple[str, list[str]]:
    """("cidr", [canonical CIDRs]) | ("ref", [name]) | ("unknown", []) | ("invalid", [])."""
    if raw is None:
        return "invalid", []
    if not isinstance(raw, str):  # UNKNOWN, or a reference such as aws_vpc.main.cidr_block
        return "unknown", []
    kind, found = _classify_text(raw)
    return kind, list(found)


@lru_cache(maxsize=4096)
def _classify_text(raw: str) -> tuple[str, tuple[str, ...]]:
    """classify_peer of a string, remembered: the same few CIDRs repeat across a run and
    `ipaddress` parses slowly."""
    text = raw.strip()
    if "${" in text:
        return "unknown", ()
    low = text.lower()
    if low == "*":
        return "cidr", (ANY_V4, ANY_V6)
    if low == "internet":  # Azure service tag: the address space outside the virtual network
        return "cidr", (ANY_V4,)
    if "/" in text:
        addr, _, prefix = text.partition("/")
        if prefix.strip() == "0":
            # a /0 has no network bits: every address, whatever precedes the slash
            return "cidr", (ANY_V6 if ":" in addr else ANY_V4,)
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        if re.fullmatch(r"[A-Za-z][\w.-]*", text) and low != "any":  # a service tag
            return "ref", (text,)
        return "invalid", ()
    return "cidr", (str(net),)


_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
# the private blocks themselves: a peer covering one of them is every private network, not a VPC
_PRIVATE_BLOCKS = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                          "fc00::/7"))


@lru_cache(maxsize=4096)
def peer_scope(cidr: str) -> str:
    """internet (a /0) | public | private | none: an address no packet comes from (loopback,
    link-local, multicast, reserved, 0.0.0.0/8 "this network")."""
    net = ipaddress.ip_network(cidr, strict=False)
    if net.prefixlen == 0:
        return "internet"
    if (net.is_loopback or net.is_link_local or net.is_multicast or net.is_reserved
            or net.is_unspecified or (net.version == 4 and net.subnet_of(_THIS_NETWORK))):  # type: ignore[arg-type]
        return "none"
    if net.is_private or not net.is_global:
        wide = any(net.version == b.version and b.subnet_of(net) for b in _PRIVATE_BLOCKS)  # type: ignore[arg-type]
        return "wide-private" if wide else "private"
    return "public"


def _scope(cidrs: list[str], spans: list[Span | None], unknown: bool, span: Span | None,
           origin: str | None) -> Attr:
    """The widest reach among the peers: internet > public > private > none."""
    scoped = [(peer_scope(c), s) for c, s in zip(cidrs, spans, strict=True)]
    for want in ("internet", "public", "wide-private", "private"):
        if want == "public" and unknown:
            return Attr(UNKNOWN, span)  # an unknown peer may be public, or the internet
        hit = next((s for sc, s in scoped if sc == want), None)
        if hit is not None or any(sc == want for sc, _ in scoped):
            return Attr(want, hit or span, origin)
    return Attr("none", span, origin)


def _targets(node: Node, res: NativeResource, staged: Staged) -> None:
    items = staged.items("targets")
    if not staged.spec.get("targets"):
        node.attrs["targets"] = Attr([res.address], None)
    elif items:
        node.attrs["targets"] = Attr([_ref_text(x) for x, _ in items], items[0][1])


def _ref_text(x: Any) -> str:
    """A peer or target as text: a reference `aws_security_group.lb.id`, a name, "?" if unknown."""
    if x is UNKNOWN:
        return "?"
    return str(x)


# ---- exposures: firewall rule -> the endpoints it opens (after the graph is built) -----------

LB_TYPES = frozenset({"aws_lb", "aws_alb", "aws_elb", "AWS::ElasticLoadBalancingV2::LoadBalancer",
                      "AWS::ElasticLoadBalancing::LoadBalancer"})
# properties through which a workload uses a security group
GROUP_USE_KEYS = frozenset({"security_groups", "vpc_security_group_ids", "security_group_ids",
                            "SecurityGroups", "SecurityGroupIds", "VpcSecurityGroupIds"})
# properties through which a standalone rule names its group, and a listener its load balancer
RULE_GROUP_KEYS = frozenset({"security_group_id", "GroupId", "GroupName"})
LISTENER_LB_KEYS = frozenset({"load_balancer_arn", "LoadBalancerArn"})


def link_exposures(graph: Graph, resources: Iterable[NativeResource]) -> None:
    """Draw `exposes` edges from each ingress firewall rule to the load-balancer listeners its
    ports open (rule -> security group -> load balancer -> listener), mark the listeners of
    internet-facing rules `exposure: public`, and drop from a rule's plaintext service ports
    those every exposed listener redirects to HTTPS or refuses (R3): port 80 open to the
    internet on a load balancer whose port-80 listener redirects is the way HTTPS sites work.

    `resources` are all native resources of the run: the load balancers are not nodes, and a
    group that also protects anything other than load balancers keeps its findings."""
    resources = list(resources)
    # every effect goes through a load balancer and an ingress rule: most shards have neither,
    # and reading every body for references would cost them the most
    if not any(r.type in LB_TYPES for r in resources) or not any(_allows_ingress(n) for n in graph.nodes.values()):
        return
    by_address = {_key(r, r.address): r for r in resources}
    references = graph.references  # the bodies build_graph already read, memoized there
    users: dict[tuple[str, str], list[NativeResource]] = {}
    for r in by_address.values():
        for attr, ref in references(r.body):
            if attr in GROUP_USE_KEYS:
                users.setdefault(_key(r, ref.address), []).append(r)
    listeners: dict[tuple[str, str], list[Node]] = {}
    for n in graph.nodes.values():
        if n.kind != "endpoint" or n.resource is None:
            continue
        if n.resource.type in LB_TYPES:  # classic ELB: the listeners are the balancer's own
            listeners.setdefault(_key(n.resource, n.resource.address), []).append(n)
        for attr, ref in references(n.resource.body):
            if attr in LISTENER_LB_KEYS:
                listeners.setdefault(_key(n.resource, ref.address), []).append(n)
    for rule in list(graph.nodes.values()):
        if not _allows_ingress(rule) or rule.resource is None:
            continue
        group = _rule_group(rule.resource, references)
        using = users.get(group, [])
        balancers = [u for u in using if u.type in LB_TYPES]
        exposed = [ep for lb in balancers for ep in listeners.get(_key(lb, lb.address), [])
                   if _opens(rule, ep.value("port"))]
        for ep in exposed:
            graph.add_edge(rule, ep, "exposes", "port")
            # an internal load balancer stays internal whatever its group allows
            public = rule.value("source_scope") in ("internet", "public")
            if public and ep.value("exposure") not in ("public", "internal"):
                ep.attrs["exposure"] = Attr("public", None, f"opened by {rule.id}")
        if balancers and len(balancers) == len(using):
            _drop_redirected(rule, balancers, listeners)


def _allows_ingress(rule: Node) -> bool:
    return (rule.kind == "firewall_rule" and rule.resource is not None
            and rule.value("direction") == "ingress" and rule.value("action") == "allow")


def _drop_redirected(rule: Node, balancers: list[NativeResource],
                     listeners: dict[tuple[str, str], list[Node]]) -> None:
    attr = rule.get("plaintext_service_ports")
    if attr is None or not isinstance(attr.value, list):
        return
    redirected = []
    for p in attr.value:
        on_port = [[ep for ep in listeners.get(_key(lb, lb.address), []) if ep.value("port") == p]
                   for lb in balancers]
        if all(eps and all(ep.value("redirect_to_https") is True or ep.value("blocks_plaintext") is True
                           for ep in eps) for eps in on_port):
            redirected.append(p)
    if not redirected:
        return
    kept = [p for p in attr.value if p not in redirected]
    rule.attrs["plaintext_service_ports"] = Attr(kept, attr.span, attr.origin)
    rule.attrs["plaintext_service_ports_text"] = Attr(ports_text(kept), attr.span)
    rule.attrs["redirected_ports"] = Attr(redirected, attr.span, "the load balancer's listeners redirect to HTTPS")


def _opens(rule: Node, port: Any) -> bool:
    ranges = rule.value("port_ranges")
    return isinstance(port, int) and isinstance(ranges, list) and any(lo <= port <= hi for lo, hi in ranges)


def _rule_group(res: NativeResource, references: ReferenceMemo) -> tuple[str, str]:
    """The security group a rule belongs to: its own resource for inline rules, else the one
    its `security_group_id` / `GroupId` names."""
    for attr, ref in references(res.body):
        if attr in RULE_GROUP_KEYS:
            return _key(res, ref.address)
    return _key(res, res.address)


def _key(res: NativeResource, address: str) -> tuple[str, str]:
    """Addresses are unique within one root module or template; child modules prefix theirs."""
    prefix = res.meta.get("prefix", "")
    if address.startswith(prefix):
        prefix = ""
    return (str(res.meta.get("root", "")), prefix + address)


