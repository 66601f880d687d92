"""Find the files to lint under the paths given, and read them safely.

Never follows a symlink out of the given paths, terminates on symlink loops, skips VCS and tool
folders, and decides a file's format from its name first and its content where names are
ambiguous (a `.yaml` may be CloudFormation, Kubernetes or neither).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

SKIP_DIRS = {".git", ".hg", ".svn", ".terraform", "node_modules", ".venv", "venv", "__pycache__",
             ".transit-lint-cache", ".tox", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
DEFAULT_MAX_BYTES = 5_000_000


@dataclass
class Discovered:
    files: list[Path] = field(default_factory=list)  # absolute, resolved
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    roots: tuple[Path, ...] = ()
    explicit_files: set[Path] = field(default_factory=set)  # files named on the command line


def format_of(path: Path) -> str | None:
    """The format decided by the name alone; None when the content must decide."""
    name = path.name.lower()
    if name.endswith(".tf"):
        return "terraform"
    if name.endswith(".tfvars") or name.endswith(".tfvars.json"):
        return "tfvars"
    return None


def inside(p: Path, roots: tuple[Path, ...]) -> bool:
    """`p` is a root or lies under one: p == r or r in p.parents, compared as tuples of parts
    (walking `p.parents` builds a Path per level). Only an absolute path has "/" as its first
    part, so a relative root (even ".", with no parts) never holds an absolute path."""
    parts = p.parts
    return any(parts[: len(r.parts)] == r.parts and (bool(r.parts) or not p.root) for r in roots)


def readable_inside(p: Path, roots: tuple[Path, ...]) -> bool:
    """A regular file that is, after following links, inside the paths given."""
    try:
        return p.is_file() and inside(p.resolve(), roots)
    except OSError:
        return False


@dataclass
class Listing:
    """One folder's entries: `names` (sorted; every kind of entry, as a glob sees them) and
    `readable`, the names for which `readable_inside(folder / name, roots)` holds."""

    names: list[str]
    readable: set[str]


def realpath(path: str) -> str:
    """os.path.realpath(path), about 4x cheaper for the common plain absolute path (no ".", ".."
    or hidden part, no doubled or trailing slash): one lstat per part, and when none is a link
    the path is its own real path. Anything else goes to os.path.realpath. Inside
    `recording_reads`, folders already found not to be links are not asked again (a front end
    asks for every file it reads and every folder it lists, and their ancestors repeat)."""
    if path[:1] != "/" or "//" in path or "/." in path or path.endswith("/"):
        return os.path.realpath(path)
    known = _NOT_LINKS if _READ_LOGS else None
    at = path.find("/", 1)
    while True:
        part = path if at == -1 else path[:at]
        if known is None or part not in known:
            try:
                if stat.S_ISLNK(os.lstat(part).st_mode):
                    return os.path.realpath(path)
                if known is not None and at != -1:
                    known.add(part)
            except OSError:
                pass  # like os.path.realpath (not strict): a part that cannot be read is taken as it is
        if at == -1:
            return path
        at = path.find("/", at + 1)


def list_readable(d: Path, roots: tuple[Path, ...]) -> Listing:
    """`readable_inside` for every entry of a folder at the cost of one listing and one realpath
    (instead of a stat and a realpath per file): an entry that is not a link is a regular file
    inside the roots when it is a file and the folder's real path is inside them."""
    try:
        with os.scandir(d) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return Listing([], set())
    real_text = realpath(str(d))
    real = Path(real_text)
    if _READ_LOGS:
        _READ_LOGS[-1].folders[real_text] = names_digest(e.name for e in entries)
    folder_inside = inside(real, roots)
    readable: set[str] = set()
    for e in entries:
        try:
            if e.is_symlink():
                ok = readable_inside(d / e.name, roots)
            else:
                ok = e.is_file(follow_symlinks=False) and (folder_inside or inside(real / e.name, roots))
        except OSError:
            ok = False
        if ok:
            readable.add(e.name)
    return Listing([e.name for e in entries], readable)


def names_digest(names: Iterable[str]) -> str:
    """A digest of a folder's entry names, in any order, leaving out the folders no run reads
    (`SKIP_DIRS`: the cache's own folder appears beside the files after a first run)."""
    kept = sorted(n for n in names if n not in SKIP_DIRS)
    return hashlib.blake2b("\x00".join(kept).encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def folder_digest(path: str) -> str | None:
    """`names_digest` of a folder as it is now; None if it cannot be listed."""
    try:
        return names_digest(os.listdir(path))
    except OSError:
        return None


class Ignore(Protocol):
    """What decides which entries a walk leaves out (`config.IgnoreRules`: .gitignore files and
    the configured excludes)."""

    def for_root(self, start: Path) -> Ignore | None:
        """The rules for a folder named to scan (None: nothing below it can be left out)."""

    def knows(self, folder: Path, has_gitignore: bool) -> None:
        """What the walk's listing of `folder` shows (whether it holds a `.gitignore`)."""

    def judge(self, folder: Path) -> Callable[[str, bool], bool] | None:
        """Whether an entry of `folder`, by its path's text and whether it is a folder, is left
        out; None when nothing there can be."""


def discover(paths: list[str], excludes: list[str] | None = None,
             on_many: tuple[int, Callable[[], None]] | None = None, ignore: Ignore | None = None,
             on_file: Callable[[Path], None] | None = None) -> Discovered:
    """The files under `paths`. `on_many` = (n, call): call() once, as soon as n files are found
    (the engine starts its worker processes then, while the walk goes on). `ignore` leaves out
    ignored files and folders as the walk meets them (one walk, not a second one before it).
    `on_file` is called with each file as it is found, in the order of `Discovered.files`."""
    out = Discovered()
    many, call = on_many if on_many is not None else (0, None)
    roots: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise FileNotFoundError(raw)
        rp = p.resolve()
        roots.append(rp if rp.is_dir() else rp.parent)
        if rp.is_file():
            out.explicit_files.add(rp)
    out.roots = tuple(roots)
    seen_files: set[str] = set()
    for raw in paths:
        start = Path(raw).resolve()
        if start.is_file():
            if str(start) not in seen_files:
                seen_files.add(str(start))
                out.files.append(start)
                if on_file is not None:
                    on_file(start)
            continue
        # linked folders are never descended (a symlink loop cannot recur, every folder walked is
        # a real path under `start`); one that points inside the paths given is walked at its
        # real place anyway. os.scandir hands out each entry's type with the listing, which
        # saves two system calls per file over os.walk + is_symlink/is_file. Each folder is
        # walked as a string and carried as a Path too, from which its entries' Paths are made:
        # `folder / name` parses the name only, Path(full path) every part again (1.7 against
        # 3.6 us a file; two thirds of the walk of a 22,700-file tree).
        rules = ignore.for_root(start) if ignore is not None else None
        stack = [(str(start), start)]
        while stack:
            d, d_path = stack.pop()
            try:
                with os.scandir(d) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError:
                continue
            ignored = None
            if rules is not None:
                rules.knows(d_path, any(e.name == ".gitignore" for e in entries))
                ignored = rules.judge(d_path)
            subdirs: list[tuple[str, Path]] = []
            for e in entries:
                try:
                    linked = e.is_symlink()
                    if not linked and e.is_dir(follow_symlinks=False):
                        if e.name not in SKIP_DIRS and (ignored is None or not ignored(e.path, True)):
                            subdirs.append((e.path, d_path / e.name))
                        continue
                    if ignored is not None and ignored(e.path, False):
                        continue
                    name = e.path
                    if linked:
                        target = Path(name).resolve()
                        if not inside(target, out.roots):
                            out.skipped.append((name, "symlink points outside the paths given"))
                            continue
                        if target.is_dir() or not target.is_file():
                            continue
                        name = str(target)
                    elif not e.is_file(follow_symlinks=False):
                        continue  # sockets, FIFOs, devices
                except OSError:
                    continue
                if name in seen_files:
                    continue
                f = Path(name) if linked else d_path / e.name
                if excludes and any(_match(f, pat, start) for pat in excludes):
                    continue
                seen_files.add(name)
                out.files.append(f)
                if len(out.files) == many and call is not None:
                    call()
                if on_file is not None:
                    on_file(f)
            stack.extend(reversed(subdirs))
    return out


def _match(f: Path, pattern: str, base: Path) -> bool:
    import fnmatch

    try:
        rel = f.relative_to(base).as_posix()
    except ValueError:
        rel = f.as_posix()
    pat = pattern.rstrip("/")
    return fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(rel, pat + "/*") or any(
        fnmatch.fnmatch(part, pat) for part in rel.split("/"))


@dataclass
class FileText:
    text: str
    problem: str | None = None  # a reason to report TL000 while still linting what was read
    fatal: bool = False  # nothing could be read
    oversize: bool = False  # not read: over the size limit


# Every file a front end reads goes through read_text, and every folder it lists through
# list_readable; a run records them (`recording_reads`) so that its cached results are trusted only
# while the files read as context are unchanged too (a local module under an excluded folder, a
# --var-file outside the tree, a nested template) and the folders listed hold the same entries (a
# terraform.tfvars created beside a file named on its own).
@dataclass
class Reads:
    files: set[str] = field(default_factory=set)  # real paths of the files read
    folders: dict[str, str] = field(default_factory=dict)  # real path of a folder listed -> names_digest


_READ_LOGS: list[Reads] = []
_NOT_LINKS: set[str] = set()  # folders found not to be links, inside `recording_reads` only


@contextmanager
def recording_reads() -> Iterator[Reads]:
    """The files read and the folders listed inside the block (this process only)."""
    log = Reads()
    _READ_LOGS.append(log)
    _NOT_LINKS.clear()  # learnt afresh by each block: a link made since the last one is seen
    try:
        yield log
    finally:
        _READ_LOGS.pop()
        _NOT_LINKS.clear()


def read_text(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> FileText:
    """A file's text (UTF-8, newlines made `\\n`), or why it could not be read."""
    if _READ_LOGS:
        _READ_LOGS[-1].files.add(realpath(os.fspath(path)))
    try:
        # os.stat and open rather than Path.stat and Path.read_bytes: the same calls, without
        # pathlib's layers (every file of a run comes through here)
        size = os.stat(path).st_size
        if size > max_bytes:
            return FileText("", f"file is {size} bytes, over the {max_bytes}-byte limit (--max-file-size)", True, True)
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        return FileText("", f"cannot read file: {e.strerror or e}", True)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 with its byte-order mark: what Windows PowerShell's `>` writes
        # (`kubectl get deploy -o yaml > deploy.yaml`)
        try:
            return _text(raw.decode("utf-16"), None)
        except UnicodeDecodeError:
            return FileText("", "invalid UTF-16 (the file starts with a UTF-16 byte-order mark)", True)
    if b"\x00" in raw[:8192]:
        return FileText("", "binary file (contains NUL bytes), not a text configuration file", True)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
        problem = None
    except UnicodeDecodeError as e:
        text = raw.decode("utf-8", "replace")
        line = raw[: e.start].count(b"\n") + 1
        problem = f"invalid UTF-8 at byte {e.start} (line {line}); decoded with replacement characters"
    return _text(text, problem)


def _text(text: str, problem: str | None) -> FileText:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return FileText(text, problem)


SNIFF_PREFIX = 65536  # what decides whether a file over the size limit is infrastructure at all


def read_prefix(path: Path, size: int = SNIFF_PREFIX) -> str:
    """The first `size` bytes of a file as text ("" if unreadable)."""
    try:
        with open(path, "rb") as f:
            return f.read(size).decode("utf-8", "replace").replace("\r\n", "\n")
    except OSError:
        return ""


def relative_posix(path: str | Path, base: str | Path) -> str | None:
    """`path` relative to `base` as a POSIX path ("." for `base` itself), None when it lies
    outside. Plain absolute POSIX paths are compared as strings: every file of a run and every
    SARIF result asks, and Path.relative_to builds Paths each time."""
    s, b = str(path), str(base)
    if os.sep == "/" and s[:1] == "/" and b[:1] == "/" and s[:2] != "//" and b[:2] != "//":
        if s == b:
            return "."
        prefix = b if b == "/" else b + "/"
        return s[len(prefix):] if s.startswith(prefix) else None
    try:
        return Path(path).relative_to(base).as_posix()
    except ValueError:
        return None


def display_path(p: Path, base: Path) -> str:
    """POSIX path relative to `base` when inside it, else absolute."""
    rel = relative_posix(p, base)
    return rel if rel is not None else p.as_posix()


def display_paths(base: Path) -> Callable[[Path], str]:
    """`display_path` with `base` fixed, for the many files of a run: a path under `base` has its
    prefix cut from its text (relative_posix's answer), others go to `display_path`."""
    b = str(base)
    prefix = b if b.endswith(os.sep) else b + os.sep
    plain = os.sep == "/" and b[:1] == "/" and b[:2] != "//"

    def display(p: Path) -> str:
        s = str(p)
        if plain and len(s) > len(prefix) and s.startswith(prefix) and s[:2] != "//":
            return s[len(prefix):]
        return display_path(p, base)

    return display
