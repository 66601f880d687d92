"""The transit map: the run's graph reduced to what travels where, and how well it is protected.

A *component* is one native resource (a listener, a distribution, an Ingress, an nginx server);
its endpoint nodes are the ways in, its connection nodes the ways out. Edges:

- clients -> component, one per endpoint: who can connect (the internet when the endpoint is
  exposed publicly), labelled with protocol, port and TLS minimum;
- component -> peer, one per connection: the backend host, or the component the graph links the
  connection to (a target group, a Service), labelled the same way;
- component -> component for the other graph links between drawn components (a listener that
  routes to a target group).

Each hop carries a *state*, the scale the renderers style: plaintext, redirect (plaintext that
only redirects to HTTPS or refuses), unverified (encrypted, peer not verified), encrypted
(TLS, verification not modelled for this hop), verified, mutual, unknown; structural links are
`link`. The map is built from the light nodes the workers ship back, so it works for every
run (renderers are pure functions of it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .findings import Finding, Severity
from .model import Node
from .shards import Link
from .tree import UNKNOWN

STATES = ("plaintext", "redirect", "unverified", "encrypted", "verified", "mutual", "unknown", "link")

_CLIENTS = {"public": ("internet", "Internet clients"), "internal": ("internal", "internal clients")}
_DEFAULT_CLIENTS = ("clients", "clients (exposure unknown)")


@dataclass(frozen=True)
class MapNode:
    id: str
    label: str
    role: str  # "component", "clients", "peer"
    path: str | None = None
    native_type: str | None = None
    findings: tuple[str, ...] = ()  # rule ids, sorted, unique
    severity: str | None = None  # the highest severity among them


@dataclass(frozen=True)
class MapEdge:
    src: str
    dst: str
    label: str
    state: str


@dataclass
class TransitMap:
    nodes: list[MapNode] = field(default_factory=list)
    edges: list[MapEdge] = field(default_factory=list)

    def files(self) -> list[str]:
        return sorted({n.path for n in self.nodes if n.path is not None})


def _known(v: object) -> bool:
    return v is not None and v is not UNKNOWN


def endpoint_state(n: Node) -> str:
    if n.value("plaintext") is True:
        if n.value("redirect_to_https") is True or n.value("blocks_plaintext") is True:
            return "redirect"
        return "plaintext"
    required = n.value("tls.required")
    if required is False:
        return "plaintext"
    if n.value("tls.enabled") is True or required is True:
        return "mutual" if n.value("tls.client_auth") == "required" else "encrypted"
    return "unknown"


def connection_state(n: Node) -> str:
    mode = n.value("tls_mode")
    if mode in ("plaintext", "opportunistic"):
        return "plaintext"
    if mode in ("encrypted-unverified", "no-hostname-check"):
        return "unverified"
    if mode == "verified":
        return "mutual" if n.value("client_cert") is True else "verified"
    if n.value("plaintext") is True:
        return "plaintext"
    if n.value("tls.enabled") is True:
        return "encrypted"
    return "unknown"


def hop_label(n: Node) -> str:
    parts: list[str] = []
    proto = n.value("protocol")
    if _known(proto):
        parts.append(str(proto))
    port = n.value("port")
    if _known(port):
        parts.append(f":{port}")
    if n.value("tls_mode") == "opportunistic":
        parts.append("opportunistic")
    if n.value("redirect_to_https") is True:
        parts.append("redirects to HTTPS")
    elif n.value("blocks_plaintext") is True:
        parts.append("refused")
    if n.value("tls.required") is False:
        parts.append("TLS optional")
    minimum = n.value("tls.min_version")
    if _known(minimum) and n.value("plaintext") is not True:
        parts.append(f"TLS ≥ {minimum}")
    if n.value("tls.client_auth") == "required" or n.value("client_cert") is True:
        parts.append("mTLS")
    return " ".join(parts) or n.native_type


def _component_key(n: Node) -> tuple[str, str]:
    address = n.resource.address if n.resource is not None else n.id.split("/", 1)[0]
    return (n.path, address)


def _peer_label(n: Node) -> str:
    for key in ("host", "url"):
        v = n.value(key)
        if _known(v) and str(v):
            return str(v)
    role = n.value("role")
    network = n.value("network")
    what = "backends" if role == "backend" else "targets"
    return f"{what} ({network})" if _known(network) else what


def build(nodes: list[Node], links: list[Link], findings: list[Finding]) -> TransitMap:
    """The transit map of a run: endpoints, connections and the hops between them."""
    drawn = [n for n in nodes if n.kind in ("endpoint", "connection")]
    by_ref = {(n.path, n.id): n for n in drawn}
    keys = sorted({_component_key(n) for n in drawn})
    comp_id = {k: f"c{i}" for i, k in enumerate(keys)}
    node_comp = {(n.path, n.id): comp_id[_component_key(n)] for n in drawn}

    marks: dict[str, list[Finding]] = {}
    for f in findings:
        if f.suppressed or f.resource is None:
            continue
        cid = node_comp.get((f.path, f.resource.id))
        if cid is not None:
            marks.setdefault(cid, []).append(f)

    types: dict[tuple[str, str], str] = {}
    for n in drawn:
        types.setdefault(_component_key(n), n.native_type)
    out = TransitMap()
    for k in keys:
        cid = comp_id[k]
        fs = marks.get(cid, [])
        worst = max((f.severity for f in fs), default=None)
        out.nodes.append(MapNode(
            id=cid, label=k[1], role="component", path=k[0], native_type=types[k],
            findings=tuple(sorted({f.rule_id for f in fs})),
            severity=None if worst is None else Severity(worst).label))

    extra: dict[str, MapNode] = {}

    def other(node_id: str, label: str, role: str) -> str:
        if node_id not in extra:
            extra[node_id] = MapNode(id=node_id, label=label, role=role)
        return node_id

    # graph links out of a node, between drawn nodes
    linked: dict[tuple[str, str], list[tuple[tuple[str, str], str]]] = {}
    for sp, sid, dp, did, type_ in links:
        if (sp, sid) in by_ref and (dp, did) in by_ref:
            linked.setdefault((sp, sid), []).append(((dp, did), type_))

    edges: set[MapEdge] = set()
    for n in drawn:
        here = node_comp[(n.path, n.id)]
        if n.kind == "endpoint":
            exposure = n.value("exposure")
            cid, clabel = _CLIENTS.get(exposure if isinstance(exposure, str) else "", _DEFAULT_CLIENTS)
            edges.add(MapEdge(other(cid, clabel, "clients"), here, hop_label(n), endpoint_state(n)))
            for (dst, type_) in linked.get((n.path, n.id), []):
                there = node_comp[dst]
                if there != here:
                    edges.add(MapEdge(here, there, type_.replace("_", " "), "link"))
            continue
        targets = {node_comp[dst] for dst, _ in linked.get((n.path, n.id), [])} - {here}
        if not targets:
            label = _peer_label(n)
            targets = {other("p:" + label, label, "peer")}
        for there in sorted(targets):
            edges.add(MapEdge(here, there, hop_label(n), connection_state(n)))

    # a configuration link says nothing a hop between the same two components does not
    hops = {(e.src, e.dst) for e in edges if e.state != "link"}
    edges = {e for e in edges if e.state != "link" or (e.src, e.dst) not in hops}
    out.nodes.extend(sorted(extra.values(), key=lambda m: (m.role != "clients", m.id)))
    out.edges = sorted(edges, key=lambda e: (e.src, e.dst, e.label, e.state))
    return out
