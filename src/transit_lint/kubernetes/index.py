"""All objects of a run by kind and name, for readings that depend on another object (an
HTTPRoute's redirect on a Gateway listener, a FrontendConfig's redirect on a GKE Ingress)."""

from __future__ import annotations

from ..model import NativeResource
from .objects import K8sObject


class ObjectIndex:
    def __init__(self, objects: list[K8sObject]) -> None:
        self.objects = objects
        self._by_kind: dict[str, list[K8sObject]] = {}
        for o in objects:
            self._by_kind.setdefault(o.kind, []).append(o)

    def of_kind(self, *kinds: str) -> list[K8sObject]:
        return [o for k in kinds for o in self._by_kind.get(k, [])]

    def find(self, kinds: tuple[str, ...], name: str | None, namespace: str | None) -> K8sObject | None:
        """The object of one of `kinds` called `name` in `namespace` (an object that names no
        namespace matches any: manifests often leave it to `kubectl -n`)."""
        if not name:
            return None
        for o in self.of_kind(*kinds):
            if o.name == name and (o.namespace is None or namespace is None or o.namespace == namespace):
                return o
        return None


def index_of(res: NativeResource) -> ObjectIndex | None:
    owner = res.meta.get("owner")
    idx = res.meta.get("k8s_index") or (owner.meta.get("k8s_index") if isinstance(owner, NativeResource) else None)
    return idx if isinstance(idx, ObjectIndex) else None
