"""The formats transit-lint reads, and how a file is assigned to one.

Each format is a module with:
    FORMAT: str                                   # "terraform", "cloudformation", ...
    def sniff(path: Path, text: str) -> bool      # content detection (name-only formats: by name)
    def load(files: list[SourceFile], ctx: LoadContext) -> FrontendResult

Modules are imported only when a file of their format is present (ngxparse, tree-sitter and a
format's tables cost start-up time a one-file pre-commit run cannot spare). A YAML or JSON file
that no format claims is skipped silently, never an error.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, cast

from .findings import Finding
from .model import NativeResource

# format -> module; order matters for content sniffing (first claim wins)
FRONTENDS: dict[str, str] = {
    "terraform": "transit_lint.terraform.frontend",
    "terraform-plan": "transit_lint.terraform.plan",
    "cloudformation": "transit_lint.cloudformation.frontend",
    "kubernetes": "transit_lint.kubernetes.frontend",
    "nginx": "transit_lint.nginx.frontend",
}

# formats whose content sniff lives in a lighter module than the front end (the main process
# sniffs; only the workers need the front ends themselves)
SNIFFERS: dict[str, str] = {
    "nginx": "transit_lint.nginx.sniff",
}

# cheap name-based candidates for content sniffing; the sniffers make the decision
SNIFF_SUFFIXES: dict[str, tuple[str, ...]] = {
    # first: a plan of kubernetes_manifest resources holds `apiVersion` and `kind` too
    "terraform-plan": (".json",),
    "cloudformation": (".yaml", ".yml", ".json", ".template"),
    "kubernetes": (".yaml", ".yml", ".json"),
    "nginx": (".conf", ".conf.sample", ".nginx", ".vhost"),
}


@dataclass
class SourceFile:
    path: Path  # absolute
    rel: str  # as reported
    text: str


@dataclass
class LoadContext:
    base: Path
    roots: tuple[Path, ...]
    max_bytes: int
    options: dict[str, Any] = field(default_factory=dict)  # e.g. cfn_parameters, nginx_version


@dataclass
class FrontendResult:
    resources: list[NativeResource] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)  # TL000
    files_parsed: int = 0
    comments: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # rel -> (line, text)
    notes: list[str] = field(default_factory=list)  # e.g. "include outside the paths given: ..."


def module(fmt: str) -> ModuleType | None:
    mod = _LOADED.get(fmt)
    if mod is not None:
        return mod  # asked once per file and shard: import_module's own lookup is not free
    try:
        mod = _LOADED[fmt] = importlib.import_module(FRONTENDS[fmt])
    except ModuleNotFoundError as e:
        if e.name and e.name.startswith("transit_lint."):
            return None  # format not built yet
        raise
    return mod


_LOADED: dict[str, ModuleType] = {}


def sniffer(fmt: str) -> Callable[[Path, str], bool] | None:
    """The content sniff of a format (`sniff(path, text)`), from its lightest module."""
    if fmt in _SNIFF:
        return _SNIFF[fmt]
    mod = importlib.import_module(SNIFFERS[fmt]) if fmt in SNIFFERS else module(fmt)
    if mod is None:
        return None
    found = _SNIFF[fmt] = cast(Callable[[Path, str], bool], mod.sniff)
    return found


_SNIFF: dict[str, Callable[[Path, str], bool]] = {}


def prefix_sniffer(fmt: str) -> Callable[[Path, str], bool] | None:
    """The sniff that judges the first bytes of a file too large to read (`sniff_prefix(path,
    text)` where a format needs its own: a cut text must not claim more than the whole would)."""
    sniff = sniffer(fmt)
    if sniff is None:
        return None
    mod = importlib.import_module(SNIFFERS[fmt]) if fmt in SNIFFERS else module(fmt)
    return cast(Callable[[Path, str], bool], getattr(mod, "sniff_prefix", sniff))


_HCL_BLOCK = re.compile(r'^\s*(resource|data|module|provider|variable|locals|output|terraform)\b[^\n]*\{',
                        re.MULTILINE)


def sniff_text(text: str) -> str | None:
    """The suffix under which `text` (standard input, which has no name) is read: the first
    suffix of the first format whose content sniffer claims it, in the order of SNIFF_SUFFIXES,
    else `.tf` for text shaped like HCL."""
    for fmt, suffixes in SNIFF_SUFFIXES.items():
        suffix = suffixes[0]
        sniff = sniffer(fmt)
        if sniff is not None and sniff(Path("stdin" + suffix), text):
            return suffix
    return ".tf" if _HCL_BLOCK.search(text) else None


def sniff_candidates(path: Path) -> list[str]:
    """The formats whose content sniffer may claim this file, by its name and folders. Asked of
    every file of a run (most of a real repository's files are none of them): a name with none
    of the suffixes outside an nginx folder is turned down on the path's text alone."""
    text = str(path).lower()
    name = text[text.rfind(os.sep) + 1 :]
    if not name.endswith(_ALL_SUFFIXES) and not any(d in text for d in _NGINX_DIRS):
        return []
    out = [fmt for fmt, sfx in SNIFF_SUFFIXES.items() if name.endswith(sfx)]
    if "nginx" not in out and (name == "nginx.conf" or not _NGINX_DIRS.isdisjoint(p.lower() for p in path.parts)):
        out.append("nginx")
    return out


_NGINX_DIRS = frozenset({"sites-available", "sites-enabled", "conf.d"})
_ALL_SUFFIXES = tuple(sorted({s for sfx in SNIFF_SUFFIXES.values() for s in sfx}))
