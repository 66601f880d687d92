"""Shards: small independent folders are packed together, and a front-end failure in a packed
shard costs only the folder that caused it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from transit_lint.engine import RunOptions, run
from transit_lint.frontends import SourceFile
from transit_lint.shards import BIN_FILES, make_shards

LISTENER = '''resource "aws_vpclattice_listener" "http" {
  name     = "http"
  protocol = "HTTP"
}
'''


def _folders(root: Path, n: int) -> list[Path]:
    out = []
    for i in range(n):
        d = root / f"m{i:02}"
        d.mkdir(parents=True)
        (d / "main.tf").write_text(LISTENER)
        out.append(d / "main.tf")
    return out


def test_independent_folders_are_packed_into_shards(tmp_path: Path) -> None:
    files = [SourceFile(p, p.name, "") for p in _folders(tmp_path, 2 * BIN_FILES + 3)]
    shards = make_shards({"terraform": files})
    assert [len(s.files) for s in shards] == [BIN_FILES, BIN_FILES, 3]
    assert all(s.groups is not None and sum(map(len, s.groups)) == len(s.files) for s in shards)
    assert [f for s in shards for f in s.files] == files


def test_same_findings_packed_or_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _folders(tmp_path, 5)
    # the same resource address in every folder: packing must not merge or link them
    packed = run(RunOptions(paths=[str(tmp_path)], base=tmp_path, jobs=1))
    monkeypatch.setattr("transit_lint.shards.BIN_FILES", 1)
    alone = run(RunOptions(paths=[str(tmp_path)], base=tmp_path, jobs=1))
    sites = {(f.rule_id, f.path, f.span.line) for f in packed.findings}
    assert sites == {("TL101", f"m{i:02}/main.tf", 3) for i in range(5)}
    assert sites == {(f.rule_id, f.path, f.span.line) for f in alone.findings}
    assert packed.edges == alone.edges == 0


def test_a_failing_folder_costs_only_its_own_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _folders(tmp_path, 4)
    from transit_lint.terraform import frontend

    real = frontend.load

    def load(files: list[SourceFile], ctx: Any) -> Any:
        if any(f.path.parent.name == "m02" for f in files):
            raise RuntimeError("boom")
        return real(files, ctx)

    monkeypatch.setattr(frontend, "load", load)
    result = run(RunOptions(paths=[str(tmp_path)], base=tmp_path, jobs=1))
    assert {(f.rule_id, f.path) for f in result.findings} == {("TL101", f"m{i:02}/main.tf") for i in (0, 1, 3)}
    assert [(e.rule_id, e.path) for e in result.errors] == [("TL001", "m02/main.tf")]
    assert "boom" in result.errors[0].message
