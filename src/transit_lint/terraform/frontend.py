"""Terraform front end: .tf files -> modules -> native resources (+ TL000 for syntax errors)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..discover import Listing, display_path, list_readable, read_text
from ..findings import parse_error
from ..frontends import FrontendResult, LoadContext, SourceFile
from ..normalize.mapping import load_table
from ..parsers.hcl import HclFile, parse_hcl
from ..spans import Span
from .module import ModuleLoader, ParsedFile, load_tfvars_json, local_module_dir

_MAPPED: tuple[object, Callable[[str], bool]] | None = None


def _mapped_types() -> Callable[[str], bool]:
    """Membership in the mapped resource types, built once per table (not once per shard)."""
    global _MAPPED
    table = load_table("terraform")
    if _MAPPED is None or _MAPPED[0] is not table:
        _MAPPED = (table, frozenset(table).__contains__)
    return _MAPPED[1]


class TerraformFrontend:
    def __init__(self, base: Path, roots: tuple[Path, ...], max_bytes: int) -> None:
        self.base = base
        self.roots = roots
        self.max_bytes = max_bytes
        # resource types no table maps are parsed shallow (header and span only)
        self.wanted = _mapped_types()
        self.cache: dict[Path, list[ParsedFile]] = {}
        self.result = FrontendResult()
        self._reported: set[Path] = set()
        self._listings: dict[Path, Listing] = {}

    def rel(self, p: Path) -> str:
        return display_path(p, self.base)

    def parse_file(self, path: Path) -> ParsedFile | None:
        rel = self.rel(path)
        ft = read_text(path, self.max_bytes)
        first = path not in self._reported
        self._reported.add(path)
        if ft.problem and first:
            self.result.errors.append(parse_error(rel, Span(1, 1, 1, 1), ft.problem))
        if ft.fatal:
            return None
        hcl = parse_hcl(ft.text, self.wanted)
        if first:
            self.result.files_parsed += 1
            self.result.comments[rel] = hcl.comments
            for prob in hcl.problems[:1]:  # the first error; the rest are usually its echo
                extra = f" (and {len(hcl.problems) - 1} more)" if len(hcl.problems) > 1 else ""
                self.result.errors.append(parse_error(rel, prob.span, prob.message + extra))
        return ParsedFile(path, rel, hcl)

    def listing(self, d: Path) -> Listing:
        """A folder listed once for both its .tf files and its var files."""
        found = self._listings.get(d)
        if found is None:
            found = self._listings[d] = list_readable(d, self.roots)
        return found

    def parse_dir(self, d: Path) -> list[ParsedFile]:
        if d not in self.cache:
            listing = self.listing(d)
            files = [d / n for n in listing.names if n.endswith(".tf") and n in listing.readable]
            parsed = [self.parse_file(p) for p in files]
            self.cache[d] = [p for p in parsed if p is not None]
        return self.cache[d]

    def var_files(self, d: Path, extra: list[Path]) -> list[tuple[str, HclFile | dict[str, object]]]:
        """terraform.tfvars, then *.auto.tfvars in name order, then --var-file, as Terraform does."""
        out: list[tuple[str, HclFile | dict[str, object]]] = []
        listing = self.listing(d)
        names = ["terraform.tfvars", "terraform.tfvars.json"]
        names += [n for n in listing.names if n.endswith(".auto.tfvars")]
        names += [n for n in listing.names if n.endswith(".auto.tfvars.json")]
        # a file of the folder is read when readable or named by --var-file too; every
        # --var-file is read (a missing one is reported)
        candidates = [d / n for n in names if n in listing.readable or (extra and d / n in extra)]
        candidates += extra
        for p in candidates:
            ft = read_text(p, self.max_bytes)
            rel = self.rel(p)
            if ft.fatal:
                self.result.errors.append(parse_error(rel, Span(1, 1, 1, 1), ft.problem or "unreadable"))
                continue
            if p.name.endswith(".json"):
                try:
                    out.append((rel, load_tfvars_json(ft.text)))
                except ValueError as e:
                    self.result.errors.append(parse_error(rel, Span(1, 1, 1, 1), f"invalid JSON: {e}"))
            else:
                hcl = parse_hcl(ft.text)
                for prob in hcl.problems[:1]:
                    self.result.errors.append(parse_error(rel, prob.span, prob.message))
                out.append((rel, hcl))
        return out

    def run(self, tf_files: list[Path], var_files: list[Path]) -> FrontendResult:
        dirs = sorted({p.parent for p in tf_files})
        for d in dirs:
            self.parse_dir(d)
        # a directory another module calls as `source = "./x"` is judged through that call,
        # with its real arguments, not again on its own with unset variables
        called: set[Path] = set()
        for d in dirs:
            for f in self.cache[d]:
                for b in f.hcl.body.blocks:
                    if b.type == "module":
                        child = local_module_dir(d, b)
                        if child is not None:
                            called.add(child)
        loader = ModuleLoader(self.parse_dir, self.roots)
        for d in dirs:
            if d in called:
                continue
            res = loader.load(d, var_files=self.var_files(d, var_files), root=str(d))
            self.result.resources.extend(res.resources)
            self.result.notes.extend(f"module not fetched (outputs unknown): {m}" for m in res.unknown_modules)
        return self.result



FORMAT = "terraform"


def sniff(path: Path, text: str) -> bool:
    return path.name.endswith(".tf")


def load(files: list[SourceFile], ctx: LoadContext) -> FrontendResult:
    """Terraform reads whole module directories itself: the files name the directories."""
    var_files = [Path(str(v)) for v in ctx.options.get("var_files", [])]
    return TerraformFrontend(ctx.base, ctx.roots, ctx.max_bytes).run([f.path for f in files], var_files)
