"""Load, validate and index the policy catalog and the profiles.

Policies are YAML files `policies/<family>/TLnnn-name.yaml`, validated against
`policies/schema.json` before anything runs. A bad policy file stops the run with exit 2 and a
one-sentence error naming the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from .. import yamlio
from ..data import load_yaml
from ..findings import Severity

FAMILY_DIRS = {
    "0": "meta", "1": "plaintext", "2": "protocol", "3": "verification", "4": "hardening",
    "5": "internal", "6": "exposure", "9": "user",
}


class PolicyError(Exception):
    """A policy or profile file is invalid; the message names the file and the problem."""


@dataclass(frozen=True)
class Policy:
    id: str
    name: str
    title: str
    severity: Severity
    status: str
    since: str
    standards: dict[str, list[str]]
    kinds: tuple[str, ...]
    formats: tuple[str, ...] | None
    profiles: tuple[str, ...] | None
    when: Any
    require: Any
    location: str | None
    message: str
    rationale: str
    remediation: str
    references: tuple[str, ...]
    examples: tuple[dict[str, str], ...]
    precision: str
    source: str  # file the policy came from (for errors and docs)

    @property
    def family(self) -> str:
        return FAMILY_DIRS.get(self.id[2], "user")

    @property
    def help_uri(self) -> str:
        return f"https://transit-lint.dev/policies/{self.id}/"


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    params: dict[str, Any]
    standards: tuple[str, ...]
    description: str = ""


@dataclass
class Catalog:
    policies: dict[str, Policy] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)

    def enabled(self, profile: str, select: list[str] | None, ignore: list[str] | None) -> list[Policy]:
        """Policies the run applies: in the profile, selected (id or prefix), not ignored."""
        out = []
        for p in sorted(self.policies.values(), key=lambda p: p.id):
            if p.profiles is not None and profile not in p.profiles:
                continue
            if p.status == "deprecated":
                continue
            if select and not any(p.id.startswith(s) or p.name == s for s in select):
                continue
            if ignore and any(p.id.startswith(s) or p.name == s for s in ignore):
                continue
            out.append(p)
        return out


def policy_root() -> Path:
    return Path(str(resources.files("transit_lint") / "policies"))


@cache
def _schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((policy_root() / "schema.json").read_text("utf-8"))
    return data


def validate_policy(raw: Any, source: str) -> None:
    import jsonschema

    try:
        jsonschema.Draft7Validator(_schema()).validate(raw)
    except jsonschema.ValidationError as e:
        where = "/".join(str(p) for p in e.absolute_path) or "(top level)"
        raise PolicyError(f"{source}: {where}: {e.message}") from None


def parse_policy(raw: Any, source: str, validated: bool = False) -> Policy:
    if not validated:
        validate_policy(raw, source)
    cond = raw.get("condition") or {}
    applies = raw["applies_to"]
    return Policy(
        id=raw["id"],
        name=raw["name"],
        title=raw["title"],
        severity=Severity.parse(raw["severity"]),
        status=raw.get("status", "stable"),
        since=str(raw.get("since", "0.1.0")),
        standards={k: [str(x) for x in v] for k, v in raw["standards"].items()},
        kinds=tuple(applies["kinds"]),
        formats=tuple(applies["formats"]) if applies.get("formats") else None,
        profiles=tuple(raw["profiles"]) if raw.get("profiles") else None,
        when=cond.get("when"),
        require=cond.get("require"),
        location=raw.get("location"),
        message=raw["message"],
        rationale=raw["rationale"].strip(),
        remediation=raw["remediation"].strip(),
        references=tuple(raw.get("references", [])),
        examples=tuple(raw.get("examples", [])),
        precision=raw.get("precision", "high"),
        source=source,
    )


def load_policy_file(path: Path, validated: bool = False) -> Policy:
    try:
        raw = yamlio.load_file(path)
    except (OSError, yamlio.YamlError) as e:
        raise PolicyError(f"{path}: cannot read policy: {e}") from None
    if not isinstance(raw, dict):
        raise PolicyError(f"{path}: a policy file must be a mapping")
    pol = parse_policy(raw, str(path), validated)
    expected = f"{pol.id}-{pol.name}.yaml"
    if path.name != expected:
        raise PolicyError(f"{path}: file name must be {expected}")
    return pol


def load_profiles() -> dict[str, Profile]:
    raw = load_yaml("profiles.yaml")
    out: dict[str, Profile] = {}

    def build(name: str, seen: tuple[str, ...] = ()) -> Profile:
        if name in out:
            return out[name]
        if name not in raw or name in seen:
            raise PolicyError(f"profiles.yaml: unknown or cyclic profile {name!r}")
        spec = raw[name]
        params: dict[str, Any] = {}
        if spec.get("extends"):
            params.update(build(spec["extends"], (*seen, name)).params)
        params.update(spec.get("params") or {})
        prof = Profile(name, spec.get("title", name), params, tuple(spec.get("standards") or ()),
                       spec.get("description", "").strip())
        out[name] = prof
        return prof

    for name in raw:
        build(name)
    return out


LOCK = "catalog.lock"


def builtin_digest() -> str:
    """Digest of the shipped policy files and their schema."""
    import hashlib

    h = hashlib.sha256()
    root = policy_root()
    for path in [root / "schema.json", *sorted(root.glob("*/TL[0-9][0-9][0-9]-*.yaml"))]:
        h.update(path.relative_to(root).as_posix().encode() + b"\x1f" + path.read_bytes() + b"\x1e")
    return h.hexdigest()


def _builtin_validated() -> bool:
    """The shipped policies are validated against the schema when `catalog.lock` is written
    (`python -m transit_lint.policy.loader --lock`, checked fresh by the test suite); a run then
    skips the jsonschema import and validation (~110 ms, a third of a pre-commit run), unless a
    policy file or the schema changed since."""
    try:
        return (policy_root() / LOCK).read_text("utf-8").strip() == builtin_digest()
    except OSError:
        return False


def write_lock() -> str:
    """Validate every shipped policy, then record their digest."""
    root = policy_root()
    for path in sorted(root.glob("*/TL[0-9][0-9][0-9]-*.yaml")):
        load_policy_file(path)
    digest = builtin_digest()
    (root / LOCK).write_text(digest + "\n", encoding="utf-8")
    return digest


@cache
def load_catalog(extra_dirs: tuple[str, ...] = ()) -> Catalog:
    cat = Catalog(profiles=load_profiles())
    dirs = [policy_root()] + [Path(d) for d in extra_dirs]
    trusted = _builtin_validated()
    for d in dirs:
        for path in sorted(d.glob("*/TL[0-9][0-9][0-9]-*.yaml")):
            pol = load_policy_file(path, validated=trusted and d == policy_root())
            if pol.id in cat.policies:
                raise PolicyError(f"{path}: duplicate policy id {pol.id} (also in {cat.policies[pol.id].source})")
            if any(p.name == pol.name for p in cat.policies.values()):
                raise PolicyError(f"{path}: duplicate policy name {pol.name}")
            if path.parent.name != pol.family and d == policy_root():
                raise PolicyError(f"{path}: {pol.id} belongs in {pol.family}/")
            for prof in pol.profiles or ():
                if prof not in cat.profiles:
                    raise PolicyError(f"{path}: unknown profile {prof!r}")
            cat.policies[pol.id] = pol
    return cat


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--lock"]:
        print(f"validated; wrote {policy_root() / LOCK}: {write_lock()}")
        print(f"wrote {yamlio.BUNDLE}: {yamlio.write_bundle()} YAML files as JSON")
    elif sys.argv[1:] == ["--check"]:
        fresh = _builtin_validated() and not yamlio.stale_bundle_entries()
        print("catalog.lock and the YAML bundle are fresh" if fresh
              else "catalog.lock or the YAML bundle is stale: run python -m transit_lint.policy.loader --lock")
        sys.exit(0 if fresh else 1)
    else:
        print("usage: python -m transit_lint.policy.loader --lock | --check")
        sys.exit(2)
