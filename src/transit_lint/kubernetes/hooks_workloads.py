"""Derivations for workloads: containers' environment switches (the tables name these hooks)."""

from __future__ import annotations

from ..model import Attr, NativeResource, Node
from ..normalize.mapping import hook
from ..tree import Value
from .objects import text


def set_owner(node: Node, res: NativeResource) -> None:
    """Judge a derived resource's nodes as part of the object that declares them (suppression
    annotations and comments on that object apply)."""
    owner = res.meta.get("owner")
    if isinstance(owner, NativeResource):
        node.resource = owner


@hook("k8s_owner")
def owner(node: Node, res: NativeResource, ctx: Value) -> None:
    set_owner(node, res)


@hook("k8s_tls_switch")
def tls_switch(node: Node, res: NativeResource, ctx: Value) -> None:
    """An environment variable that turns certificate verification off for the whole process."""
    set_owner(node, res)
    name, reason = ctx.get("name"), ctx.get("reason")
    node.id = f"{res.address}/env/{text(name)}"
    node.attrs["tls_mode"] = Attr("encrypted-unverified", ctx.span)
    node.attrs["tls_reason"] = Attr(text(reason), ctx.span)
