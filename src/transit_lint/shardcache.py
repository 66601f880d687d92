"""Per-shard results in the content-hash cache: after an edit, only the shards whose files changed
are linted again (the whole-run cache misses on any change).

A shard's entry is keyed by the run's basis (options, package, policies, see `runcache`), the
names of every file the run discovered, and the shard's own files with their contents. Keying on
the names makes any added, removed or renamed file anywhere in the tree a miss for every shard:
that covers what a shard cannot see coming (a new `terraform.tfvars` beside its `.tf`, a new file
an nginx `include` glob would match, a new template a nested stack names), so an entry is never
trusted more than the whole-run cache is. Files a front end read besides the shard's own (var
files, local modules and nested templates, included nginx files) are recorded with their digests,
and the folders it listed with their entry names: all must be unchanged for the entry to hold
(a `terraform.tfvars` created beside a file named on its own, which alone was discovered).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import fields
from typing import Any

from .cache import Cache, digest
from .discover import folder_digest
from .posture import PostureCounts
from .runcache import context_unchanged, file_digest, finding_from_dict, finding_to_dict
from .shards import RunScope, Shard, ShardOut
from .spans import Span

NAMESPACE = "shards"
KEEP_SHARDS = 1024


class ShardCache:
    """Looks shards up before they are linted and stores what was linted. Without `digests` (a
    first run in this folder: no entry can be found), every shard is linted and the digests are
    given later (`set_digests`), while the workers lint, before anything is stored."""

    def __init__(self, cache: Cache, run_basis: str, digests: dict[str, str] | None, scope: RunScope) -> None:
        self.cache = cache
        self.run_basis = run_basis  # what the run's own key is made of (`runcache.run_key`)
        self.keys: list[str] = []  # of every shard of the run, for its index (`runcache.store`)
        self.indexable = True  # every shard has a key
        only = sorted(str(p) for p in scope.only_files) if scope.only_files is not None else None
        self._scope_basis = digest("shard", run_basis, json.dumps([scope.profile, list(scope.policy_ids), only]))
        self.digests: dict[str, str] | None = None
        self.basis = ""
        if digests is not None:
            self.set_digests(digests)

    def set_digests(self, digests: dict[str, str]) -> None:
        self.digests = digests
        self.basis = digest(self._scope_basis, *sorted(digests))

    def key(self, shard: Shard) -> str | None:
        if self.digests is None:
            return None
        parts: list[str] = [shard.format]
        for f in shard.files:
            content = self.digests.get(f.rel)
            if content is None:
                return None  # a file the run did not hash (not discovered): never cached
            parts += [f.rel, content]
        return digest(self.basis, *parts)

    def split(self, shards: list[Shard]) -> tuple[list[ShardOut], list[Shard]]:
        """(the outputs found in the cache, the shards still to lint)."""
        if self.digests is None:
            return [], shards
        hits: list[ShardOut] = []
        misses: list[Shard] = []
        for shard in shards:
            key = self.key(shard)
            out = load(self.cache, key) if key is not None else None
            if key is not None and out is not None:
                self.keys.append(key)
                hits.append(out)
            else:
                misses.append(shard)  # its key goes into the index when it is stored
        return hits, misses

    def load_all(self, keys: list[str]) -> list[ShardOut] | None:
        """The outputs of a run's shards, or None when any entry is gone or no longer holds."""
        outs = []
        for key in keys:
            out = load(self.cache, key)
            if out is None:
                return None
            outs.append(out)
        return outs

    def store(self, shard: Shard, out: ShardOut) -> None:
        key = self.key(shard)
        if key is None:
            self.indexable = False
            return
        self.keys.append(key)
        self.cache.put(NAMESPACE, key, out.entry if out.entry is not None else dump(out, shard))

    def prune(self, shards: int) -> None:
        """Keep the entries of a few runs of this size (the newest first)."""
        self.cache.prune(NAMESPACE, max(KEEP_SHARDS, 4 * shards))


def dump(out: ShardOut, shard: Shard) -> str:
    own = {str(f.path) for f in shard.files}
    data = {
        "findings": [finding_to_dict(f) for f in out.findings],
        "errors": [finding_to_dict(f) for f in out.errors],
        "files_parsed": out.files_parsed,
        "notes": out.notes,
        "unknown_sites": [[p, path, rid, list(sp.to_tuple())] for p, path, rid, sp in out.unknown_sites],
        "edges": out.edges,
        "links": [list(link) for link in out.links],
        "posture": {f.name: getattr(out.posture, f.name) for f in fields(PostureCounts)},
        "read_files": out.read_files,
        # the files read besides the shard's own (whose contents are in the key), and the folders
        # listed: each must be as it was for the entry to hold
        "context": {p: file_digest(p) for p in out.read_files if p not in own},
        "folders": out.listed,
    }
    return json.dumps(data, separators=(",", ":"))


def load(cache: Cache, key: str) -> ShardOut | None:
    payload = cache.get(NAMESPACE, key)
    if payload is None:
        return None
    try:
        data: dict[str, Any] = json.loads(payload)
        if not context_unchanged(data):
            return None
        folders = data["folders"]
        if not all(folder_digest(path) == names for path, names in folders.items()):
            return None
        counts = dict(data["posture"])
        posture = PostureCounts(**{**counts, "versions": Counter(counts.get("versions", {}))})
        return ShardOut(
            findings=[finding_from_dict(x) for x in data["findings"]],
            errors=[finding_from_dict(x) for x in data["errors"]],
            files_parsed=int(data["files_parsed"]),
            notes=list(data["notes"]),
            unknown_sites=[(p, path, rid, Span(*sp)) for p, path, rid, sp in data["unknown_sites"]],
            edges=int(data["edges"]),
            links=[(a, b, c, d, e) for a, b, c, d, e in data["links"]],
            posture=posture,
            read_files=list(data["read_files"]),
            listed=dict(folders),
        )
    except (ValueError, KeyError, TypeError):
        return None
