"""Load a Terraform directory as a module: variables, tfvars, locals, local child modules.

A directory is one module. Values set through variables are judged like literals; local child
modules (`source = "./x"`) are instantiated with their arguments; registry and git modules are
never fetched, so their outputs are UNKNOWN. The well-known registry modules that
`data/registry_modules.yaml` describes become the resources they would create (`registry.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..model import NativeResource
from ..parsers.hcl import Block, HclFile, Lit
from ..spans import Span
from ..tree import PARTIAL_TEXT_META, UNKNOWN, Value, from_plain, restamp
from . import registry
from .evaluate import Evaluator, Scope, unknown

MAX_MODULE_DEPTH = 8


@dataclass
class ParsedFile:
    path: Path  # absolute
    rel: str  # as reported
    hcl: HclFile


@dataclass
class ModuleResult:
    resources: list[NativeResource] = field(default_factory=list)
    outputs: dict[str, Value] = field(default_factory=dict)
    unknown_modules: list[str] = field(default_factory=list)
    child_dirs: set[Path] = field(default_factory=set)


def local_module_dir(module_dir: Path, block: Block) -> Path | None:
    """The directory of a `module` block whose source is a local path, else None."""
    src = block.attributes.get("source")
    if src is None or not isinstance(src.expr, Lit) or not isinstance(src.expr.value, str):
        return None
    s = src.expr.value
    if s.startswith("./") or s.startswith("../"):
        return (module_dir / s).resolve()
    return None


class ModuleLoader:
    """Evaluates modules. `parse` returns the parsed .tf files of a directory (from the run's
    cache, so each file is parsed once however many times its module is instantiated)."""

    def __init__(self, parse_dir: ParseDir, allowed_roots: tuple[Path, ...]) -> None:
        self.parse_dir = parse_dir
        self.allowed_roots = allowed_roots

    def load(
        self,
        module_dir: Path,
        variables: dict[str, Value] | None = None,
        prefix: str = "",
        via: str | None = None,
        var_files: list[tuple[str, HclFile | dict[str, object]]] | None = None,
        depth: int = 0,
        stack: tuple[Path, ...] = (),
        root: str = "",
    ) -> ModuleResult:
        files = self.parse_dir(module_dir)
        result = ModuleResult()
        scope = Scope(module_dir=module_dir, allowed_roots=self.allowed_roots)
        self._variables(files, scope, variables, var_files)
        for f in files:
            for b in f.hcl.body.blocks:
                if b.type == "locals":
                    for name, attr in b.attributes.items():
                        scope.locals[name] = attr.expr
                        scope.local_origin[name] = f"local.{name} ({f.rel}:{attr.span.line})"
        ev = Evaluator(scope)
        # child modules first: their outputs may feed this module's resources
        for f in files:
            for b in f.hcl.body.blocks:
                if b.type != "module" or not b.labels:
                    continue
                name = b.labels[0]
                child = local_module_dir(module_dir, b)
                if child is None or depth >= MAX_MODULE_DEPTH or child in stack or not self._allowed(child):
                    result.unknown_modules.append(f"{prefix}module.{name}")
                    if child is None:
                        result.resources.extend(_registry_resources(f, b, ev, prefix, root))
                    continue
                result.child_dirs.add(child)
                args: dict[str, Value] = {}
                for aname, attr in b.attributes.items():
                    if aname in ("source", "version", "providers", "count", "for_each", "depends_on"):
                        continue
                    v = ev.eval(attr.expr)
                    args[aname] = restamp(v, attr.span, f"module.{name}.{aname} ({f.rel}:{attr.span.line})")
                note = f"{prefix}module.{name} ({f.rel}:{b.header.line})"
                sub = self.load(child, args, f"{prefix}module.{name}.", note, None, depth + 1,
                                (*stack, module_dir), root)
                result.resources.extend(sub.resources)
                result.unknown_modules.extend(sub.unknown_modules)
                result.child_dirs |= sub.child_dirs
                scope.module_outputs[name] = sub.outputs
        for f in files:
            for b in f.hcl.body.blocks:
                if b.shallow:
                    continue
                if b.type in ("resource", "data") and len(b.labels) >= 2:
                    res = _build_resource(f, b, ev, prefix, via)
                    if res is not None:
                        res.meta.update(prefix=prefix, root=root)
                        result.resources.append(res)
                elif b.type == "provider" and b.labels:
                    body = _eval_body(b, ev)
                    result.resources.append(NativeResource(
                        f"{prefix}provider.{b.labels[0]}", f"provider.{b.labels[0]}", "terraform",
                        f.rel, b.span, b.header, body, via, {"prefix": prefix, "root": root}))
                elif b.type == "output" and b.labels:
                    out_attr = b.attributes.get("value")
                    if out_attr is not None:
                        result.outputs[b.labels[0]] = ev.eval(out_attr.expr)
        return result

    def _allowed(self, d: Path) -> bool:
        return any(d == r or r in d.parents for r in self.allowed_roots)

    def _variables(
        self,
        files: list[ParsedFile],
        scope: Scope,
        given: dict[str, Value] | None,
        var_files: list[tuple[str, HclFile | dict[str, object]]] | None,
    ) -> None:
        ev = Evaluator(Scope(module_dir=scope.module_dir, allowed_roots=scope.allowed_roots))
        declared: set[str] = set()
        for f in files:
            for b in f.hcl.body.blocks:
                if b.type == "variable" and b.labels:
                    name = b.labels[0]
                    declared.add(name)
                    d = b.attributes.get("default")
                    if d is not None:
                        v = ev.eval(d.expr)
                        v.origin = f"var.{name} (default at {f.rel}:{d.span.line})"
                        scope.variables[name] = v
        if given is not None:
            # a child module: only its arguments and defaults count, no tfvars
            scope.variables.update(given)
            return
        for rel, content in var_files or []:
            if isinstance(content, HclFile):
                for name, attr in content.body.attributes.items():
                    v = ev.eval(attr.expr)
                    v.origin = f"var.{name} (set in {rel}:{attr.span.line})"
                    scope.variables[name] = v
            else:
                for name, raw in content.items():
                    scope.variables[name] = from_plain(raw, Span(1, 1, 1, 1), f"var.{name} (set in {rel})")


def _registry_resources(f: ParsedFile, b: Block, ev: Evaluator, prefix: str, root: str) -> list[NativeResource]:
    """The resources a well-known registry module would create from this call (none when the
    table does not describe the source). Arguments keep their own spans, so a finding points at
    the argument (or the element of a list argument) that set the value."""
    src = b.attributes.get("source")
    if src is None or not isinstance(src.expr, Lit) or not isinstance(src.expr.value, str):
        return []
    found = registry.lookup(src.expr.value)
    if found is None:
        return []
    count = b.attributes.get("count")
    if count is not None and ev.eval(count.expr).data in (0, False):
        return []  # never created
    args: dict[str, Value] = {}
    scope_ev = Evaluator(ev.scope.child(each=unknown(b.span), count=unknown(b.span)))
    for aname, attr in b.attributes.items():
        if aname in ("source", "version", "providers", "count", "for_each", "depends_on"):
            continue
        v = scope_ev.eval(attr.expr)
        args[aname] = Value(v.data, v.span, attr.span, v.origin)
    name = b.labels[0]
    call = registry.Call(found[0], found[1], args, f"{prefix}module.{name}", f.rel, b.span, b.header,
                         f"{prefix}module.{name} ({f.rel}:{b.header.line})", src.expr.value)
    out = registry.expand(call)
    for res in out:
        res.meta.update(prefix=prefix, root=root)
    return out


def load_tfvars_json(text: str) -> dict[str, object]:
    data = json.loads(text)
    return data if isinstance(data, dict) else {}


def _eval_body(block: Block, ev: Evaluator) -> Value:
    out: dict[str, Value] = {}
    blocks: dict[str, Value] = {}
    for name, attr in block.attributes.items():
        e = attr.expr
        if type(e) is Lit:  # most attributes: what ev.eval(e) would give, without the copy
            out[name] = Value(e.value, e.span, attr.span)
            continue
        v = ev.eval(e)
        # a copy: evaluation may hand back a shared value (a dynamic block's iterator element)
        out[name] = Value(v.data, v.span, attr.span, v.origin)
    for b in block.blocks:
        if b.type == "dynamic" and b.labels:
            for item in _expand_dynamic(b, ev):
                _block_list(blocks, b.labels[0], b).append(item)
            continue
        v = _eval_body(b, ev)
        v.span, v.key_span = b.span, b.header
        _block_list(blocks, b.type, b).append(v)
    # an attribute and blocks of one name is invalid HCL (Terraform rejects it); the blocks win,
    # so the rest of the file is still judged
    out.update(blocks)
    return Value(out, block.span, block.header)


def _block_list(blocks: dict[str, Value], name: str, first: Block) -> list[Value]:
    """The list of blocks of one name, made (spanned at the first block) when first met."""
    found = blocks.get(name)
    if found is None:
        found = blocks[name] = Value([], first.span, first.header)
    items: list[Value] = found.data
    return items


def _expand_dynamic(b: Block, ev: Evaluator) -> list[Value]:
    """`dynamic "x" { for_each = ...; content {...} }`: one block per element when the
    collection is known; one block of UNKNOWN-iterator values otherwise."""
    content = next((c for c in b.blocks if c.type == "content"), None)
    if content is None:
        return []
    it_attr = b.attributes.get("iterator")
    it_name = b.labels[0]
    if it_attr is not None and isinstance(it_attr.expr, Lit) and isinstance(it_attr.expr.value, str):
        it_name = it_attr.expr.value
    fe = b.attributes.get("for_each")
    coll = ev.eval(fe.expr) if fe is not None else unknown(b.span)
    elements: list[tuple[Value, Value]] = []
    if isinstance(coll.data, list):
        elements = [(Value(i, x.span), x) for i, x in enumerate(coll.data)]
    elif isinstance(coll.data, dict):
        elements = [(Value(k, x.span), x) for k, x in coll.data.items()]
    else:
        elements = [(unknown(b.span), unknown(b.span))]
    out: list[Value] = []
    for key, val in elements:
        it = Value({"key": key, "value": val}, b.span)
        sub = Evaluator(ev.scope.child(**{it_name: it}))
        v = _eval_body(content, sub)
        v.span, v.key_span = b.span, b.header
        out.append(v)
    return out


def _build_resource(f: ParsedFile, b: Block, ev: Evaluator, prefix: str, via: str | None) -> NativeResource | None:
    rtype, rname = b.labels[0], b.labels[1]
    count = b.attributes.get("count")
    if count is not None:
        c = ev.eval(count.expr)
        if c.data == 0 or c.data is False:
            return None  # never created
    fe = b.attributes.get("for_each")
    if fe is not None:
        coll = ev.eval(fe.expr)
        if isinstance(coll.data, (list, dict)) and len(coll.data) == 0:
            return None
    scope_ev = Evaluator(ev.scope.child(each=unknown(b.span), count=unknown(b.span)))
    body = _eval_body(b, scope_ev)
    kind = "data." if b.type == "data" else ""
    return NativeResource(f"{prefix}{kind}{rtype}.{rname}", rtype if b.type == "resource" else f"data.{rtype}",
                          "terraform", f.rel, b.span, b.header, body, via,
                          {PARTIAL_TEXT_META: scope_ev.partials} if scope_ev.partials else {})



class ParseDir(Protocol):
    """Returns the parsed .tf files of a directory."""

    def __call__(self, d: Path) -> list[ParsedFile]: ...


__all__ = ["UNKNOWN", "ModuleLoader", "ModuleResult", "ParsedFile", "load_tfvars_json", "local_module_dir"]
