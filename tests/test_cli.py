"""The CLI as a user runs it: exit codes, formats, selection, listing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BAD = ('resource "aws_lb_listener" "l" {\n  port     = 80\n  protocol = "HTTP"\n  default_action {\n'
       '    type = "forward"\n  }\n}\n')
GOOD = ('resource "aws_lb_listener" "l" {\n  port     = 80\n  protocol = "HTTP"\n  default_action {\n'
        '    type = "redirect"\n    redirect {\n      protocol = "HTTPS"\n    }\n  }\n}\n')


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "transit_lint", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_exit_0_on_clean_tree(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(GOOD)
    p = cli(".", cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "0 finding(s)" in p.stdout


def test_exit_1_on_findings_with_text_report(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(BAD)
    p = cli(".", cwd=tmp_path)
    assert p.returncode == 1
    assert "main.tf:3:3  TL101  high" in p.stdout
    assert '    3 |   protocol = "HTTP"' in p.stdout


def test_fail_on_threshold(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(BAD)
    assert cli(".", "--fail-on", "critical", cwd=tmp_path).returncode == 0
    assert cli(".", "--fail-on", "high", cwd=tmp_path).returncode == 1


def test_exit_2_on_parse_error_keeps_other_files_findings(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "main.tf").write_text(BAD)
    (tmp_path / "b" / "broken.tf").write_text('resource "x" "y" {\n  a = \n')
    p = cli(".", "--format", "json", cwd=tmp_path)
    assert p.returncode == 2
    assert "Traceback" not in p.stderr
    doc = json.loads(p.stdout)
    assert [(f["rule_id"], f["location"]["path"]) for f in doc["findings"]] == [("TL101", "a/main.tf")]
    assert [(e["rule_id"], e["location"]["path"]) for e in doc["errors"]] == [("TL000", "b/broken.tf")]
    assert doc["errors"][0]["location"]["start_line"] in (2, 3)


def test_exit_2_on_usage_errors(tmp_path: Path) -> None:
    assert cli("does-not-exist", cwd=tmp_path).returncode == 2
    assert cli(".", "--format", "xml", cwd=tmp_path).returncode == 2
    assert cli(".", "--fail-on", "severe", cwd=tmp_path).returncode == 2
    assert cli(".", "--select", "TL999", cwd=tmp_path).returncode == 2
    assert cli(".", "--profile", "nope", cwd=tmp_path).returncode == 2


def test_json_contract(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(BAD)
    out = tmp_path / "r.json"
    p = cli(".", "--format", "json", "--output", str(out), cwd=tmp_path)
    assert p.returncode == 1 and p.stdout == ""
    doc = json.loads(out.read_text())
    assert doc["schema_version"] == "1"
    (f,) = doc["findings"]
    assert f["rule_id"] == "TL101" and f["severity"] == "high"
    assert f["location"] == {"path": "main.tf", "start_line": 3, "start_column": 3, "end_line": 3, "end_column": 20}
    assert f["resource"] == {"id": "aws_lb_listener.l", "kind": "endpoint", "native_type": "aws_lb_listener",
                             "start_line": 1, "end_line": 7}
    assert f["standards"]["cwe"] == ["CWE-319"]
    assert len(f["fingerprint"]) == 32 and f["suppressed"] is False
    s = doc["summary"]
    assert s["files_parsed"] == 1 and s["findings"] == 1 and s["parse_errors"] == 0


def test_select_and_ignore(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(BAD)
    assert cli(".", "--ignore", "TL101", cwd=tmp_path).returncode == 0
    assert cli(".", "--select", "TL2", cwd=tmp_path).returncode == 0
    assert cli(".", "--select", "plaintext-listener", cwd=tmp_path).returncode == 1


def test_single_file_reports_only_that_file_with_its_directory_as_context(tmp_path: Path) -> None:
    (tmp_path / "vars.tf").write_text('variable "proto" { default = "HTTP" }\n')
    (tmp_path / "other.tf").write_text(BAD.replace('"l"', '"other"'))
    (tmp_path / "main.tf").write_text(BAD.replace('"HTTP"', "var.proto"))
    p = cli("main.tf", "--format", "json", cwd=tmp_path)
    doc = json.loads(p.stdout)
    assert [(f["location"]["path"], f["location"]["start_line"]) for f in doc["findings"]] == [("main.tf", 3)]


def test_list_rules_explain_and_module_entry(tmp_path: Path) -> None:
    p = cli("--list-rules", cwd=tmp_path)
    assert p.returncode == 0 and "TL101" in p.stdout and "plaintext-listener" in p.stdout
    p = cli("--explain", "TL201", cwd=tmp_path)
    assert p.returncode == 0 and "tls-version-below-minimum" in p.stdout and "Fix:" in p.stdout
    assert cli("--explain", "TL999", cwd=tmp_path).returncode == 2
    p = cli("--list-profiles", cwd=tmp_path)
    assert p.returncode == 0 and "strict" in p.stdout and "min_tls_version=1.3" in p.stdout


def test_example_project_runs(tmp_path: Path) -> None:
    # --no-cache: a run outside the paths it lints keeps its cache beside them, in the repository
    p = cli(str(ROOT / "examples"), "--format", "json", "--no-cache", cwd=tmp_path)
    assert p.returncode == 1
    rules = sorted({f["rule_id"] for f in json.loads(p.stdout)["findings"]})
    assert rules == ["TL101", "TL103", "TL110", "TL201", "TL202", "TL301", "TL501"]
    formats = {f["location"]["path"].split("/")[-2] for f in json.loads(p.stdout)["findings"]}
    assert formats >= {"infra", "edge", "k8s", "cloudformation", "nginx"}


def test_long_source_lines_are_shown_as_a_window_with_secrets_masked() -> None:
    from transit_lint.report.text import SHOWN_WIDTH, _shown

    line = "x" * 5000 + " url=postgres://app:hunter2@db/app?sslmode=disable " + "y" * 5000
    shown = _shown(line, 5002)
    assert shown.startswith("…") and shown.endswith("…")
    assert len(shown) == SHOWN_WIDTH + 2
    assert "hunter2" not in shown and "sslmode=disable" in shown
    assert _shown("protocol = \"HTTP\"", 3) == "protocol = \"HTTP\""



def test_skipped_files_are_counted_alike_linted_and_from_the_cache(tmp_path: Path) -> None:
    """Files of no format by their name are counted, not listed (most files of a real repository):
    the count is the same in a first run and in a repeat run answered by the run cache."""
    from transit_lint.engine import RunOptions, run

    (tmp_path / "main.tf").write_text(BAD)
    (tmp_path / "terraform.tfvars").write_text('x = 1\n')  # read by its module: neither linted nor skipped
    (tmp_path / "README.md").write_text("# docs\n")
    (tmp_path / "app.go").write_text("package main\n")
    (tmp_path / "values.yaml").write_text("replicas: 2\n")  # a candidate no sniffer claims
    runs = [run(RunOptions(paths=[str(tmp_path)], base=tmp_path, cache=True)) for _ in range(2)]
    assert [(r.files_parsed, r.files_skipped, r.cached) for r in runs] == [(1, 3, False), (1, 3, True)]
    assert runs[0].skipped == [("values.yaml", "not an infrastructure file")]
    p = cli(".", "--format", "json", "--no-cache", cwd=tmp_path)
    assert (json.loads(p.stdout)["summary"]["files_skipped"], p.returncode) == (3, 1)


def test_main_called_in_process_leaves_the_collector_as_it_found_it(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI process keeps the collector off and freezes the run's objects before it exits;
    a caller that passes its own arguments gets the collector back, nothing frozen."""
    import gc

    from transit_lint.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.tf").write_text(GOOD)
    assert gc.isenabled()
    with pytest.raises(SystemExit) as done:
        main([".", "--no-cache"])
    assert (done.value.code, gc.isenabled(), gc.get_freeze_count()) == (0, True, 0)
