"""Native resources -> canonical nodes (tables + shared derivations)."""

from __future__ import annotations

from ..model import NativeResource, Node
from . import derive, hooks_network, hooks_terraform  # noqa: F401 - registers hooks
from .mapping import normalize


def normalize_all(resources: list[NativeResource], fmt: str) -> list[Node]:
    nodes = normalize(resources, fmt)
    for n in nodes:
        derive.finish(n)
    return nodes
