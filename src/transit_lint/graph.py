"""The run's resource graph: canonical nodes, and typed edges resolved from references.

One `networkx.MultiDiGraph` per run. Edges come from references between native resources
(Terraform expressions now; CloudFormation `Ref`/`GetAtt`, Kubernetes selectors and nginx
`proxy_pass` as those normalizers land). The edge type is chosen by the attribute that holds the
reference (EDGE_TYPES), and is `refers` otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .model import Node
from .terraform.evaluate import Reference
from .tree import Value

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
}


class Graph:
    def __init__(self) -> None:
        import networkx as nx

        self.g: Any = nx.MultiDiGraph()
        self.nodes: dict[str, Node] = {}

    def add_nodes(self, nodes: list[Node]) -> None:
        for n in nodes:
            self.nodes[n.id] = n
            self.g.add_node(n.id)

    def add_edge(self, src: str, dst: str, type_: str, attr: str) -> None:
        self.g.add_edge(src, dst, key=f"{type_}:{attr}", type=type_, attr=attr)

    def neighbours(self, node_id: str, edge: str | None, direction: str, kind: str | None) -> list[Node]:
        if node_id not in self.g:
            return []
        if direction == "out":
            triples = self.g.out_edges(node_id, data=True)
            ends = [(d, data) for _, d, data in triples]
        else:
            triples = self.g.in_edges(node_id, data=True)
            ends = [(s, data) for s, _, data in triples]
        out = []
        for other, data in ends:
            if edge is not None and data.get("type") != edge:
                continue
            n = self.nodes[other]
            if kind is None or n.kind == kind:
                out.append(n)
        return out

    def edge_count(self) -> int:
        return int(self.g.number_of_edges())


def _references(v: Value, key: str = "") -> Iterator[tuple[str, Reference]]:
    """Every reference inside a value, with the attribute name that holds it."""
    d = v.data
    if isinstance(d, Reference):
        yield key, d
    elif isinstance(d, dict):
        for k, x in d.items():
            yield from _references(x, k)
    elif isinstance(d, list):
        for x in d:
            yield from _references(x, key)


def build_graph(nodes: list[Node]) -> Graph:
    graph = Graph()
    graph.add_nodes(nodes)
    # addresses are unique within one root module (its directory), prefixed inside child modules
    by_address: dict[tuple[str, str], list[Node]] = {}
    for n in nodes:
        if n.resource is not None:
            by_address.setdefault((n.resource.meta.get("root", ""), n.resource.address), []).append(n)
    for n in nodes:
        if n.resource is None or n.format != "terraform":
            continue
        root, prefix = n.resource.meta.get("root", ""), n.resource.meta.get("prefix", "")
        for attr, ref in _references(n.resource.body):
            for t in by_address.get((root, prefix + ref.address), []):
                if t.id != n.id:
                    graph.add_edge(n.id, t.id, EDGE_TYPES.get(attr, "refers"), attr)
    return graph
