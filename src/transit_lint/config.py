"""Project configuration and the files a run must skip.

Configuration lives in `.transit-lint.yaml` (or `.yml`) or in `[tool.transit-lint]` of
`pyproject.toml`, found by walking up from the scanned path to the repository's top level (the
first directory holding `.git`), or given with `--config`. Keys are the long CLI option names;
command-line options win over the file. An unknown key is an error that names it, so a typo never
silently turns a check off.

Skipping: `.gitignore` files (every one from the repository root down, plus `.git/info/exclude`)
and the `exclude` patterns (gitignore syntax, relative to the config file's directory) decide which
files are not linted. Discovery leaves them out as its walk meets them (`IgnoreRules.judge`); a
path named on the command line is left out only by the configured excludes.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import yamlio
from .discover import SKIP_DIRS, inside, relative_posix

CONFIG_FILES = (".transit-lint.yaml", ".transit-lint.yml")
PYPROJECT_TABLE = "transit-lint"

# key -> (expected type, what the error says it must be)
_KEYS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "profile": (str, "a profile name"),
    "select": (list, "a list of rule ids, prefixes or names"),
    "ignore": (list, "a list of rule ids, prefixes or names"),
    "severity": (dict, "a mapping of rule id to severity"),
    "exclude": (list, "a list of gitignore-style patterns"),
    "fail-on": (str, "a severity (info, low, medium, high, critical)"),
    "nginx-version": (str, "an nginx version such as \"1.24.0\""),
    "respect-gitignore": (bool, "true or false"),
    "baseline": (str, "a baseline file path"),
}


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file and the key."""


@dataclass
class Config:
    source: Path | None = None  # the file the settings came from; None: defaults
    profile: str | None = None
    select: list[str] | None = None
    ignore: list[str] | None = None
    severity: dict[str, str] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    fail_on: str | None = None
    nginx_version: str | None = None
    respect_gitignore: bool = True
    baseline: Path | None = None  # resolved against the config file's directory

    @property
    def directory(self) -> Path | None:
        return self.source.parent if self.source else None


# ---- where the repository and the configuration are ----

def find_repo_root(start: Path) -> Path | None:
    """The nearest directory at or above `start` holding `.git` (a directory, or a file in
    worktrees and submodules). Found by looking, never by running git."""
    here = start.resolve()
    if here.is_file():
        here = here.parent
    for d in (here, *here.parents):
        if (d / ".git").exists():
            return d
    return None


def common_start(paths: Iterable[str | Path]) -> Path:
    """The deepest directory that holds every scanned path (cwd when none are given)."""
    dirs = []
    for p in paths:
        rp = Path(p).resolve()
        dirs.append(rp.parent if rp.is_file() else rp)
    if not dirs:
        return Path.cwd().resolve()
    return Path(os.path.commonpath([str(d) for d in dirs]))


def find_config(start: Path) -> Path | None:
    """The first config file from `start` upward, stopping at the repository root."""
    repo = find_repo_root(start)
    here = start.resolve()
    if here.is_file():
        here = here.parent
    for d in (here, *here.parents):
        for name in CONFIG_FILES:
            if (d / name).is_file():
                return d / name
        py = d / "pyproject.toml"
        if py.is_file() and _pyproject_table(py) is not None:
            return py
        if repo is not None and d == repo:
            break
    return None


def _toml_loads(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    data: dict[str, Any] = tomllib.loads(text)
    return data


def _pyproject_table(path: Path) -> dict[str, Any] | None:
    try:
        doc = _toml_loads(path.read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise ConfigError(f"{path}: cannot read: {e}") from None
    tool = doc.get("tool")
    table = tool.get(PYPROJECT_TABLE) if isinstance(tool, dict) else None
    return table if isinstance(table, dict) else None


def load_config(path: Path) -> Config:
    """Read and check one config file (YAML, or pyproject.toml's `[tool.transit-lint]`)."""
    path = path.resolve()
    if path.name == "pyproject.toml":
        raw: Any = _pyproject_table(path)
        if raw is None:
            raise ConfigError(f"{path}: no [tool.{PYPROJECT_TABLE}] table")
    else:
        try:
            raw = yamlio.load(path.read_text("utf-8"))
        except OSError as e:
            raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from None
        except yamlio.YamlError as e:
            raise ConfigError(f"{path}: invalid YAML: {e}") from None
        if raw is None:
            raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of option names to values")
    return _build(raw, path)


def _build(raw: dict[str, Any], path: Path) -> Config:
    cfg = Config(source=path)
    for key, v in raw.items():
        value: Any = v
        if key not in _KEYS:
            hint = difflib.get_close_matches(str(key).replace("_", "-"), list(_KEYS), n=1)
            more = f" (did you mean {hint[0]!r}?)" if hint else f"; known keys: {', '.join(sorted(_KEYS))}"
            raise ConfigError(f"{path}: unknown key {key!r}{more}")
        typ, what = _KEYS[key]
        if key == "nginx-version" and isinstance(value, (int, float)):
            value = str(value)
        _check_type(path, key, value, typ, what)
        if key == "profile":
            cfg.profile = value
        elif key == "select":
            cfg.select = list(value)
        elif key == "ignore":
            cfg.ignore = list(value)
        elif key == "severity":
            for rid, sev in value.items():
                if not isinstance(sev, str):
                    raise ConfigError(f"{path}: severity.{rid} must be a severity name")
            cfg.severity = {str(k).upper(): v for k, v in value.items()}
        elif key == "exclude":
            cfg.exclude = list(value)
        elif key == "fail-on":
            cfg.fail_on = value
        elif key == "nginx-version":
            cfg.nginx_version = value
        elif key == "respect-gitignore":
            cfg.respect_gitignore = value
        elif key == "baseline":
            cfg.baseline = (path.parent / value).resolve()
    return cfg


def _check_type(path: Path, key: str, value: Any, typ: type | tuple[type, ...], what: str) -> None:
    if not isinstance(value, typ):
        raise ConfigError(f"{path}: {key} must be {what}, not {type(value).__name__}")
    if isinstance(value, list) and not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: {key} must be {what} (strings)")


def discover_config(paths: Iterable[str | Path], explicit: Path | None = None) -> Config:
    """The configuration for a run: `explicit` (--config) or the first file found upward."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: no such config file")
        return load_config(explicit)
    found = find_config(common_start(paths))
    return load_config(found) if found else Config()


# ---- ignored files ----

def _spec(lines: Iterable[str]) -> _Spec | None:
    import pathspec

    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    return _Spec(spec) if spec.patterns else None


_NAMED_GROUP = re.compile(r"\(\?P<[^>]+>")


class _Spec:
    """A gitignore spec with a fast "no pattern can match" test in front of pathspec's own,
    pattern-by-pattern check: most paths match no pattern (a tree with 116 `.gitignore` files
    asked ~50 regex searches a path). The patterns anchored at the start make one regex; those
    that match at any depth (`^(?:.+/)?NAME...`, every pattern without a slash) make another,
    searched for at the start of each path component: one alternation of them all, each
    beginning with `(?:.+/)?`, backtracks over the whole path once per pattern."""

    _ANYWHERE = "^(?:.+/)?"

    def __init__(self, spec: Any) -> None:
        self.spec = spec
        anchored: list[str] = []
        anywhere: list[str] = []
        unanchored = False
        for p in spec.patterns:
            if p.include is None or getattr(p, "regex", None) is None:
                continue
            text = _NAMED_GROUP.sub("(?:", p.regex.pattern)
            if text.startswith(self._ANYWHERE):
                anywhere.append(text[len(self._ANYWHERE):])
            else:
                anchored.append(text)
                unanchored = unanchored or not text.startswith("^")
        try:
            self.anchored = _alternation(anchored)
            # at the start, or at a component's start (after a "/" with a character before it,
            # what `(?:.+/)?` consumes): one search, the components' starts found by the engine
            self.anywhere = _alternation(anywhere, "(?:^|(?<=./))")
        except re.error:  # pathspec's regexes always combine; if not, pathspec decides every path
            self.anchored, self.anywhere = re.compile(""), None
        self.search = unanchored  # a pattern not anchored at the start: searched, not matched

    def check(self, rel: str) -> bool | None:
        """True (ignored), False (re-included by `!`) or None (no pattern matches)."""
        if "\n" not in rel and not self._may_match(rel):
            return None  # (`.` does not cross a newline: such a path always goes to pathspec)
        include: bool | None = self.spec.check_file(rel).include
        return include

    def _may_match(self, rel: str) -> bool:
        if self.anchored is not None and (self.anchored.search(rel) if self.search else self.anchored.match(rel)):
            return True
        return self.anywhere is not None and self.anywhere.search(rel) is not None


def _alternation(parts: list[str], prefix: str = "") -> re.Pattern[str] | None:
    return re.compile(prefix + "(?:" + "|".join(f"(?:{x})" for x in parts) + ")") if parts else None


class IgnoreRules:
    """gitignore semantics over several pattern sources, each anchored at its own directory.

    Sources are checked in order, the last one with an opinion wins (as git does for deeper
    `.gitignore` files and `!` re-includes): `.git/info/exclude`, every `.gitignore` from the
    repository root down to the file's directory, then the configured and command-line excludes.
    """

    def __init__(self, gitignore_root: Path | None, excludes: list[tuple[Path, list[str]]]) -> None:
        self.root = gitignore_root.resolve() if gitignore_root else None
        self._dir_specs: dict[Path, _Spec | None] = {}
        self._chains: dict[str, list[tuple[str, _Spec]]] = {}
        self._roots: dict[str, IgnoreRules | None] = {}  # for_root's answers (asked per finding too)
        self._chain_verdicts: dict[tuple[str, str], bool | None] = {}  # (root, folder) -> `_decided`
        self._excludes = [(base.resolve(), _spec(pats)) for base, pats in excludes if pats]
        self._info_exclude = None
        if self.root is not None:
            info = self.root / ".git" / "info" / "exclude"
            if info.is_file():
                self._info_exclude = _spec(_read_lines(info))

    @property
    def active(self) -> bool:
        return self.root is not None or bool(self._excludes)

    def for_root(self, start: Path) -> IgnoreRules | None:
        """The rules below a folder named to scan: its .gitignore'd self is scanned with the
        excludes only (naming a path beats a pattern); None when nothing can be left out."""
        key = str(start)
        if key not in self._roots:
            rules = self.excludes_only() if self.ignored(start, True) else self
            self._roots[key] = rules if rules.active else None
        return self._roots[key]

    def excluded_by_config(self, path: Path, is_dir: bool) -> bool:
        """Whether the configured or command-line excludes leave out a path named to scan."""
        verdict: bool | None = None
        for base, spec in self._excludes:
            if spec is not None:
                verdict = _check(spec, str(path.absolute()), _prefix(base), is_dir, verdict)
        return bool(verdict)

    def shown(self, path: Path, roots: list[Path]) -> bool:
        """Whether a finding's file is one a run with these rules reports: not ignored, nor
        below an ignored folder, from the scanned folder that holds it down (a front end reads
        ignored files as context: Terraform a module's every .tf). A file outside every scanned
        folder, or below a folder discovery never walks (a local module under node_modules/), is
        shown, as it is when nothing is ignored."""
        path = Path(os.path.normpath(path.absolute()))
        root = next((r for r in roots if path != r and inside(path, (r,))), None)
        if root is None:
            return True
        rules = self.for_root(root)
        if rules is None:
            return True
        decided = rules._decided(path.parent, root)
        return decided if decided is not None else not rules.ignored(path, False)

    def _decided(self, folder: Path, root: Path) -> bool | None:
        """What the folders from below `root` down to `folder` decide, the first from the top
        winning: a folder discovery never walks (SKIP_DIRS) shows its files, an ignored one hides
        them; None when none decides. Found once per folder: findings share their folders."""
        key = (str(root), str(folder))
        if key not in self._chain_verdicts:
            verdict = None if folder == root else self._decided(folder.parent, root)
            if verdict is None and folder != root:
                if folder.name in SKIP_DIRS:
                    verdict = True
                elif self.ignored(folder, True):
                    verdict = False
            self._chain_verdicts[key] = verdict
        return self._chain_verdicts[key]

    def met_patterns(self) -> bool:
        """Whether any pattern applies so far: an exclude, `.git/info/exclude`, or a `.gitignore`
        in a folder these rules judged. After a walk with them, False means that nothing under
        the paths walked is ignored (git reads no `.gitignore` through a linked folder either)."""
        return bool(self._excludes) or self._info_exclude is not None or \
            any(spec is not None for spec in self._dir_specs.values())

    def excludes_only(self) -> IgnoreRules:
        """The same rules without `.gitignore` (inside a folder the user named although ignored)."""
        out = IgnoreRules(None, [])
        out._excludes = self._excludes
        return out

    def _gitignore(self, d: Path) -> _Spec | None:
        if d not in self._dir_specs:
            f = d / ".gitignore"
            self._dir_specs[d] = _spec(_read_lines(f)) if f.is_file() else None
        return self._dir_specs[d]

    def knows(self, folder: Path, has_gitignore: bool) -> None:
        """Discovery's listing of a folder says whether it holds a `.gitignore`: no need to ask
        the file system (one `stat` per folder of the tree, most of which hold none)."""
        if not has_gitignore:
            self._dir_specs.setdefault(folder, None)

    def _sources(self, folder: Path) -> list[tuple[str, _Spec]]:
        """The specs that judge the entries of `folder` (under the root), outermost first, each
        with its folder's path as a prefix (`_prefix`): the same for every entry of a folder, so
        found once."""
        key = str(folder)
        found = self._chains.get(key)
        if found is None:
            assert self.root is not None
            # the folder's own .gitignore after its parent's list (the root's starts with
            # .git/info/exclude): each folder is looked at once
            outer: list[tuple[str, _Spec]]
            if folder == self.root:
                outer = [(_prefix(folder), self._info_exclude)] if self._info_exclude is not None else []
            else:
                outer = self._sources(folder.parent)
            own = self._gitignore(folder)
            found = self._chains[key] = [*outer, (_prefix(folder), own)] if own is not None else outer
        return found

    def ignored(self, path: Path, is_dir: bool) -> bool:
        path = path.absolute()
        judged = self.judge(path.parent)
        return judged is not None and judged(str(path), is_dir)

    def judge(self, folder: Path) -> Callable[[str, bool], bool] | None:
        """Whether an entry of `folder` (given as its absolute path's text, and whether it is a
        folder) is ignored: the specs that apply are found once for all of a folder's entries.
        None when no pattern applies there (nothing in the folder is ignored)."""
        folder = folder.absolute()
        specs: list[tuple[str, _Spec]] = []
        if self.root is not None and inside(folder, (self.root,)):
            specs += self._sources(folder)
        specs += [(_prefix(base), exclude) for base, exclude in self._excludes if exclude is not None]
        if not specs:
            return None

        def ignored(path: str, is_dir: bool) -> bool:
            verdict: bool | None = None
            for base, spec in specs:
                verdict = _check(spec, path, base, is_dir, verdict)
            return bool(verdict)

        return ignored


def _prefix(folder: Path) -> str:
    """The text every path below `folder` starts with."""
    text = str(folder)
    return text if text.endswith(os.sep) else text + os.sep


def _check(spec: _Spec, path: str, prefix: str, is_dir: bool, verdict: bool | None) -> bool | None:
    """The verdict after `spec` (anchored at the folder whose `_prefix` is given) has judged
    `path` (an absolute text)."""
    if not path.startswith(prefix):
        return verdict  # the folder itself, or outside it
    rel = path[len(prefix):]
    if os.sep != "/":
        rel = rel.replace(os.sep, "/")
    res = spec.check(rel + "/" if is_dir else rel)
    return verdict if res is None else res


def _read_lines(p: Path) -> list[str]:
    try:
        return p.read_text("utf-8", "replace").splitlines()
    except OSError:
        return []


# ---- reporting paths relative to the repository ----

@dataclass(frozen=True)
class RepoPaths:
    """Finding paths are relative to the run's base (the working directory); SARIF, GitHub
    annotations and baselines need them relative to the repository root (`--root`, else the git
    top level), whatever folder was scanned and wherever the command ran."""

    base: Path
    root: Path

    def rel(self, path: str) -> str | None:
        """POSIX path relative to the root; None when the file lies outside it."""
        return relative_posix(self._full(path), self.root)

    def rel_or_abs(self, path: str) -> str:
        rel = self.rel(path)
        return rel if rel is not None else Path(self._full(path)).as_posix()

    def _full(self, path: str) -> str:
        """The absolute, normalised path of a finding's path (relative to the base)."""
        return os.path.normpath(path if os.path.isabs(path) else os.path.join(self.base, path))


def resolve_root(paths: Iterable[str | Path], explicit: Path | None = None) -> Path:
    """`--root`, else the git top level above the scanned paths, else the working directory."""
    if explicit is not None:
        return explicit.resolve()
    return find_repo_root(common_start(paths)) or Path.cwd().resolve()
