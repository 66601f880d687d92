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
from pathlib import Path

from ..findings import parse_error
from ..frontends import FrontendResult, LoadContext, SourceFile
from ..spans import Span
from . import hooks  # noqa: F401 - registers the table hooks
from .build import Builder
from .defaults import DEFAULT_VERSION, parse_version, show
from .includes import Project, flatten, snippet_prefix
from .sniff import sniff as sniff
from .syntax import Directive, ParsedFile

FORMAT = "nginx"

MAIN_BLOCKS = frozenset({"http", "stream", "events", "mail"})


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
    trees: list[tuple[list[Directive], bool]] = []
    for pf in mains:
        trees.append((project.expand(pf.directives, pf.path.parent, (), (pf.path,)), True))
    # which of the other files does another one include? A dry run: the trees of the files nobody
    # includes are kept, and their notes set aside (those of files included after all are dropped)
    kept_notes = project.notes
    dry: dict[Path, tuple[list[Directive], list[str]]] = {}
    for other in others:
        if other.path not in project.included:
            project.notes = []
            tree = project.expand(other.directives, snippet_prefix(other.path), (), (other.path,))
            dry[other.path] = (tree, project.notes)
    project.notes = kept_notes
    for pf in others:
        if pf.path not in project.included:
            tree, notes = dry[pf.path]
            for note in notes:
                project.note(note)
            trees.append((tree, False))
    builder = Builder(version)
    for tree, _ in trees:
        builder.upstreams(tree)
    for tree, main in trees:
        try:
            if main:
                builder.main(tree)
            elif any(d.name == "server" for d in flatten(tree)):
                builder.snippet(tree)
        except Exception as e:  # noqa: BLE001 - one odd file must not stop the run
            where = tree[0] if tree else None
            project.errors.append(parse_error(where.rel if where else "?", Span(1, 1, 1, 1),
                                              f"nginx configuration could not be read: {type(e).__name__}: {e}"))
    result = FrontendResult(resources=builder.resources, errors=project.errors,
                            files_parsed=len([p for p in project.parsed.values() if p is not None]),
                            comments=project.comments, notes=list(project.notes))
    if builder.resources and "nginx_version" not in ctx.options:
        result.notes.append(f"nginx defaults assumed for nginx {show(version)} (--nginx-version changes it)")
    return result
