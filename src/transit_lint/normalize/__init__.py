"""Native resources -> canonical nodes (tables + shared derivations)."""

from __future__ import annotations

from ..findings import Finding, ResourceRef, Severity, make_finding
from ..model import NativeResource, Node
from . import derive, hooks_network, hooks_terraform  # noqa: F401 - registers hooks
from .mapping import normalize


def normalize_all(resources: list[NativeResource], fmt: str) -> tuple[list[Node], list[Finding]]:
    """Canonical nodes for the resources; a resource whose mapping fails becomes a TL001 finding
    (the run goes on with the others)."""
    nodes: list[Node] = []
    errors: list[Finding] = []
    for res in resources:
        try:
            made = normalize([res], fmt)
            for n in made:
                derive.finish(n)
        except Exception as e:  # noqa: BLE001 - one bad mapping must not end the run
            errors.append(make_finding(
                rule_id="TL001", rule_name="policy-error", severity=Severity.MEDIUM,
                message=f"{res.address} ({res.type}) could not be mapped: {type(e).__name__}: {e}",
                path=res.path, span=res.header, attribute=res.address,
                resource=ResourceRef(res.address, "native", res.type, res.span)))
            continue
        nodes.extend(made)
    return nodes, errors
