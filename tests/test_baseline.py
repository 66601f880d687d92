"""Baselines: --write-baseline records today's findings, --baseline reports only new ones, and a
recorded finding stays recorded when lines are added above it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

LISTENER = ('resource "aws_lb_listener" "{name}" {{\n  port     = 80\n  protocol = "HTTP"\n'
            '  default_action {{\n    type = "forward"\n  }}\n}}\n')


def listener(name: str) -> str:
    return LISTENER.format(name=name)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "transit_lint", "--no-cache", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def findings(p: subprocess.CompletedProcess[str]) -> list[tuple[str, str, int]]:
    doc = json.loads(p.stdout)
    return [(f["rule_id"], f["location"]["path"], f["location"]["start_line"]) for f in doc["findings"]]


def test_old_finding_stays_baselined_when_lines_move_and_a_new_one_is_reported(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    main = tmp_path / "main.tf"
    main.write_text(listener("old"))
    w = cli(".", "--write-baseline", "baseline.json", cwd=tmp_path)
    assert w.returncode == 0, w.stderr
    assert "wrote 1 finding(s)" in w.stderr
    recorded = json.loads((tmp_path / "baseline.json").read_text())
    assert recorded["version"] == 1 and recorded["key"] == "transitLint/v1"
    (entry,) = recorded["findings"]
    assert entry["rule_id"] == "TL101" and entry["path"] == "main.tf" and entry["resource"] == "aws_lb_listener.old"
    assert "line" not in json.dumps(recorded), "no line numbers in the baseline"

    assert cli(".", "--baseline", "baseline.json", cwd=tmp_path).returncode == 0

    # the fixture is edited: lines above the old finding, and a new plaintext listener
    main.write_text("# moved down by a comment\n\n" + listener("new") + "\n" + listener("old"))
    p = cli(".", "--baseline", "baseline.json", "--format", "json", cwd=tmp_path)
    assert p.returncode == 1
    assert findings(p) == [("TL101", "main.tf", 5)], "only the new listener is reported"
    full = cli(".", "--format", "json", cwd=tmp_path)
    assert sorted(findings(full)) == [("TL101", "main.tf", 5), ("TL101", "main.tf", 13)]
    t = cli(".", "--baseline", "baseline.json", cwd=tmp_path)
    assert "baseline baseline.json: 1 known finding(s) not reported" in t.stdout


def test_fixed_findings_leave_stale_entries_and_fingerprints_are_per_repository(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    sub = tmp_path / "infra"
    sub.mkdir()
    (sub / "main.tf").write_text(listener("a") + listener("b"))
    assert cli("infra", "--write-baseline", "b.json", cwd=tmp_path).returncode == 0
    # the same baseline matches when run from the subfolder (paths are repository-relative)
    p = cli(".", "--baseline", str(tmp_path / "b.json"), cwd=sub)
    assert p.returncode == 0, p.stdout
    (sub / "main.tf").write_text(listener("a"))
    p = cli(".", "--baseline", str(tmp_path / "b.json"), "--format", "sarif", cwd=sub)
    assert p.returncode == 0
    doc = json.loads(p.stdout)
    assert doc["runs"][0]["results"] == []
    assert doc["runs"][0]["properties"]["baseline"] == {"matched": 1, "stale": 1}


def test_same_rule_on_another_file_is_new(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "main.tf").write_text(listener("this"))
    assert cli(".", "--write-baseline", "b.json", cwd=tmp_path).returncode == 0
    (tmp_path / "b" / "main.tf").write_text(listener("this"))
    p = cli(".", "--baseline", "b.json", "--format", "json", cwd=tmp_path)
    assert findings(p) == [("TL101", "b/main.tf", 3)], "same resource address elsewhere is not absorbed"


def test_suppressed_findings_and_parse_errors_are_not_baselined(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(listener("x").replace(
        "  protocol", "  # transit-lint: ignore[TL101] internal\n  protocol"))
    (tmp_path / "broken.tf").write_text('resource "x" "y" {\n  a = \n')
    w = cli(".", "--write-baseline", "b.json", cwd=tmp_path)
    assert w.returncode == 2, "a parse error still fails the run"
    assert json.loads((tmp_path / "b.json").read_text())["findings"] == []
    assert cli(".", "--baseline", "b.json", cwd=tmp_path).returncode == 2


def test_bad_baseline_files_are_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(listener("x"))
    p = cli(".", "--baseline", "missing.json", cwd=tmp_path)
    assert p.returncode == 2 and "cannot read baseline" in p.stderr
    (tmp_path / "bad.json").write_text('{"findings": 3}')
    p = cli(".", "--baseline", "bad.json", cwd=tmp_path)
    assert p.returncode == 2 and "not a transit-lint baseline" in p.stderr
    p = cli(".", "--baseline", "bad.json", "--write-baseline", "x.json", cwd=tmp_path)
    assert p.returncode == 2


def test_baseline_from_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(listener("x"))
    assert cli(".", "--write-baseline", ".transit-lint-baseline.json", cwd=tmp_path).returncode == 0
    (tmp_path / ".transit-lint.yaml").write_text("baseline: .transit-lint-baseline.json\n")
    assert cli(".", cwd=tmp_path).returncode == 0
