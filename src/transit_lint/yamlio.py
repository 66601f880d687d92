"""Plain YAML reading for the package's own data and users' config files: libyaml's loader when
PyYAML was built with it (the pure-Python one is ~10x slower: 0.15 s for the registry-module
table, half the pre-commit budget).

The package's own YAML (policies, mapping tables, profiles, module interfaces) is also kept as
JSON in one generated bundle, `data/yaml_bundle.json`: PyYAML's constructor is Python even with
libyaml, and json's decoder is C (measured: 47 ms against 2 ms for the 60 files, paid by every
process of a run). A file is read from the bundle only when the bundle holds the digest of its
current text; an edited file is read as YAML until the bundle is written again
(`python -m transit_lint.policy.loader --lock`, kept fresh by the test suite).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent
BUNDLE = PACKAGE / "data" / "yaml_bundle.json"
# the package's own YAML files that a run reads
BUNDLED = ("policies/*/*.yaml", "normalize/tables/*.yaml", "data/*.yaml")


class YamlError(ValueError):
    """A text that is not YAML (PyYAML's error, by its message)."""


def loader() -> Any:
    """libyaml's safe loader when PyYAML has it (also the span loader's event source). PyYAML is
    imported here, at the first YAML read: a run whose main process reads the package's data
    from the bundle never imports it there (~15 ms before discovery starts)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str) -> Any:
    """Like `yaml.safe_load`, faster; YamlError for a text that is not YAML."""
    import yaml

    try:
        return yaml.load(text, Loader=loader())
    except yaml.YAMLError as e:
        raise YamlError(str(e)) from None


def load_file(path: Path) -> Any:
    """A YAML file; one of this package's own from the bundle when the bundle is current for it."""
    text = path.read_text("utf-8")
    key = _key(path)
    entry = _bundle().get(key) if key is not None else None
    if entry is not None and entry[0] == _digest(text):
        try:
            # a fresh copy on every call: callers may change what they get
            return json.loads(entry[1], object_hook=_keyed if entry[2] else None)
        except (TypeError, ValueError):
            pass  # a damaged entry: the YAML is the source
    return load(text)


def write_bundle() -> int:
    """Write the bundle of every packaged YAML file whose data survives JSON unchanged (a file
    with dates would not; it is simply read as YAML). Returns the count."""
    entries: dict[str, tuple[str, str, bool]] = {}
    for pattern in BUNDLED:
        for path in sorted(PACKAGE.glob(pattern)):
            text = path.read_text("utf-8")
            data = load(text)
            keyed = _has_other_keys(data)
            as_json = json.dumps(_tagged(data) if keyed else data, separators=(",", ":"))
            if _same(json.loads(as_json, object_hook=_keyed if keyed else None), data):
                entries[str(_key(path))] = (_digest(text), as_json, keyed)
    BUNDLE.write_text(json.dumps(entries, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    _bundle.cache_clear()
    return len(entries)


def stale_bundle_entries() -> list[str]:
    """Packaged YAML files that the bundle does not hold as they are now."""
    stale = []
    for pattern in BUNDLED:
        for path in sorted(PACKAGE.glob(pattern)):
            key = _key(path)
            entry = _bundle().get(key) if key is not None else None
            if entry is None or entry[0] != _digest(path.read_text("utf-8")):
                stale.append(str(key))
    return stale


# JSON keys are strings; a mapping with other keys (`map: {true: https}` in a table) is written
# as {PAIRS: [[key, value], ...]} and rebuilt on reading
PAIRS = "\u0000pairs"


def _has_other_keys(data: Any) -> bool:
    if isinstance(data, dict):
        return any(not isinstance(k, str) or _has_other_keys(v) for k, v in data.items())
    return isinstance(data, list) and any(_has_other_keys(x) for x in data)


def _tagged(data: Any) -> Any:
    if isinstance(data, dict):
        if all(isinstance(k, str) for k in data):
            return {k: _tagged(v) for k, v in data.items()}
        return {PAIRS: [[k, _tagged(v)] for k, v in data.items()]}
    return [_tagged(x) for x in data] if isinstance(data, list) else data


def _keyed(obj: dict[str, Any]) -> Any:
    pairs = obj.get(PAIRS)
    return obj if pairs is None or len(obj) != 1 else {k: v for k, v in pairs}


@cache
def _bundle() -> dict[str, tuple[str, str, bool]]:
    """The bundle's entries: path -> (digest of the YAML text, its data as JSON, tagged keys)."""
    try:
        data = json.loads(BUNDLE.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    # an entry of another shape (a bundle from another version) is ignored: the file reads as YAML
    return {k: (v[0], v[1], v[2]) for k, v in data.items() if isinstance(v, list) and len(v) == 3}


def _key(path: Path) -> str | None:
    """The path relative to the package (None outside it: users' policies and config)."""
    try:
        return path.resolve().relative_to(PACKAGE).as_posix()
    except ValueError:
        return None


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (1 == 1.0 == True for ==)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)
