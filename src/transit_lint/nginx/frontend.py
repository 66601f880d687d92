"""nginx front end: configuration files -> include trees -> server and upstream resources.

A file is nginx when it parses as nginx and most of its statements are nginx directives; its
name (`.conf`, `nginx.conf`, `sites-enabled/…`) only makes it a candidate. Main files (named
`nginx.conf`, or holding `http`/`stream`/`events` blocks) are read with their includes; a file
included by another is judged in that context only; a file nobody includes is judged on its own
as the contents of an `http` block (or `stream`, see build.py), which yields resources only when
it holds `server` blocks.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..frontends import FrontendResult, LoadContext, SourceFile
from . import hooks  # noqa: F401 - registers the table hooks
from .build import Builder
from .defaults import DEFAULT_VERSION, parse_version, show
from .includes import Project, flatten, snippet_prefix
from .syntax import Directive, ParsedFile, known_directive, parse_nginx

FORMAT = "nginx"

MAIN_BLOCKS = frozenset({"http", "stream", "events", "mail"})
_TEMPLATE = re.compile(r"\{\{|\{%|<%")
_MIN_KNOWN_SHARE = 0.6


def sniff(path: Path, text: str) -> bool:
    """Content decides: the statements must be mostly nginx directives (an INI file, an Apache
    or BIND configuration parse as a few unknown statements and are left alone)."""
    if _TEMPLATE.search(text):
        return False  # Jinja/Go/ERB templates are not nginx until rendered
    pf = parse_nginx(text, path, path.name)
    names = [d.name for d in _walk(pf.directives)]
    if not names:
        return False
    known = sum(1 for n in names if known_directive(n))
    return known >= 1 and known / len(names) >= _MIN_KNOWN_SHARE


def _walk(ds: list[Directive]) -> list[Directive]:
    out: list[Directive] = []
    for d in ds:
        out.append(d)
        if d.block is not None and d.name not in ("map", "types", "geo", "charset_map", "split_clients", "match"):
            out.extend(_walk(d.block))
    return out


def is_main(pf: ParsedFile) -> bool:
    return pf.path.name == "nginx.conf" or any(d.name in MAIN_BLOCKS and d.block is not None for d in pf.directives)


def load(files: list[SourceFile], ctx: LoadContext) -> FrontendResult:
    version = parse_version(ctx.options.get("nginx_version")) or DEFAULT_VERSION
    roots = tuple(Path(os.path.realpath(r)) for r in ctx.roots)
    project = Project(ctx.base, roots, ctx.max_bytes,
                      given={Path(os.path.realpath(f.path)): f.text for f in files})
    ordered = sorted(project.given)
    parsed = [pf for pf in (project.file(p) for p in ordered) if pf is not None]
    mains = [pf for pf in parsed if is_main(pf)]
    others = [pf for pf in parsed if not is_main(pf)]
    trees: list[tuple[ParsedFile, list[Directive], bool]] = []
    for pf in mains:
        trees.append((pf, project.expand(pf.directives, pf.path.parent, (), (pf.path,)), True))
    # which of the other files does another one include? (a dry run: its notes are dropped)
    kept_notes = list(project.notes)
    for pf in others:
        if pf.path not in project.included:
            project.expand(pf.directives, snippet_prefix(pf.path), (), (pf.path,))
    project.notes = kept_notes
    for pf in others:
        if pf.path not in project.included:
            trees.append((pf, project.expand(pf.directives, snippet_prefix(pf.path), (), (pf.path,)), False))
    builder = Builder(version)
    for pf, tree, main in trees:
        if main:
            builder.main(tree)
        elif any(d.name == "server" for d in flatten(tree)):
            builder.snippet(tree)
    result = FrontendResult(resources=builder.resources, errors=project.errors,
                            files_parsed=len([p for p in project.parsed.values() if p is not None]),
                            comments=project.comments, notes=list(project.notes))
    if builder.resources and "nginx_version" not in ctx.options:
        result.notes.append(f"nginx defaults assumed for nginx {show(version)} (set nginx_version to change)")
    return result
