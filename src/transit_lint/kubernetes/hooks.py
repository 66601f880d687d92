"""Importing this module registers every Kubernetes table hook."""

from __future__ import annotations

from . import (  # noqa: F401
    hooks_controlplane,
    hooks_gateway,
    hooks_ingress,
    hooks_mesh,
    hooks_service,
    hooks_workloads,
)
