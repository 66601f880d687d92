"""Kubernetes objects from parsed YAML documents: identity, native type, `List` expansion."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import NativeResource
from ..spans import Span
from ..tree import Value

# workload kinds whose pod template sits at spec.template (CronJob one level deeper)
_TEMPLATE_PATHS = (("spec", "template", "spec"), ("spec", "jobTemplate", "spec", "template", "spec"),
                   ("template", "spec"))


@dataclass
class K8sObject:
    api_version: str
    kind: str
    body: Value
    path: str
    header: Span  # the `kind:` entry: where findings about absent values point
    # read once from the above (every object's are asked for again and again by the views)
    group: str = field(init=False, repr=False, compare=False)
    type: str = field(init=False, repr=False, compare=False)  # `<group>/<Kind>`
    name: str | None = field(init=False, repr=False, compare=False)
    namespace: str | None = field(init=False, repr=False, compare=False)
    address: str = field(init=False, repr=False, compare=False)
    pods: list[tuple[Value, Value | None]] = field(init=False, repr=False, compare=False)  # see pod_specs

    def __post_init__(self) -> None:
        self.group = self.api_version.rsplit("/", 1)[0] if "/" in self.api_version else "core"
        self.type = f"{self.group}/{self.kind}"
        self.name = text(child(self.body, "metadata", "name"))
        self.namespace = text(child(self.body, "metadata", "namespace"))
        if self.name is None:
            self.address = f"{self.kind}@{self.header.line}"
        elif self.namespace:
            self.address = f"{self.kind}/{self.namespace}/{self.name}"
        else:
            self.address = f"{self.kind}/{self.name}"
        self.pods = _pod_specs(self)

    def annotation(self, key: str) -> Value | None:
        return child(self.body, "metadata", "annotations", key)

    def resource(self) -> NativeResource:
        return NativeResource(
            address=self.address, type=self.type, format="kubernetes", path=self.path, span=self.body.span,
            header=self.header, body=self.body,
            meta={"kind": self.kind, "api_version": self.api_version, "name": self.name,
                  "namespace": self.namespace},
        )


def child(v: Value | None, *keys: str) -> Value | None:
    for k in keys:
        if v is None or not isinstance(v.data, dict):
            return None
        v = v.data.get(k)
    return v


def text(v: Value | None) -> str | None:
    """A scalar as text (numbers and booleans as YAML spells them); None when absent or not scalar."""
    if v is None or isinstance(v.data, (dict, list)) or v.data is None or v.is_unknown():
        return None
    if isinstance(v.data, bool):
        return "true" if v.data else "false"
    return str(v.data)


def items(v: Value | None) -> list[Value]:
    return list(v.data) if v is not None and isinstance(v.data, list) else []


def objects_of(root: Value, path: str) -> list[K8sObject]:
    """The Kubernetes objects in one document: itself, or the items of a `List`."""
    if not isinstance(root.data, dict):
        return []
    api, kind = text(root.get("apiVersion")), text(root.get("kind"))
    if not api or not kind:
        return []
    found = root.get("items")
    if kind == "List" or (kind.endswith("List") and found is not None and isinstance(found.data, list)):
        out: list[K8sObject] = []
        for item in items(found):
            out.extend(objects_of(item, path))
        return out
    kind_v = root.get("kind")
    header = kind_v.anchor if kind_v is not None else root.span
    return [K8sObject(api, kind, root, path, header)]


def pod_specs(obj: K8sObject) -> list[tuple[Value, Value | None]]:
    """(pod spec, pod template metadata) of a Pod or a workload's pod template (found once per
    object: four readings ask for it)."""
    return obj.pods


def _pod_specs(obj: K8sObject) -> list[tuple[Value, Value | None]]:
    if obj.kind == "Pod":
        spec = child(obj.body, "spec")
        return [(spec, child(obj.body, "metadata"))] if spec is not None else []
    for keys in _TEMPLATE_PATHS:
        spec = child(obj.body, *keys)
        if spec is not None and isinstance(spec.data, dict) and "containers" in spec.data:
            return [(spec, child(obj.body, *keys[:-1], "metadata"))]
    return []


def containers(pod_spec: Value) -> list[Value]:
    return [c for key in ("initContainers", "containers", "ephemeralContainers")
            for c in items(pod_spec.get(key)) if isinstance(c.data, dict)]
