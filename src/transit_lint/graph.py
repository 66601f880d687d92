"""The run's resource graph: canonical nodes, and typed edges resolved from references.

Edges come from references between native resources: Terraform expressions and CloudFormation
`Ref`/`GetAtt` both evaluate to `Reference` values, and other front ends may put references in
their bodies too. The edge type is chosen by the attribute that holds the reference
(EDGE_TYPES), and is `refers` otherwise.

The graph keeps its own adjacency for the policy hops and hands out a `networkx.MultiDiGraph`
on demand (`to_networkx`, for exports and analyses): importing networkx costs ~130 ms, half of a
pre-commit run's budget, and the policies need only neighbour lookups.
"""

from __future__ import annotations

from typing import Any

from .model import Node
from .tree import SCANNED_REFERENCES, ReferenceMemo

# attribute that holds the reference -> typed edge (DESIGN.md §3)
EDGE_TYPES = {
    "target_group_arn": "routes_to",
    "load_balancer_arn": "belongs_to",
    "security_groups": "protected_by",
    "vpc_security_group_ids": "protected_by",
    "certificate_arn": "uses",
    "ssl_certificate_id": "uses",
    "parameter_group_name": "configured_by",
    "db_parameter_group_name": "configured_by",
    "db_cluster_parameter_group_name": "configured_by",
    "cluster_parameter_group_name": "configured_by",
    "security_group_id": "applies_to",
    # CloudFormation property names
    "TargetGroupArn": "routes_to",
    "LoadBalancerArn": "belongs_to",
    "SecurityGroups": "protected_by",
    "SecurityGroupIds": "protected_by",
    "VpcSecurityGroupIds": "protected_by",
    "CertificateArn": "uses",
    "SSLCertificateId": "uses",
    "DBParameterGroupName": "configured_by",
    "DBClusterParameterGroupName": "configured_by",
    "CacheParameterGroupName": "configured_by",
    "ClusterParameterGroupName": "configured_by",
    "GroupId": "applies_to",
}


class Graph:
    """Nodes are keyed by a key unique in the graph: a node id is unique only within one root
    module or template, and a shard may hold two roots that instantiate the same module."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}  # key -> node; the key is the node id unless it clashes
        self.edges: set[tuple[str, str, str, str]] = set()  # (src key, dst key, type, attr)
        self._key: dict[int, str] = {}  # id(node) -> key
        self._out: dict[str, list[tuple[str, str]]] = {}  # src -> [(dst, type)]
        self._in: dict[str, list[tuple[str, str]]] = {}
        # the references of each body, collected once: later passes over the same resources
        # (exposure linking) read them again; the bodies must not change while the graph is used
        self.references = ReferenceMemo()

    def add_nodes(self, nodes: list[Node]) -> None:
        for n in nodes:
            key = n.id if n.id not in self.nodes else f"{n.id}#{len(self.nodes)}"
            self.nodes[key] = n
            self._key[id(n)] = key

    def key(self, n: Node) -> str:
        return self._key[id(n)]

    def add_edge(self, src: Node, dst: Node, type_: str, attr: str) -> None:
        s, d = self.key(src), self.key(dst)
        if (s, d, type_, attr) in self.edges:
            return
        self.edges.add((s, d, type_, attr))
        self._out.setdefault(s, []).append((d, type_))
        self._in.setdefault(d, []).append((s, type_))

    def neighbours(self, node: Node, edge: str | None, direction: str, kind: str | None) -> list[Node]:
        ends = (self._out if direction == "out" else self._in).get(self.key(node), [])
        out = []
        for other, type_ in ends:
            if edge is not None and type_ != edge:
                continue
            n = self.nodes[other]
            if kind is None or n.kind == kind:
                out.append(n)
        return out

    def edge_count(self) -> int:
        return len(self.edges)

    def to_networkx(self) -> Any:
        """The graph as a `networkx.MultiDiGraph` with node kinds and typed edges."""
        import networkx as nx

        g = nx.MultiDiGraph()
        for key, n in sorted(self.nodes.items()):
            g.add_node(key, id=n.id, kind=n.kind, native_type=n.native_type, path=n.path, line=n.span.line)
        for src, dst, type_, attr in sorted(self.edges):
            g.add_edge(src, dst, key=f"{type_}:{attr}", type=type_, attr=attr)
        return g


def build_graph(nodes: list[Node]) -> Graph:
    graph = Graph()
    graph.add_nodes(nodes)
    # addresses are unique within one root module (its directory), prefixed inside child modules
    by_address: dict[tuple[str, str], list[Node]] = {}
    references = graph.references  # the nodes of one resource share its body
    for n in nodes:
        if n.resource is not None:
            by_address.setdefault((n.resource.meta.get("root", ""), n.resource.address), []).append(n)
            # the references the connection-string pass collected on its walk of the body
            scanned = n.resource.meta.pop(SCANNED_REFERENCES, None)
            if scanned is not None and scanned[0] is n.resource.body:
                references.seed(*scanned)
    for n in nodes:
        if n.resource is None:
            continue
        root, prefix = n.resource.meta.get("root", ""), n.resource.meta.get("prefix", "")
        # references a front end resolved itself (Kubernetes selectors, Ingress backends)
        for edge_type, address in n.resource.meta.get("refs", ()):
            for t in by_address.get((root, address), []):
                if t is not n:
                    graph.add_edge(n, t, edge_type, "meta")
        for attr, ref in references(n.resource.body):
            for t in by_address.get((root, prefix + ref.address), []):
                if t is not n:
                    graph.add_edge(n, t, EDGE_TYPES.get(attr, "refers"), attr)
    return graph
