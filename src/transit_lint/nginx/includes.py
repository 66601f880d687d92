"""Read a set of nginx files as nginx does: `include` (globs too) resolved against the
configuration prefix, but only inside the paths given to the linter.

nginx resolves a relative include against its prefix (the directory of the main `nginx.conf`),
not against the including file. An include that points outside the paths given (an absolute
path, a `..` escape) is noted and not followed, except that the standard prefixes
(`/etc/nginx/`, ...) are read against the project's own copy of that directory when one is in
the tree: a repository that ships `nginx.conf` and `conf.d/` is deployed as `/etc/nginx`.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..discover import display_path, read_text
from ..findings import Finding, parse_error
from ..spans import Span
from .syntax import Directive, ParsedFile, parse_nginx

# where distributions and the official images keep the configuration
STANDARD_PREFIXES = ("/etc/nginx/", "/usr/local/nginx/conf/", "/usr/local/etc/nginx/", "/opt/homebrew/etc/nginx/",
                     "/usr/local/openresty/nginx/conf/", "/etc/openresty/")
# files that only hold MIME types, character maps, module loads or FastCGI/uwsgi/SCGI
# parameters: not following them cannot hide a TLS, header or redirect setting
HARMLESS_INCLUDES = frozenset({"mime.types", "fastcgi_params", "fastcgi.conf", "scgi_params", "uwsgi_params",
                               "koi-utf", "koi-win", "win-utf", "proxy_params"})
# directories that hold snippets included from the main file; their parent is the prefix
SNIPPET_DIRS = frozenset({"sites-available", "sites-enabled", "conf.d", "snippets", "vhosts.d", "http.d",
                          "stream.d", "servers", "sites", "vhosts", "includes", "include"})


def harmless(d: Directive) -> bool:
    """An include that was not followed but cannot change what transit-lint judges."""
    pattern = d.args[0] if d.args else ""
    name = pattern.rstrip("/").rsplit("/", 1)[-1]
    return name in HARMLESS_INCLUDES or "modules-enabled" in pattern


@dataclass
class Project:
    """Every nginx file read in one run, parsed once, with the problems and notes it produced."""

    base: Path
    roots: tuple[Path, ...]
    max_bytes: int
    given: dict[Path, str] = field(default_factory=dict)  # resolved path -> text read by the engine
    parsed: dict[Path, ParsedFile | None] = field(default_factory=dict)
    errors: list[Finding] = field(default_factory=list)
    comments: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    included: set[Path] = field(default_factory=set)  # files reached through an include

    def rel(self, p: Path) -> str:
        return display_path(p, self.base)

    def inside(self, p: Path) -> bool:
        rp = Path(os.path.realpath(p))
        return any(rp == r or r in rp.parents for r in self.roots)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def file(self, path: Path) -> ParsedFile | None:
        if path not in self.given and path not in self.parsed:  # those are resolved already
            path = Path(os.path.realpath(path))
        if path in self.parsed:
            return self.parsed[path]
        rel = self.rel(path)
        if path in self.given:
            text = self.given[path]
        else:
            ft = read_text(path, self.max_bytes)
            if ft.problem:
                self.errors.append(parse_error(rel, Span(1, 1, 1, 1), ft.problem))
            if ft.fatal:
                self.parsed[path] = None
                return None
            text = ft.text
        pf = parse_nginx(text, path, rel)
        self.parsed[path] = pf
        self.comments[rel] = pf.comments
        for prob in pf.problems:
            self.errors.append(parse_error(rel, Span(prob.line, 1, prob.line, 1), prob.message))
        return pf

    # ------------------------------------------------------------ includes

    def resolve(self, d: Directive, prefix: Path) -> tuple[list[Path], str | None]:
        """The files an include names (sorted, as nginx's glob does), or why none are read."""
        pattern = d.args[0] if d.args else ""
        if not pattern:
            return [], "include without a path"
        if "$" in pattern or "{{" in pattern:
            return [], "include path is templated"
        if os.path.isabs(pattern):
            for std in STANDARD_PREFIXES:
                if not pattern.startswith(std):
                    continue
                local = prefix / pattern[len(std):]
                static = _static_part(local)
                if self.inside(static) and static.exists():
                    self.note(f"include {pattern} ({d.where()}) read as {self.rel(local)}, the project's copy of {std}")
                    return self._matches(local, glob.has_magic(pattern), d)
            return [], "outside the paths given"
        target = Path(os.path.normpath(prefix / pattern))
        if not self.inside(_static_part(target)):
            return [], "outside the paths given"
        return self._matches(target, glob.has_magic(pattern), d)

    def _matches(self, target: Path, magic: bool, d: Directive) -> tuple[list[Path], str | None]:
        if not magic:
            return ([target], None) if target.is_file() else ([], "not found")
        out = []
        for m in sorted(glob.glob(str(target))):
            p = Path(m)
            if not p.is_file():
                continue
            if not self.inside(p):
                self.note(f"include {d.args[0]} ({d.where()}): {self.rel(p)} points outside the paths given; not read")
                continue
            out.append(p)
        return out, None

    def expand(self, directives: list[Directive], prefix: Path, via: tuple[Directive, ...] = (),
               chain: tuple[Path, ...] = ()) -> list[Directive]:
        """A copy of the tree with every include's files parsed in place (`included`)."""
        out: list[Directive] = []
        for d in directives:
            nd = d.reached_via(via)
            if d.block is not None:
                nd.block = self.expand(d.block, prefix, via, chain)
            if d.name == "include":
                nd.included = []
                files, reason = self.resolve(d, prefix)
                if reason is not None:
                    nd.unresolved = reason
                    if not harmless(d):
                        self.note(f"include {' '.join(d.args)} ({d.where()}) not followed: {reason}")
                for f in files:
                    real = Path(os.path.realpath(f))
                    if real in chain:
                        self.note(f"include {d.args[0]} ({d.where()}) includes itself; not followed again")
                        continue
                    pf = self.file(real)
                    if pf is None:
                        continue
                    self.included.add(real)
                    nd.included.extend(self.expand(pf.directives, prefix, (*via, nd), (*chain, real)))
            out.append(nd)
        return out


def _static_part(p: Path) -> Path:
    """The part of a glob pattern before its first wildcard."""
    parts = []
    for part in p.parts:
        if glob.has_magic(part):
            break
        parts.append(part)
    return Path(*parts) if parts else p


def snippet_prefix(path: Path) -> Path:
    """Where nginx's prefix most likely is for a file not included by any main file."""
    for parent in path.parents:
        if parent.name in SNIPPET_DIRS:
            return parent.parent
    return path.parent


def flatten(block: list[Directive]) -> list[Directive]:
    """A block's statements as nginx sees them: included files' statements in place of the
    `include` (which stays in the list, so an unresolved one can still be seen)."""
    out: list[Directive] = []
    for d in block:
        out.append(d)
        if d.included:
            out.extend(flatten(d.included))
    return out
