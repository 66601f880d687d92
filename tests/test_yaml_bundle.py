"""The JSON bundle of the package's own YAML: fresh, faithful, and never trusted for edited text."""

from __future__ import annotations

from pathlib import Path

import pytest

from transit_lint import yamlio


def packaged() -> list[Path]:
    return [p for pattern in yamlio.BUNDLED for p in sorted(yamlio.PACKAGE.glob(pattern))]


def test_bundle_is_fresh() -> None:
    assert yamlio.stale_bundle_entries() == [], "run `python -m transit_lint.policy.loader --lock`"


@pytest.mark.parametrize("path", packaged(), ids=lambda p: p.name)
def test_bundle_gives_what_yaml_gives(path: Path) -> None:
    want = yamlio.load(path.read_text("utf-8"))
    got = yamlio.load_file(path)
    assert yamlio._same(got, want)


def test_mappings_with_other_keys_come_back_with_their_keys() -> None:
    got = yamlio.load_file(yamlio.PACKAGE / "normalize" / "tables" / "nginx_core.yaml")
    assert True in got["nginx:server"]["attrs"]["protocol"]["map"]


def test_each_call_gets_its_own_copy() -> None:
    path = yamlio.PACKAGE / "data" / "profiles.yaml"
    first = yamlio.load_file(path)
    first.clear()
    assert yamlio.load_file(path)


def test_edited_text_is_read_as_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bundle entry whose digest does not match the file's text is not used."""
    copy = tmp_path / "pkg"
    (copy / "data").mkdir(parents=True)
    target = copy / "data" / "profiles.yaml"
    target.write_text("baseline: {title: edited}\n", encoding="utf-8")
    monkeypatch.setattr(yamlio, "PACKAGE", copy.resolve())
    monkeypatch.setattr(yamlio, "_bundle", lambda: {"data/profiles.yaml": ("0" * 32, '{"baseline": {}}', False)})
    assert yamlio.load_file(target) == {"baseline": {"title": "edited"}}


def test_files_outside_the_package_are_read_as_yaml(tmp_path: Path) -> None:
    user = tmp_path / "TL900-mine.yaml"
    user.write_text("id: TL900\n", encoding="utf-8")
    assert yamlio.load_file(user) == {"id": "TL900"}


def test_a_bundle_of_another_shape_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tmp_path / "yaml_bundle.json"
    bundle.write_text('{"data/profiles.yaml": ["only", "two"]}', encoding="utf-8")
    monkeypatch.setattr(yamlio, "BUNDLE", bundle)
    yamlio._bundle.cache_clear()
    try:
        assert yamlio._bundle() == {}
        path = yamlio.PACKAGE / "data" / "profiles.yaml"
        assert yamlio.load_file(path) == yamlio.load(path.read_text("utf-8"))
    finally:
        yamlio._bundle.cache_clear()


def test_a_damaged_entry_is_read_as_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    path = yamlio.PACKAGE / "data" / "profiles.yaml"
    text = path.read_text("utf-8")
    monkeypatch.setattr(yamlio, "_bundle", lambda: {"data/profiles.yaml": (yamlio._digest(text), '{"cut', False)})
    assert yamlio.load_file(path) == yamlio.load(text)
