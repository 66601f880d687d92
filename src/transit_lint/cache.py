"""Content-hash cache in `.transit-lint-cache/` (gitignored by default).

Each shard's results are cached (`shardcache`), so that after an edit only the shards whose files
changed are linted again, and each run keeps an index of its shards' entries (`runcache`), so
that a repeat run over an unchanged tree only reads and hashes the files. (A per-file parse cache
was measured and dropped: decoding a cached syntax tree cost as much as parsing the file again
with tree-sitter; see docs/performance.md.)

The folder can arrive inside an untrusted pull request, so entries are plain JSON (never pickle)
after a line holding their HMAC, made with a key kept outside the scanned tree (in the user's
cache directory); an entry that does not verify is ignored. Entries are never trusted across
tool versions. Each namespace keeps its newest entries only (`prune`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import tempfile
from pathlib import Path
from typing import Any

from . import __version__

CACHE_DIR = ".transit-lint-cache"
FORMAT_VERSION = "2"  # 2: the MAC on the first line, then the payload


def _key_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "transit-lint" / "cache-key"


def _secret() -> bytes | None:
    """The machine's cache key; created on first use. None when it cannot be kept."""
    path = _key_file()
    try:
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = os.urandom(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        return key
    except FileExistsError:
        try:
            return path.read_bytes()
        except OSError:
            return None
    except OSError:
        return None


def digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass") if isinstance(p, str) else p)
        h.update(b"\x1f")
    return h.hexdigest()


class Cache:
    """A namespace of verified JSON entries under `<root>/.transit-lint-cache/`."""

    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.dir = root / CACHE_DIR / f"v{FORMAT_VERSION}-{__version__}"
        self.secret = _secret() if enabled else None
        self.enabled = enabled and self.secret is not None
        self.hits = 0
        self.misses = 0

    def _mac(self, key: str, payload: str) -> str:
        assert self.secret is not None
        return hmac.new(self.secret, f"{key}\x1f{payload}".encode(), hashlib.sha256).hexdigest()

    def get(self, ns: str, key: str) -> Any:
        if not self.enabled:
            return None
        try:
            mac, _, payload = (self.dir / ns / f"{key}.json").read_text("utf-8").partition("\n")
            if not hmac.compare_digest(mac, self._mac(key, payload)):
                self.misses += 1
                return None
        except (OSError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return payload

    def put(self, ns: str, key: str, payload: str) -> None:
        if not self.enabled:
            return
        try:
            folder = self.dir / ns
            folder.mkdir(parents=True, exist_ok=True)
            top = self.dir.parent
            ignore = top / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# created by transit-lint\n*\n")
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                # the payload as it is after its MAC's line (it is JSON already: no second encoding)
                fh.write(self._mac(key, payload) + "\n" + payload)
            os.replace(tmp, folder / f"{key}.json")
        except OSError:
            return  # a read-only tree simply runs without a cache

    def prune(self, ns: str, keep: int) -> None:
        """Keep the `keep` newest entries of a namespace: every edit adds entries, and the folder
        would otherwise grow with each run."""
        if not self.enabled:
            return
        try:
            with os.scandir(self.dir / ns) as it:
                entries = [(e.stat().st_mtime_ns, e.path) for e in it if e.name.endswith(".json")]
        except OSError:
            return
        if len(entries) <= keep:
            return
        entries.sort(reverse=True)
        for _, path in entries[keep:]:
            with contextlib.suppress(OSError):
                os.remove(path)
