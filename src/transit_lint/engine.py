"""One lint run: discover -> parse -> normalize -> graph -> evaluate -> suppress."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import runcache, shards
from .cache import Cache
from .discover import (
    DEFAULT_MAX_BYTES,
    Ignore,
    discover,
    display_path,
    display_paths,
    format_of,
    read_prefix,
    read_text,
)
from .findings import Finding, parse_error
from .frontends import LoadContext, SourceFile, prefix_sniffer, sniff_candidates, sniffer
from .model import Node
from .policy.loader import Catalog, Policy
from .shardcache import ShardCache
from .shards import Link, RunScope, Shard, ShardOut, ShardRunner, WorkerPool, make_shards, merged
from .spans import Span


@dataclass
class RunOptions:
    paths: list[str]
    profile: str = "baseline"
    select: list[str] | None = None
    ignore: list[str] | None = None
    var_files: list[str] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)
    max_file_size: int = DEFAULT_MAX_BYTES
    options: dict[str, object] = field(default_factory=dict)  # format options (var_files, nginx_version, ...)
    cache: bool = False  # the CLI turns it on (--no-cache turns it off); library calls opt in
    jobs: int | None = None  # worker processes for large Terraform trees; None = one per core
    base: Path | None = None  # paths are reported relative to this (default: the working directory)
    keep_nodes: bool = True  # RunResult.nodes from worker processes too (the transit map needs them)
    # start the workers during discovery, once it has found enough files for them: they are warm
    # when the first shards are known. The CLI sets it; a library caller that lints trees with
    # fixed file counts (tests) gains nothing from it.
    early_workers: bool = False
    path_rules: Ignore | None = None  # .gitignore files and excludes, applied as discovery walks


@dataclass
class RunResult:
    findings: list[Finding]
    errors: list[Finding]
    files_parsed: int
    files_skipped: int
    skipped: list[tuple[str, str]]  # (path, why), but for files of no format by their name: counted only
    unknown: int
    unknown_sites: list[tuple[str, str, str, Span]]
    nodes: list[Node]
    edges: int
    elapsed: float
    profile: str
    policies: list[str]
    posture: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    resource_count: int = 0
    cached: bool = False
    links: list[Link] = field(default_factory=list)  # graph edges, for the transit map

    @property
    def all_findings(self) -> list[Finding]:
        return sorted(self.errors + self.findings, key=lambda f: f.sort_key())


def run(opts: RunOptions) -> RunResult:
    with fewer_collections():
        return _run(opts)


# A run allocates millions of small objects that live until its end (syntax trees, values,
# nodes); the cyclic collector would walk them again and again (~10% of a run at the default
# threshold, ~9% still at a gen-0 threshold of 100,000). Reference counting frees everything
# acyclic at once, and the little cyclic garbage a run makes is bounded by its shards: at 5,000
# files a worker peaks at 75 MB with the collector off against 66 MB with it on.
@contextmanager
def fewer_collections() -> Iterator[None]:
    """The collector off for a run (and its report); on again after, if it was on."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _run(opts: RunOptions) -> RunResult:
    from .policy.loader import load_catalog

    t0 = time.perf_counter()
    opts.options.setdefault("var_files", [str(Path(v).resolve()) for v in opts.var_files])
    base = (opts.base or Path.cwd()).resolve()
    catalog = load_catalog()
    if opts.profile not in catalog.profiles:
        raise ValueError(f"unknown profile {opts.profile!r}; see --list-profiles")
    policies = catalog.enabled(opts.profile, opts.select, opts.ignore)

    workers = WorkerPool.size(opts.jobs)
    pools: list[WorkerPool] = []
    try:
        return _lint(opts, base, catalog, policies, workers, pools, t0)
    finally:
        for pool in pools:
            pool.discard()  # idle by now (or never used: a cache hit): stopping beats waiting


def _lint(opts: RunOptions, base: Path, catalog: Catalog, policies: list[Policy], workers: int,
          pools: list[WorkerPool], t0: float) -> RunResult:
    # a first run (nothing can come from the cache) sorts each file as the walk finds it, and
    # hands Kubernetes manifests to a worker that parses them while the walk goes on: they are
    # one shard, which would otherwise start after the walk and the sniff (parse ahead)
    shown = display_paths(base)
    sorter = _Sorter(shown, opts.max_file_size, sniff_now=True) \
        if opts.early_workers and workers > 1 and not _cache_may_answer(opts, base) else None

    def start_workers() -> None:
        pools.append(WorkerPool(workers))
        if sorter is not None:
            sorter.start(pools[0])

    # the workers start as soon as discovery has found enough files to pay for them: they import
    # the front ends and load their tables on the idle core while this process walks on
    early = (shards.PARALLEL_MIN_FILES, start_workers) if opts.early_workers and workers > 1 else None
    found = discover(opts.paths, opts.excludes, early, opts.path_rules, sorter.add if sorter is not None else None)
    # files named one by one (pre-commit) are linted with their directory as context, but only
    # their own findings are reported
    only_files = found.explicit_files if found.explicit_files and len(found.explicit_files) == len(opts.paths) \
        else None
    scope = RunScope(opts.profile, tuple(p.id for p in policies),
                     frozenset(only_files) if only_files is not None else None, opts.keep_nodes)
    shard_cache, key = _open_cache(opts, found.files, found.roots, base, catalog, scope)
    if shard_cache is not None:
        scope = replace(scope, cache_entries=True)  # the workers serialise their shards' entries
    if shard_cache is not None and key is not None:
        # an unchanged tree: the run's index names its shards' entries, nothing is sniffed or linted
        index = runcache.load(shard_cache.cache, key)
        outs = shard_cache.load_all(index.shards) if index is not None else None
        if index is not None and outs is not None:
            return _result(opts, catalog, policies, base, only_files, outs, index.errors, index.skipped,
                           index.unclaimed, t0, cached=True)
    ctx = LoadContext(base, found.roots, opts.max_file_size, dict(opts.options))
    if not pools and WorkerPool.pays(workers, len(found.files)):
        start_workers()
    runner = ShardRunner(ctx, scope, pools[0] if pools else None)
    cached: list[ShardOut] = []

    def submit(batch: list[Shard]) -> None:
        if shard_cache is not None:
            # after an edit, the shards whose files did not change come from the cache
            hits, batch = shard_cache.split(batch)
            cached.extend(hits)
        runner.submit(batch)

    if sorter is None:
        sorter = _Sorter(shown, opts.max_file_size, sniff_now=False)
        for f in found.files:
            sorter.add(f)
    # Terraform is known by its name: its shards go to the workers before the sniffing
    terraform = [SourceFile(f, shown(f), "") for f in sorter.terraform]
    submit(make_shards({"terraform": terraform} if terraform else {}))
    sorter.sniff_rest()
    by_format, unclaimed, errors = sorter.by_format, sorter.unclaimed, sorter.errors
    skipped = found.skipped + sorter.skipped
    parsed = by_format.pop(AHEAD_FORMAT, []) if sorter.streamed else []
    submit(make_shards(by_format))  # a sniffer only claims files for a format that has a front end
    if parsed:
        # the manifests' shard, as make_shards makes it, linted by the worker that parsed them
        ahead = Shard(AHEAD_FORMAT, parsed)
        hits, misses = shard_cache.split([ahead]) if shard_cache is not None else ([], [ahead])
        cached.extend(hits)
        future = pools[0].ahead_done(ahead if misses else None, ctx, scope)
        if future is not None:
            runner.adopt(ahead, future)
    if shard_cache is not None and shard_cache.digests is None:
        # a first run here: the files are hashed now, while the workers lint, not before
        key = _digests(opts, found.files, base, shard_cache, sorter.inputs)
    linted = runner.results()
    if shard_cache is not None:
        for shard, shard_out in linted:
            shard_cache.store(shard, shard_out)
        if key is not None and shard_cache.indexable:
            runcache.store(shard_cache.cache, key, shard_cache.keys, errors, skipped, unclaimed)
        shard_cache.prune(len(cached) + len(linted))
    return _result(opts, catalog, policies, base, only_files, cached + [out for _, out in linted], errors,
                   skipped, unclaimed, t0, cached=False)


def _result(opts: RunOptions, catalog: Catalog, policies: list[Policy], base: Path, only_files: set[Path] | None,
            outs: list[ShardOut], errors: list[Finding], skipped: list[tuple[str, str]], unclaimed: int,
            t0: float, cached: bool) -> RunResult:
    """The run's result from its shards' outputs (linted or cached: their order does not matter,
    everything below is sorted or summed) and what this process found (unreadable and skipped
    files)."""
    from .posture import summarize

    out = merged(outs)
    errors = errors + out.errors
    findings, nodes, counts = out.findings, out.nodes, out.posture
    notes = sorted(set(out.notes))
    unknown_sites = sorted(out.unknown_sites, key=lambda u: (u[1], u[3].line, u[0], u[2]))

    if only_files:
        wanted = {display_path(p, base) for p in only_files}
        findings = [f for f in findings if f.path in wanted]
        errors = [e for e in errors if e.path in wanted]

    findings.sort(key=lambda f: f.sort_key())
    errors.sort(key=lambda f: f.sort_key())
    return RunResult(
        findings=findings,
        errors=errors,
        files_parsed=out.files_parsed,
        files_skipped=len(skipped) + unclaimed,
        skipped=skipped,
        unknown=len(unknown_sites),
        unknown_sites=unknown_sites,
        nodes=nodes,
        edges=out.edges,
        elapsed=time.perf_counter() - t0,
        profile=catalog.profiles[opts.profile].name,
        policies=[p.id for p in policies],
        posture=summarize(counts),
        notes=notes,
        resource_count=counts.nodes,
        cached=cached,
        links=sorted(out.links),
    )


def _by_name(f: Path) -> str | list[str]:
    """How a file's name sorts it: "terraform", "tfvars" (read by the module that owns it), or the
    formats whose content sniffers may claim it (none: the run only counts it)."""
    return format_of(f) or sniff_candidates(f)


AHEAD_FORMAT = "kubernetes"  # the format parsed ahead: all its files are one shard


class _Sorter:
    """A run's files, each sorted by its name: Terraform, the candidates of content-sniffed
    formats, the others counted. The candidates are sniffed as they come (`sniff_now`: the walk
    hands each file over as it finds it) or all at once after the Terraform shards are out
    (`sniff_rest`). Sniffed as they come, manifests go to the pool's parse-ahead worker as soon
    as there is a pool (those found before it wait)."""

    def __init__(self, shown: Callable[[Path], str], max_bytes: int, sniff_now: bool) -> None:
        self.shown, self.max_bytes, self.sniff_now = shown, max_bytes, sniff_now
        self.terraform: list[Path] = []
        self.candidates: list[tuple[Path, list[str]]] = []  # not sniffed yet
        self.by_format: dict[str, list[SourceFile]] = {}
        self.errors: list[Finding] = []
        self.skipped: list[tuple[str, str]] = []
        self.unclaimed = 0
        self.inputs: list[bool] = []  # per file, in the order added: a front end may take it (`_digests`)
        self.pool: WorkerPool | None = None
        self.streamed = False  # every manifest went to the parse-ahead worker

    def start(self, pool: WorkerPool) -> None:
        self.pool = pool
        waiting = self.by_format.get(AHEAD_FORMAT, [])
        self.streamed = all(pool.ahead(AHEAD_FORMAT, f) for f in waiting) if waiting else True

    def add(self, f: Path) -> None:
        kind = _by_name(f)
        self.inputs.append(bool(kind))
        if kind == "terraform":
            self.terraform.append(f)
        elif isinstance(kind, list):
            if not kind:
                self.unclaimed += 1
            elif self.sniff_now:
                self._sniff(f, kind)
            else:
                self.candidates.append((f, kind))

    def sniff_rest(self) -> None:
        for f, formats in self.candidates:
            self._sniff(f, formats)
        self.candidates = []

    def _sniff(self, f: Path, formats: list[str]) -> None:
        """Read one candidate and add it to the format whose sniffer claims it first, or to
        `skipped` or `errors`."""
        rel = self.shown(f)
        ft = read_text(f, self.max_bytes)
        if ft.oversize and not _claimed(f, read_prefix(f), formats):
            # a large file of no format (a package-lock.json, an OpenAPI document) is no error:
            # only one that its first 64 KiB show to be infrastructure is reported unread
            self.skipped.append((rel, "not an infrastructure file (judged by its first 64 KiB: it is over the "
                                      "size limit)"))
            return
        if ft.fatal:
            self.errors.append(parse_error(rel, Span(1, 1, 1, 1), ft.problem or "unreadable"))
            return
        for cand in formats:
            sniff = sniffer(cand)
            if sniff is not None and sniff(f, ft.text):
                self.by_format.setdefault(cand, []).append(SourceFile(f, rel, ft.text))
                if ft.problem:
                    self.errors.append(parse_error(rel, Span(1, 1, 1, 1), ft.problem))
                if cand == AHEAD_FORMAT and self.pool is not None and self.streamed:
                    self.streamed = self.pool.ahead(AHEAD_FORMAT, self.by_format[cand][-1])
                return
        self.skipped.append((rel, "not an infrastructure file"))


def _cache_may_answer(opts: RunOptions, base: Path) -> bool:
    """Whether a cache from an earlier run may hold this run's results (`_open_cache` reads it)."""
    if not opts.cache:
        return False
    try:
        roots = tuple(p if p.is_dir() else p.parent for p in (Path(raw).resolve() for raw in opts.paths))
        return Cache(_cache_root(base, roots), enabled=False).dir.is_dir()
    except OSError:
        return True


def _cache_root(base: Path, roots: tuple[Path, ...]) -> Path:
    """One cache for the working directory when the paths are inside it, else beside the first path."""
    return base if all(r == base or base in r.parents for r in roots) else roots[0]


def _claimed(f: Path, prefix: str, candidates: list[str]) -> bool:
    """Whether a content sniffer claims the file by its first bytes."""
    return any((sniff := prefix_sniffer(c)) is not None and sniff(f, prefix) for c in candidates)


def _open_cache(opts: RunOptions, files: list[Path], roots: tuple[Path, ...], base: Path, catalog: Catalog,
                scope: RunScope) -> tuple[ShardCache | None, str | None]:
    """(the run's shard cache, the run's key), or Nones when there is no cache or a file cannot be
    read (the run is then linted and not stored)."""
    if not opts.cache:
        return None, None
    cache = Cache(_cache_root(base, roots))
    if not cache.enabled:
        return None, None
    options = {"profile": opts.profile, "select": opts.select, "ignore": opts.ignore,
               "excludes": opts.excludes, "paths": sorted(opts.paths), "base": str(base),
               "max_file_size": opts.max_file_size, **opts.options}
    basis = runcache.run_basis(options, catalog)
    if basis is None:
        return None, None
    shard_cache = ShardCache(cache, basis, None, scope)
    if not cache.dir.is_dir():
        return shard_cache, None  # nothing cached here yet: the files can be hashed later
    key = _digests(opts, files, base, shard_cache)
    return (shard_cache, key) if key is not None else (None, None)


def _digests(opts: RunOptions, files: list[Path], base: Path, shard_cache: ShardCache,
             inputs: list[bool] | None = None) -> str | None:
    """Hash the run's inputs for the shard cache; the run's key, or None when one cannot be read
    (the run is then not stored). Inputs are the files a front end may take by their names
    (Terraform, variable files, the sniffers' candidates); of the others only the names count:
    most of a real repository (sources, documents) is none, and no result depends on their
    content, except through a front end reading one as context (`file()`, an include, a nested
    template), which the entry of the shard that read it checks (`shardcache.load`). `inputs`: per
    file, whether it is one, when the run has sorted its files already (`_Sorter.inputs`)."""
    shown = display_paths(base)
    memo = runcache.StatMemo(shard_cache.cache)
    taken = inputs if inputs is not None else [bool(_by_name(f)) for f in files]
    digests = runcache.file_digests([(shown(f), f if t else None) for f, t in zip(files, taken, strict=True)],
                                    opts.max_file_size, memo)
    if digests is None:
        return None
    memo.save()
    shard_cache.set_digests(digests)
    return runcache.run_key(shard_cache.run_basis, digests)
