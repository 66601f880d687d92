"""Rules about the policies themselves (semgrep's "lint the rules")."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from transit_lint.engine import RunOptions, run
from transit_lint.model import KINDS
from transit_lint.policy.evaluate import placeholders
from transit_lint.policy.loader import FAMILY_DIRS, load_catalog, policy_root
from transit_lint.standards import unknown_ids
from transit_lint.testing import read_markers

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CATALOG = load_catalog()
POLICIES = sorted(CATALOG.policies.values(), key=lambda p: p.id)
RULES = [p for p in POLICIES if "meta" not in p.kinds]
EXT = {"terraform": ".tf", "cloudformation": ".cfn.yaml", "kubernetes": ".k8s.yaml", "nginx": ".nginx.conf"}


def test_catalog_loads_and_ids_are_unique() -> None:
    ids = [p.id for p in POLICIES]
    assert len(ids) == len(set(ids))
    assert {"TL000", "TL001", "TL002"} <= set(ids)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.id)
def test_file_name_and_family(policy) -> None:  # type: ignore[no-untyped-def]
    path = Path(policy.source)
    assert path.name == f"{policy.id}-{policy.name}.yaml"
    assert path.parent.name == FAMILY_DIRS[policy.id[2]]
    assert path.parent.parent == policy_root()


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.id)
def test_standards_ids_are_known(policy) -> None:  # type: ignore[no-untyped-def]
    assert unknown_ids(policy.standards) == []
    assert policy.standards.get("cwe")


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.id)
def test_message_is_one_sentence_with_known_placeholders(policy) -> None:  # type: ignore[no-untyped-def]
    assert not policy.message.rstrip().endswith("."), "messages are one sentence without a final period"
    assert ". " not in policy.message
    for ph in placeholders(policy.message):
        assert ph in ("id", "native_type", "detail") or ph.startswith("param.") or "." in ph or ph.isidentifier()
        if ph.startswith("param."):
            assert ph[6:] in CATALOG.profiles["baseline"].params


@pytest.mark.parametrize("policy", RULES, ids=lambda p: p.id)
def test_kinds_exist(policy) -> None:  # type: ignore[no-untyped-def]
    assert set(policy.kinds) <= set(KINDS)


@pytest.mark.parametrize("policy", RULES, ids=lambda p: p.id)
def test_fixture_folder_pairs(policy) -> None:  # type: ignore[no-untyped-def]
    d = FIXTURES / policy.id
    assert d.is_dir(), f"{policy.id} has no fixtures/{policy.id}/"
    entries = [p.name for p in d.iterdir()]
    assert any(n.startswith("bad") for n in entries), "needs a bad* fixture"
    assert any(n.startswith("good") for n in entries), "needs a good* fixture"
    for bad in d.glob("bad*"):
        files = [bad] if bad.is_file() else [p for p in bad.rglob("*") if p.is_file()]
        marks = [read_markers(f.read_text(), f.name) for f in files]
        assert any(m.expect or m.todo for m in marks), f"{bad.name} has no expect marker"


def test_no_orphan_fixture_folders() -> None:
    for d in FIXTURES.glob("TL[0-9][0-9][0-9]"):
        assert d.name in CATALOG.policies, f"fixtures/{d.name} has no policy"


@pytest.mark.parametrize("policy", RULES, ids=lambda p: p.id)
def test_has_examples(policy) -> None:  # type: ignore[no-untyped-def]
    assert policy.examples, "every rule documents at least one bad/good example"


def _example_cases() -> list[tuple[str, int, str]]:
    return [(p.id, i, kind) for p in RULES for i, _ in enumerate(p.examples) for kind in ("bad", "good")]


@pytest.mark.parametrize(("rid", "index", "which"), _example_cases())
def test_examples_execute(rid: str, index: int, which: str) -> None:
    """Documentation cannot show an example that does not work."""
    policy = CATALOG.policies[rid]
    ex = policy.examples[index]
    tmp = Path(tempfile.mkdtemp(prefix="tl-example-"))
    try:
        (tmp / f"example{EXT[ex['format']]}").write_text(ex[which])
        profile = read_markers(ex[which], "example").profile or "baseline"
        result = run(RunOptions(paths=[str(tmp)], select=[rid], base=tmp, profile=profile))
        hits = [f for f in result.findings if f.rule_id == rid]
        assert not result.errors, [e.message for e in result.errors]
        if which == "bad":
            assert hits, f"{rid} example {index} bad produced no finding"
        else:
            assert not hits, f"{rid} example {index} good produced {[h.message for h in hits]}"
    finally:
        shutil.rmtree(tmp)


@pytest.mark.parametrize("policy", RULES, ids=lambda p: p.id)
def test_profiles_named_exist(policy) -> None:  # type: ignore[no-untyped-def]
    for prof in policy.profiles or ():
        assert prof in CATALOG.profiles


def test_catalog_lock_is_fresh() -> None:
    """The shipped policies were validated when catalog.lock was written; runs trust it."""
    from transit_lint.policy.loader import _builtin_validated

    assert _builtin_validated(), "run `python -m transit_lint.policy.loader --lock` after editing policies"


def test_a_policy_edit_without_relocking_is_validated_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from transit_lint.policy import loader

    root = tmp_path / "policies"
    shutil.copytree(policy_root(), root)
    monkeypatch.setattr(loader, "policy_root", lambda: root)
    assert loader._builtin_validated()
    bad = root / "plaintext" / "TL101-plaintext-listener.yaml"
    bad.write_text(bad.read_text().replace("severity: high", "severity: severe"))
    assert not loader._builtin_validated()
    loader.load_catalog.cache_clear()
    try:
        with pytest.raises(loader.PolicyError, match="severity"):
            loader.load_catalog()
    finally:
        loader.load_catalog.cache_clear()
