"""Independent units of work, run in this process or in worker processes.

A shard is a set of files whose graph does not reach outside it: a Terraform root module with
the local modules it calls (Terraform references never cross root modules), one CloudFormation
template (stacks meet only through `Fn::ImportValue`, which is unknown anyway), or all files of
Kubernetes (objects meet by name across files) or nginx (includes). Large trees are split into
shards run by worker processes; a worker ships back findings and light copies of the nodes (no
syntax trees), which is what makes the parallel run pay: shipping parsed trees back costs as
much as parsing them again (measured, see docs/performance.md). For the same reason, a first run's
Kubernetes files go to one worker as the walk finds them, and that worker, which holds their
parses, lints their shard (`WorkerPool.ahead`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .discover import recording_reads
from .findings import Finding
from .frontends import LoadContext, SourceFile
from .frontends import module as frontend_module
from .model import NativeResource, Node
from .posture import PostureCounts
from .posture import count as count_posture
from .spans import Span
from .tree import Value

if TYPE_CHECKING:
    from concurrent.futures import Future

PARALLEL_MIN_FILES = 400  # below this, starting workers costs more than it saves
PER_FILE_FORMATS = ("cloudformation", "terraform-plan")  # formats whose files never refer to each other

# Terraform requires a module's `source` to be a literal string, so a textual scan finds every
# local module call; a stray match only merges two folders into one shard, which is harmless.
_LOCAL_SOURCE = re.compile(rb'\bsource\s*=\s*"(\.\.?/[^"]*)"')


# a graph edge between two nodes of a run, each named by (path, node id): node ids are unique only
# within a shard (two root modules may both declare aws_lb_listener.web)
Link = tuple[str, str, str, str, str]  # (src path, src id, dst path, dst id, edge type)


@dataclass
class Shard:
    format: str
    files: list[SourceFile]
    # the independent groups packed into this shard (see _binned): a front-end failure is retried
    # group by group, so that one bad folder costs only its own findings
    groups: list[list[SourceFile]] | None = None


@dataclass
class ShardOut:
    findings: list[Finding] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)
    files_parsed: int = 0
    notes: list[str] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    unknown_sites: list[tuple[str, str, str, Span]] = field(default_factory=list)
    edges: int = 0
    links: list[Link] = field(default_factory=list)
    posture: PostureCounts = field(default_factory=PostureCounts)
    read_files: list[str] = field(default_factory=list)  # real paths of every file the front end read
    listed: dict[str, str] = field(default_factory=dict)  # folders the front end listed -> names digest
    entry: str | None = None  # the shard's cache entry, serialised where it was linted (`shardcache.dump`)


def shard_terraform(files: list[SourceFile]) -> list[list[SourceFile]]:
    """Group .tf files by folder, joining folders linked by local module calls."""
    by_dir: dict[Path, list[SourceFile]] = {}
    for f in files:
        by_dir.setdefault(f.path.parent, []).append(f)
    parent: dict[Path, Path] = {d: d for d in by_dir}

    def find(d: Path) -> Path:
        while parent[d] != d:
            parent[d] = parent[parent[d]]
            d = parent[d]
        return d

    for d, group in by_dir.items():
        for f in group:
            try:
                with open(f.path, "rb") as fh:
                    data = fh.read()
            except OSError:
                continue
            if b"./" not in data:  # in every local source ("./x", "../x"): skips most files unsearched
                continue
            for m in _LOCAL_SOURCE.finditer(data):
                target = (d / m.group(1).decode("utf-8", "replace")).resolve()
                if target in parent:
                    parent[find(target)] = find(d)
    groups: dict[Path, list[SourceFile]] = {}
    for d, group in sorted(by_dir.items()):
        groups.setdefault(find(d), []).extend(group)
    return list(groups.values())


@dataclass(frozen=True)
class RunScope:
    """What every shard of a run is judged with."""

    profile: str
    policy_ids: tuple[str, ...]
    only_files: frozenset[Path] | None = None  # files named one by one (pre-commit): TL002 only there
    keep_nodes: bool = True  # workers ship their nodes back only when asked (the transit map needs them)
    cache_entries: bool = False  # workers serialise each shard's cache entry (the run keeps a cache)


def lint_shard(shard: Shard, ctx: LoadContext, scope: RunScope) -> ShardOut:
    """Load, normalise, build the graph, evaluate the policies and apply the suppressions for one
    shard. Suppressions are applied here, where the syntax trees still exist: CloudFormation
    `Metadata` and Kubernetes annotations live in the bodies, which workers do not ship back."""
    from .graph import build_graph
    from .normalize import normalize_all
    from .normalize.hooks_network import link_exposures
    from .policy.evaluate import evaluate
    from .policy.loader import load_catalog
    from .policy.suppress import apply as apply_suppressions

    catalog = load_catalog()
    policies = [catalog.policies[i] for i in scope.policy_ids]
    mod = frontend_module(shard.format)
    if mod is None:
        return ShardOut()
    try:
        with recording_reads() as read:
            res = mod.load(shard.files, ctx)
    except Exception as e:  # noqa: BLE001 - a front-end bug must not lose the other shards' findings
        if shard.groups is not None and len(shard.groups) > 1:
            return merged([lint_shard(Shard(shard.format, g), ctx, scope) for g in shard.groups])
        return ShardOut(errors=[_internal_error(f, e) for f in shard.files])
    # a front end may read resources of another format's tables (plan JSON holds Terraform resources)
    nodes, mapping_errors = normalize_all(res.resources, getattr(mod, "TABLES", shard.format))
    graph = build_graph(nodes)
    # which listeners each firewall rule exposes, and which plaintext ports only redirect (R3)
    link_exposures(graph, res.resources)
    by_kind: dict[str, list[Node]] = {}
    for n in nodes:
        by_kind.setdefault(n.kind, []).append(n)
    findings, ev = evaluate(policies, by_kind, catalog.profiles[scope.profile], graph)
    # internal failures (TL001) are errors: they exit 2 like unreadable files
    internal = mapping_errors + [f for f in findings if f.rule_id == "TL001"]
    findings = [f for f in findings if f.rule_id != "TL001"]
    errors = res.errors + internal
    findings = apply_suppressions(
        _dedupe(findings), nodes=nodes, comments=res.comments, catalog=catalog, enabled=policies, base=ctx.base,
        errors=errors, only_files=set(scope.only_files) if scope.only_files is not None else None)
    nodes_by_key = graph.nodes
    links = sorted({(nodes_by_key[a].path, nodes_by_key[a].id, nodes_by_key[b].path, nodes_by_key[b].id, t)
                    for a, b, t, _ in graph.edges})
    return ShardOut(findings, errors, res.files_parsed, res.notes, nodes, list(ev.unknown_sites),
                    graph.edge_count(), links, count_posture(nodes), sorted(read.files), read.folders)


def merged(outs: list[ShardOut]) -> ShardOut:
    """Shard outputs as one (lists joined in order, counts summed)."""
    total = ShardOut()
    for out in outs:
        total.findings += out.findings
        total.errors += out.errors
        total.files_parsed += out.files_parsed
        total.notes += out.notes
        total.nodes += out.nodes
        total.unknown_sites += out.unknown_sites
        total.edges += out.edges
        total.links += out.links
        total.posture.add(out.posture)
        total.read_files += out.read_files
        total.listed.update(out.listed)
    return total


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per (rule, place, message): a module instantiated twice with the same
    arguments, or two nodes of one resource, must not report the same line twice."""
    seen: set[tuple[str, str, int, int, str]] = set()
    out = []
    for f in findings:
        key = (f.rule_id, f.path, f.span.line, f.span.column, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _internal_error(f: SourceFile, e: Exception) -> Finding:
    from .findings import Severity, make_finding

    return make_finding(
        rule_id="TL001", rule_name="policy-error", severity=Severity.HIGH,
        message=f"internal error while reading this file ({type(e).__name__}: {e}); please report it",
        path=f.rel, span=Span(1, 1, 1, 1), attribute="load")


def _light(n: Node) -> Node:
    """The node without its syntax tree and front-end facts: what the posture and the transit
    map need (suppressions were applied in the worker)."""
    r = n.resource
    stub = None if r is None else replace(r, body=Value({}, r.body.span), meta={})
    return replace(n, resource=stub)


def _worker(args: tuple[Shard, LoadContext, RunScope]) -> ShardOut:
    out = lint_shard(*args)
    if args[2].cache_entries:
        from .shardcache import dump  # here, not in the main process after all shards are back

        out.entry = dump(out, args[0])
    # shipping nodes back costs about a fifth of a worker's time: only when the run needs them
    out.nodes = [_light(n) for n in out.nodes] if args[2].keep_nodes else []
    return out


def make_shards(by_format: dict[str, list[SourceFile]]) -> list[Shard]:
    """The independent units of a run."""
    shards: list[Shard] = []
    for fmt, files in by_format.items():
        if fmt == "terraform":
            shards.extend(_binned(fmt, shard_terraform(files)))
        elif fmt == "cloudformation":
            # a parent template and the local templates it nests are one unit (nested stacks)
            from .cloudformation.nested import group

            shards.extend(_binned(fmt, group(files)))
        elif fmt in PER_FILE_FORMATS:
            shards.extend(_binned(fmt, [[f] for f in files]))
        else:
            shards.append(Shard(fmt, files))
    return shards


BIN_FILES = 16


def _binned(fmt: str, groups: list[list[SourceFile]]) -> list[Shard]:
    """Independent groups packed into shards of up to BIN_FILES files: a shard's fixed cost (a
    front end, a graph, the policy agenda) is paid once for many small folders (-10% CPU on the
    bench tree). Nothing crosses between the groups of a shard: resources, references and graph
    edges are keyed by their root module or template."""
    out: list[Shard] = []
    for g in groups:
        last = out[-1] if out else None
        if last is not None and last.groups is not None and len(last.files) + len(g) <= BIN_FILES:
            last.files = last.files + g
            last.groups.append(g)
        else:
            out.append(Shard(fmt, list(g), [g]))
    return out


class WorkerPool:
    """Worker processes for a run's shards. Each worker's initializer imports what every shard
    needs (`_warm`), so a pool started early, during discovery, is ready by the time the first
    shards are known. A run ends by discarding its pool."""

    def __init__(self, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        global _AHEAD_QUEUE
        self.workers = workers
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        mp = multiprocessing.get_context(method)
        # the parse-ahead queue reaches the workers by inheritance: it exists before they fork
        self._ahead: Any = mp.Queue() if method == "fork" else None
        _AHEAD_QUEUE = self._ahead
        self._ahead_task: Future[list[ShardOut]] | None = None
        self._pool = ProcessPoolExecutor(workers, mp_context=mp, initializer=_warm)
        self._pool.submit(int)  # the workers start now, not at the first shard

    @staticmethod
    def size(jobs: int | None) -> int:
        return jobs if jobs is not None else (os.cpu_count() or 1)

    @staticmethod
    def pays(workers: int, files: int) -> bool:
        """Whether a run of this many files gains from this many workers."""
        return workers > 1 and files >= PARALLEL_MIN_FILES

    def submit(self, chunk: list[Shard], ctx: LoadContext, scope: RunScope) -> Future[list[ShardOut]]:
        return self._pool.submit(_run_batch, (chunk, ctx, scope))

    # ---- parse ahead: one format's files parsed by a worker while discovery still runs ----
    def ahead(self, fmt: str, f: SourceFile) -> bool:
        """Hand one file of `fmt` (the only format parsed ahead in this run) to the worker that
        parses ahead, starting it with the first; False when this pool cannot (spawned workers)."""
        if self._ahead is None:
            return False
        if self._ahead_task is None:
            self._ahead_task = self._pool.submit(_parse_ahead, fmt)
        self._ahead.put(f)  # a feeder thread writes it: the walk never waits for the worker
        return True

    def ahead_done(self, shard: Shard | None, ctx: LoadContext, scope: RunScope) -> Future[list[ShardOut]] | None:
        """The shard of the files handed over (its files in the same order), linted by the worker
        that parsed them; None (and the parses are dropped) when `shard` is None (its output came
        from the cache) or nothing was handed over."""
        task = self._ahead_task
        if task is None or self._ahead is None:
            return None
        self._ahead.put((shard is not None, ctx, scope))
        self._ahead_task = None
        return task if shard is not None else None

    def discard(self) -> None:
        """Stop the workers at once, idle (or still warming, after a cache hit): stopping them
        beats waiting for them to notice the end."""
        global _AHEAD_QUEUE
        if self._ahead is not None:
            self._ahead.cancel_join_thread()  # exit never waits on a feeder no worker reads
        # no public way to stop a pool's workers before Python 3.14 (terminate_workers)
        for proc in list((getattr(self._pool, "_processes", None) or {}).values()):
            proc.terminate()
        self._pool.shutdown(cancel_futures=True)
        if self._ahead is not None:
            self._ahead.close()
            if _AHEAD_QUEUE is self._ahead:
                _AHEAD_QUEUE = None


class ShardRunner:
    """Runs a run's shards, in a worker pool when one is given, taking them in waves: Terraform
    shards go out while this process still sniffs the YAML, JSON and nginx candidates."""

    def __init__(self, ctx: LoadContext, scope: RunScope, pool: WorkerPool | None) -> None:
        self._ctx, self._scope, self._pool = ctx, scope, pool
        self._shards: list[Shard] = []  # in the order their outputs come back
        self._futures: list[Future[list[ShardOut]]] = []

    def adopt(self, shard: Shard, future: Future[list[ShardOut]]) -> None:
        """A shard a worker is already linting (`WorkerPool.ahead_done`)."""
        self._shards.append(shard)
        self._futures.append(future)

    def submit(self, shards: list[Shard]) -> None:
        if self._pool is None:
            self._shards.extend(shards)
            return
        # fewer, larger chunks, largest shards first: each task carries its files and returns findings
        for chunk in _chunk(sorted(shards, key=lambda s: -len(s.files)), self._pool.workers):
            self._shards.extend(chunk)
            self._futures.append(self._pool.submit(chunk, self._ctx, self._scope))

    def results(self) -> list[tuple[Shard, ShardOut]]:
        """Each shard with its output."""
        if self._pool is None:
            return [(s, lint_shard(s, self._ctx, self._scope)) for s in self._shards]
        return list(zip(self._shards, [out for f in self._futures for out in f.result()], strict=True))


def _warm() -> None:
    """A worker's start: the imports and tables every shard needs, and Terraform's (its shards
    come first), read while the main process is still discovering and sniffing. The other front
    ends load with their first shard: a Terraform-only tree never needs them (~45 ms a worker)."""
    try:
        from .graph import build_graph  # noqa: F401
        from .normalize import normalize_all  # noqa: F401
        from .normalize.mapping import load_table
        from .parsers import yamltree  # noqa: F401  (PyYAML: the main process does not import it)
        from .policy.evaluate import evaluate  # noqa: F401
        from .policy.loader import load_catalog
        from .policy.suppress import apply  # noqa: F401

        load_catalog()
        mod = frontend_module("terraform")
        if mod is not None:
            load_table(getattr(mod, "TABLES", "terraform"))
    except Exception:  # noqa: BLE001 - warming is an optimisation: the shard reports any real failure
        pass


_AHEAD_QUEUE: Any = None  # the pool's parse-ahead queue, inherited by its workers (WorkerPool.ahead)


def _parse_ahead(fmt: str) -> list[ShardOut]:
    """A worker's task while discovery runs: parse each file handed over as it comes, then lint
    the shard of those files (or drop the parses, when the shard came from the cache)."""
    from contextlib import suppress

    mod = frontend_module(fmt)
    files: list[SourceFile] = []
    try:
        while isinstance(item := _AHEAD_QUEUE.get(), SourceFile):
            files.append(item)
            with suppress(Exception):  # the shard's own load reads the file again and reports
                mod.parse_ahead(item)  # type: ignore[union-attr]
        wanted, ctx, scope = item
        # the files as received, the very texts parsed (the front end matches them by identity)
        return [_worker((Shard(fmt, files), ctx, scope))] if wanted else []
    finally:
        if mod is not None:
            mod.forget_ahead()


def _run_batch(args: tuple[list[Shard], LoadContext, RunScope]) -> list[ShardOut]:
    shards, ctx, scope = args
    return [_worker((s, ctx, scope)) for s in shards]


def _chunk(shards: list[Shard], workers: int) -> list[list[Shard]]:
    """Consecutive chunks of shrinking file counts, keeping the order (guided scheduling): each
    chunk takes about 1/(2 * workers) of the files not yet given out, so the first chunks are
    large (few tasks to pickle and queue) and the last are a single packed shard each (the
    workers run out of work at about the same time)."""
    remaining = sum(len(s.files) for s in shards)
    out: list[list[Shard]] = []
    target = count = 0
    for s in shards:
        if not out or count >= target:
            out.append([])
            target, count = max(BIN_FILES, remaining // (2 * max(1, workers))), 0
        out[-1].append(s)
        count += len(s.files)
        remaining -= len(s.files)
    return out


__all__ = ["Link", "NativeResource", "RunScope", "Shard", "ShardOut", "WorkerPool", "lint_shard", "make_shards",
           "merged", "shard_terraform"]
