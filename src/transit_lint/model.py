"""The canonical model: native resources as parsed, and the canonical nodes policies judge."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .spans import Span
from .tree import UNKNOWN, Value

# Canonical kinds (docs/model.md documents each).
KINDS = ("endpoint", "connection", "firewall_rule", "mesh_policy", "certificate", "tls_policy", "load_balancer")


@dataclass(slots=True)
class NativeResource:
    """One object as the format declares it (a Terraform resource, a CloudFormation resource, a
    Kubernetes object, an nginx server block), with its spanned body."""

    address: str
    type: str
    format: str
    path: str
    span: Span
    header: Span
    body: Value
    via: str | None = None  # "module.web (main.tf:12)" when instantiated through a module call
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Attr:
    """A canonical attribute: its value and where the native value that produced it sits."""

    value: Any
    span: Span | None  # None: the value is a default or derived; findings fall back to the header
    origin: str | None = None
    item_spans: list[Span] | None = None  # for list values: where each element sits

    @property
    def known(self) -> bool:
        return self.value is not UNKNOWN


@dataclass(slots=True)
class Node:
    id: str
    kind: str
    native_type: str
    format: str
    path: str
    span: Span
    header: Span
    attrs: dict[str, Attr] = field(default_factory=dict)
    via: str | None = None
    resource: NativeResource | None = None

    def get(self, name: str) -> Attr | None:
        return self.attrs.get(name)

    def value(self, name: str, default: Any = None) -> Any:
        a = self.attrs.get(name)
        return default if a is None else a.value

    def set(self, name: str, value: Any, span: Span | None, origin: str | None = None) -> None:
        self.attrs[name] = Attr(value, span, origin)
