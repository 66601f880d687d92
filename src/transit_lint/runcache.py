"""Whole-run cache: an unchanged tree, with the same options and policy set, gives the same
result, so a repeat run only reads and hashes the files. A run's entry is an index of its shards'
entries (`shardcache`), which hold the findings."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache import Cache, digest
from .findings import Finding, ResourceRef, Severity
from .policy.loader import Catalog
from .spans import Span

KEEP_RUNS = 64  # whole-run indexes kept: recent states of the tree (small: their shards hold the findings)


def package_stamp() -> str:
    """Which code and tables produced a result: every file of the installed package by path, size
    and modification time (stat only, no reads), so an edited table, hook or policy is never
    answered from an old entry, in an editable install too."""
    root = Path(__file__).resolve().parent
    parts = []
    for p in sorted(root.rglob("*")):
        if p.suffix in (".py", ".yaml", ".json", ".csv", ".lock") and "__pycache__" not in p.parts:
            st = p.stat()
            parts.append(f"{p.relative_to(root).as_posix()}:{st.st_size}:{st.st_mtime_ns}")
    return digest(*parts)


def run_basis(options: dict[str, Any], catalog: Catalog) -> str | None:
    """What every result of a run depends on besides its files: the options, the package and the
    policy set; None if a policy file cannot be read."""
    parts: list[str | bytes] = [json.dumps(options, sort_keys=True, default=str), package_stamp()]
    for pol in sorted(catalog.policies.values(), key=lambda p: p.id):
        try:
            parts.append(Path(pol.source).read_bytes())
        except OSError:
            return None
    return digest(*parts)


NAME_ONLY = "name"  # the digest of a file whose content no front end reads as its input


def file_digests(files: list[tuple[str, Path | None]], max_bytes: int,
                 memo: StatMemo | None = None) -> dict[str, str] | None:
    """Each file's content digest by reported path (its size when over the limit, which is all a
    run reads of it; NAME_ONLY where the path is None); None if a file is unreadable. A `memo`
    answers for the files whose stat it remembers."""
    out: dict[str, str] = {}
    for rel, path in files:
        if path is None:
            out[rel] = NAME_ONLY
            continue
        try:
            st = os.stat(path)
            if st.st_size > max_bytes:
                out[rel] = f"oversize {st.st_size}"
            elif memo is not None:
                out[rel] = memo.digest(str(path), st)
            else:
                out[rel] = digest(path.read_bytes())
        except OSError:
            return None
    return out


class StatMemo:
    """Content digests remembered by each file's stat, as git's index remembers them: a repeat run
    hashes only the files whose size, times, inode or device changed (5,000 files: ~0.12 s of
    reading and hashing against ~0.03 s of stat). The digests still key every entry; the memo only
    spares computing them again. An entry is trusted only for a file last changed (content or
    metadata: the ctime cannot be set back) at least RACY_NS before the memo was made: a change
    within the same clock tick as its hashing would keep the size and times."""

    NAMESPACE = "stat"
    KEY = "memo"
    RACY_NS = 2_000_000_000  # FAT's two-second times included

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self.now = time.time_ns()  # before any file is read: a file changed during the run is not trusted
        self.made = 0
        self.old: dict[str, list[Any]] = {}
        payload = cache.get(self.NAMESPACE, self.KEY)
        if payload is not None:
            try:
                data = json.loads(payload)
                self.made, self.old = int(data["made"]), dict(data["files"])
            except (ValueError, KeyError, TypeError):
                self.made, self.old = 0, {}
        self.files: dict[str, list[Any]] = {}
        self.hashed = 0

    def digest(self, path: str, st: os.stat_result) -> str:
        sig = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]
        known = self.old.get(path)
        if known is not None and known[:5] == sig and max(st.st_mtime_ns, st.st_ctime_ns) < self.made - self.RACY_NS:
            self.files[path] = known
            return str(known[5])
        with open(path, "rb") as f:
            found = digest(f.read())
        self.files[path] = [*sig, found]
        self.hashed += 1
        return found

    def save(self) -> None:
        """Kept when it changed: a file hashed, or one gone from the run."""
        if self.hashed or len(self.files) != len(self.old):
            self.cache.put(self.NAMESPACE, self.KEY, json.dumps({"made": self.now, "files": self.files},
                                                                separators=(",", ":")))


def run_key(basis: str, digests: dict[str, str]) -> str:
    """The whole run: the basis and every file's content."""
    return digest("run", basis, *(x for rel in sorted(digests) for x in (rel, digests[rel])))


def file_digest(path: str) -> str | None:
    try:
        return digest(Path(path).read_bytes())
    except OSError:
        return None


def context_unchanged(entry: dict[str, Any]) -> bool:
    """A cached result holds while every context file it read still has the same content."""
    context = entry.get("context")
    if not isinstance(context, dict):
        return False  # an entry from before context files were recorded: not trusted
    return all(file_digest(p) == d for p, d in context.items())


def finding_to_dict(f: Finding) -> dict[str, Any]:
    r = f.resource
    return {
        "r": f.rule_id, "n": f.rule_name, "s": int(f.severity), "m": f.message, "p": f.path,
        "sp": list(f.span.to_tuple()),
        "res": None if r is None else [r.id, r.kind, r.native_type, list(r.span.to_tuple())],
        "std": f.standards, "fp": f.fingerprint, "a": f.attribute, "sup": f.suppressed,
        "why": f.suppression_reason, "notes": f.notes,
    }


def finding_from_dict(d: dict[str, Any]) -> Finding:
    res = d["res"]
    return Finding(
        rule_id=d["r"], rule_name=d["n"], severity=Severity(d["s"]), message=d["m"], path=d["p"],
        span=Span(*d["sp"]),
        resource=None if res is None else ResourceRef(res[0], res[1], res[2], Span(*res[3])),
        standards=d["std"], fingerprint=d["fp"], attribute=d["a"], suppressed=d["sup"],
        suppression_reason=d["why"], notes=list(d["notes"]),
    )


@dataclass
class RunIndex:
    """A whole run in the cache: the entries of its shards (`shardcache`) and what the main process
    itself found (files it could not read, files it skipped)."""

    shards: list[str]
    errors: list[Finding]
    skipped: list[tuple[str, str]]
    unclaimed: int  # files no format takes by their name (counted, not listed)


def load(cache: Cache, key: str) -> RunIndex | None:
    payload = cache.get("runs", key)
    if payload is None:
        return None
    try:
        data: dict[str, Any] = json.loads(payload)
        return RunIndex([str(k) for k in data["shards"]], [finding_from_dict(x) for x in data["errors"]],
                        [(str(p), str(why)) for p, why in data["skipped"]], int(data["unclaimed"]))
    except (ValueError, KeyError, TypeError):
        return None


def store(cache: Cache, key: str, shards: list[str], errors: list[Finding], skipped: list[tuple[str, str]],
          unclaimed: int) -> None:
    data = {"shards": shards, "errors": [finding_to_dict(f) for f in errors], "skipped": skipped,
            "unclaimed": unclaimed}
    cache.put("runs", key, json.dumps(data, separators=(",", ":")))
    cache.prune("runs", KEEP_RUNS)
