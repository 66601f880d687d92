"""Native resources -> canonical nodes (tables + shared derivations + the connection-string pass)."""

from __future__ import annotations

from ..findings import Finding, ResourceRef, Severity, make_finding
from ..model import NativeResource, Node
from . import connections, derive, hooks_network, hooks_terraform  # noqa: F401 - registers hooks
from .mapping import normalize


def normalize_all(resources: list[NativeResource], fmt: str) -> tuple[list[Node], list[Finding]]:
    """Canonical nodes for the resources; a resource whose mapping fails becomes a TL001 finding
    (the run goes on with the others)."""
    nodes: list[Node] = []
    errors: list[Finding] = []
    # hooks that follow a reference to another resource (an S3 policy to its policy document)
    # look it up here, by root module and address
    index = {(r.meta.get("root", ""), r.address): r for r in resources}
    for r in resources:
        r.meta["index"] = index
    for res in resources:
        try:
            made = normalize([res], fmt)
            for n in made:
                derive.finish(n)
        except Exception as e:  # noqa: BLE001 - one bad mapping must not end the run
            errors.append(_mapping_error(res, e))
            continue
        nodes.extend(made)
    # connection strings in any string value, after the tables so that a value a table already
    # read into a connection (Glue's JDBC URL, a container's env switch) is not read twice
    claimed = connections.claimed_spans(nodes)
    seen: connections.Seen = set()
    for res in resources:
        try:
            nodes.extend(connections.connection_nodes(res, claimed, seen))
        except Exception as e:  # noqa: BLE001 - one bad resource must not end the run
            errors.append(_mapping_error(res, e))
    return nodes, errors


def _mapping_error(res: NativeResource, e: Exception) -> Finding:
    return make_finding(
        rule_id="TL001", rule_name="policy-error", severity=Severity.MEDIUM,
        message=f"{res.address} ({res.type}) could not be mapped: {type(e).__name__}: {e}",
        path=res.path, span=res.header, attribute=res.address,
        resource=ResourceRef(res.address, "native", res.type, res.span))
