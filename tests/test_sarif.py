"""SARIF output: every SARIF this file produces is validated against the OASIS schema (Draft 4)
and against GitHub's checklist (research-notes/integration.md §2.7)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from transit_lint.cli import Report, plan_reports
from transit_lint.config import RepoPaths
from transit_lint.engine import RunOptions, run
from transit_lint.policy.loader import load_catalog
from transit_lint.report import sarif

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT.parent / "shared" / "standards" / "sarif-schema-2.1.0.json"
FIXTURES = ROOT / "fixtures"

BAD = ('resource "aws_lb_listener" "l" {\n  port     = 80\n  protocol = "HTTP"\n'
       '  default_action {\n    type = "forward"\n  }\n}\n')
WEAK = ('resource "aws_lb_listener" "s" {\n  port       = 443\n  protocol   = "HTTPS"\n'
        '  ssl_policy = "ELBSecurityPolicy-2016-08"\n  default_action {\n    type = "forward"\n  }\n}\n')
BROKEN = 'resource "x" "y" {\n  a = \n'


def cli(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "transit_lint", "--no-cache", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, input=stdin)


@cache
def _validator() -> Any:
    import jsonschema

    return jsonschema.Draft4Validator(json.loads(SCHEMA.read_text("utf-8")))


def check_sarif(text: str, root: Path) -> dict[str, Any]:
    """Schema + GitHub checklist; returns the parsed log."""
    doc: dict[str, Any] = json.loads(text)
    if SCHEMA.is_file():
        errors = sorted(_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
        assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10])
    assert doc["version"] == "2.1.0" and doc["$schema"]
    assert len(gzip.compress(text.encode())) <= 10_000_000
    assert 1 <= len(doc["runs"]) <= 20
    for run_ in doc["runs"]:
        driver = run_["tool"]["driver"]
        assert driver["name"] == "transit-lint"
        rules = driver["rules"]
        ids = [r["id"] for r in rules]
        assert ids == sorted(ids) and len(ids) == len(set(ids)), "rules unique and sorted by id"
        for r in rules:
            assert 0 < len(r["shortDescription"]["text"]) <= 1024
            assert 0 < len(r["fullDescription"]["text"]) <= 1024
            assert r["help"]["text"] and r["help"]["markdown"] and r["helpUri"].startswith("https://")
            assert 0 < len(r["name"]) <= 255
            tags = r["properties"]["tags"]
            assert "security" in tags and len(tags) == len(set(tags)) and len(tags) <= 20
            sev = r["properties"]["security-severity"]
            assert isinstance(sev, str) and 0.0 < float(sev) <= 10.0
            assert r["properties"]["precision"] in ("very-high", "high", "medium", "low")
        results = run_["results"]
        assert isinstance(results, list) and len(results) <= 25_000
        fps = []
        for res in results:
            assert res["message"]["text"]
            assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
            (loc,) = res["locations"]
            phys = loc["physicalLocation"]
            uri = phys["artifactLocation"]["uri"]
            assert uri and ":" not in uri.split("/")[0] and not uri.startswith("/")
            assert ".." not in uri.split("/") and "\\" not in uri
            assert (root / uri).is_file(), f"{uri} is not a file under {root}"
            region = phys["region"]
            assert region["startLine"] >= 1 and {"startColumn", "endLine", "endColumn"} <= set(region)
            assert "primaryLocationLineHash" not in res["partialFingerprints"]
            fps.append(res["partialFingerprints"]["transitLint/v1"])
        assert len(fps) == len(set(fps)), "fingerprints unique per result"
        has_supp = {("suppressions" in r) for r in results}
        assert len(has_supp) <= 1, "suppressions all-absent or all-present"
        if "automationDetails" in run_:
            assert "/" in run_["automationDetails"]["id"]
        inv = run_["invocations"][0]
        assert inv["executionSuccessful"] is True
        for n in inv["toolExecutionNotifications"]:
            assert n["level"] in ("error", "note") and n["message"]["text"]
            if n["level"] == "error":
                assert n["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
    return doc


def test_schema_file_present_or_skip() -> None:
    if not SCHEMA.is_file():
        pytest.skip(f"{SCHEMA} is absent: SARIF is checked against the GitHub checklist only")
    assert "draft-04" in json.loads(SCHEMA.read_text("utf-8"))["$schema"]


def test_examples_sarif_passes_schema_and_checklist_and_is_deterministic() -> None:
    p1 = cli("examples", "--format", "sarif", cwd=ROOT)
    p2 = cli("./examples", "--format", "sarif", cwd=ROOT)
    assert p1.returncode == 1, p1.stderr
    assert p1.stdout == p2.stdout, "byte-identical across runs"
    doc = check_sarif(p1.stdout, ROOT)
    run_ = doc["runs"][0]
    uris = sorted({r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run_["results"]})
    assert uris == ["examples/cloudformation/api.yaml", "examples/infra/main.tf",
                    "examples/infra/modules/edge/main.tf", "examples/k8s/web.yaml", "examples/nginx/site.conf"]
    enabled = [p.id for p in load_catalog().enabled("baseline", None, None)]
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]] == enabled, "the whole enabled catalog"
    assert "automationDetails" not in run_
    assert run_["properties"]["summary"]["findings"] == len(run_["results"])
    assert "elapsed_seconds" not in run_["properties"]["summary"]


def test_uris_are_relative_to_the_git_top_level_not_the_scanned_folder(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # a repository root is a folder holding .git; no git needed
    infra = tmp_path / "infra" / "lb"
    infra.mkdir(parents=True)
    (infra / "main.tf").write_text(BAD)
    p = cli(".", "--format", "sarif", cwd=infra)
    doc = check_sarif(p.stdout, tmp_path)
    (res,) = doc["runs"][0]["results"]
    assert res["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "infra/lb/main.tf",
                                                                            "uriBaseId": "SRCROOT"}
    assert res["locations"][0]["physicalLocation"]["region"] == {"startLine": 3, "startColumn": 3,
                                                                  "endLine": 3, "endColumn": 20}
    # the same finding scanned from the root has the same fingerprint
    q = cli("infra", "--format", "sarif", cwd=tmp_path)
    (res2,) = check_sarif(q.stdout, tmp_path)["runs"][0]["results"]
    assert res2["partialFingerprints"] == res["partialFingerprints"]
    # --root moves the base
    r = cli(".", "--format", "sarif", "--root", str(tmp_path / "infra"), cwd=infra)
    (res3,) = check_sarif(r.stdout, tmp_path / "infra")["runs"][0]["results"]
    assert res3["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "lb/main.tf"


def test_uri_is_percent_encoded(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    d = tmp_path / "my infra"
    d.mkdir()
    (d / "main.tf").write_text(BAD)
    doc = json.loads(cli(".", "--format", "sarif", cwd=tmp_path).stdout)
    uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "my%20infra/main.tf"


def test_parse_errors_are_notifications_not_results(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "main.tf").write_text(BAD)
    (tmp_path / "b" / "broken.tf").write_text(BROKEN)
    p = cli(".", "--format", "sarif", cwd=tmp_path)
    assert p.returncode == 2
    doc = check_sarif(p.stdout, tmp_path)
    run_ = doc["runs"][0]
    assert [r["ruleId"] for r in run_["results"]] == ["TL101"]
    (note,) = run_["invocations"][0]["toolExecutionNotifications"]
    assert note["associatedRule"]["id"] == "TL000"
    assert run_["tool"]["driver"]["rules"][note["associatedRule"]["index"]]["id"] == "TL000"
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "b/broken.tf"
    assert "b/broken.tf" in note["message"]["text"]


def test_suppressed_findings_are_left_out_unless_asked(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(
        BAD.replace("  protocol", "  # transit-lint: ignore[TL101] health checks from the VPC only\n  protocol")
        + WEAK)
    plain = check_sarif(cli(".", "--format", "sarif", cwd=tmp_path).stdout, tmp_path)
    assert sorted(r["ruleId"] for r in plain["runs"][0]["results"]) == ["TL201", "TL202"]
    assert all("suppressions" not in r for r in plain["runs"][0]["results"])
    full = check_sarif(cli(".", "--format", "sarif", "--sarif-include-suppressed", cwd=tmp_path).stdout, tmp_path)
    by_rule = {r["ruleId"]: r for r in full["runs"][0]["results"]}
    assert by_rule["TL101"]["suppressions"] == [{"kind": "inSource", "status": "accepted",
                                                 "justification": "health checks from the VPC only"}]
    assert by_rule["TL201"]["suppressions"] == []


def test_run_notes_are_note_notifications(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(BAD + 'module "remote" {\n  source = "git::https://example.com/x.git"\n}\n')
    doc = check_sarif(cli(".", "--format", "sarif", cwd=tmp_path).stdout, tmp_path)
    notes = [n for n in doc["runs"][0]["invocations"][0]["toolExecutionNotifications"] if n["level"] == "note"]
    assert notes and "remote" in notes[0]["message"]["text"]


def test_category_becomes_automation_details_with_a_slash(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(BAD)
    doc = check_sarif(cli(".", "--format", "sarif", "--sarif-category", "transit-lint/infra", cwd=tmp_path).stdout,
                      tmp_path)
    assert doc["runs"][0]["automationDetails"] == {"id": "transit-lint/infra/"}
    doc = check_sarif(cli(".", "--format", "sarif", "--sarif-category", "edge/", cwd=tmp_path).stdout, tmp_path)
    assert doc["runs"][0]["automationDetails"] == {"id": "edge/"}


def test_rule_metadata_for_code_scanning(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(BAD)
    doc = check_sarif(cli(".", "--format", "sarif", cwd=tmp_path).stdout, tmp_path)
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    r = rules["TL101"]
    assert r["name"] == "plaintext-listener"
    assert r["helpUri"] == "https://transit-lint.dev/policies/TL101/"
    assert r["defaultConfiguration"]["level"] == "error"
    assert r["properties"]["security-severity"] == "8.0" and r["properties"]["precision"] == "high"
    tags = r["properties"]["tags"]
    assert tags[:3] == ["security", "data-in-transit", "external/cwe/cwe-319"]
    assert {"terraform", "cloudformation", "kubernetes", "nginx", "external/ccc/CCC.Core.CN01.AR01"} <= set(tags)
    md = r["help"]["markdown"]
    assert "**How to fix:**" in md and "```hcl" in md and 'type = "redirect"' in md, "fix + fixed snippet"
    assert rules["TL202"]["properties"]["security-severity"] == "5.5"
    assert rules["TL202"]["defaultConfiguration"]["level"] == "warning"
    (res,) = doc["runs"][0]["results"]
    assert res["level"] == "error" and res["message"]["text"].endswith(".")
    assert res["properties"]["resource"] == "aws_lb_listener.l"


def test_select_limits_the_rules_and_severity_overrides_reach_sarif(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(BAD + WEAK)
    (tmp_path / ".transit-lint.yaml").write_text("severity:\n  TL101: medium\n")
    doc = check_sarif(cli(".", "--format", "sarif", "--select", "TL1", cwd=tmp_path).stdout, tmp_path)
    run_ = doc["runs"][0]
    assert all(r["id"].startswith("TL1") for r in run_["tool"]["driver"]["rules"])
    (rule,) = [r for r in run_["tool"]["driver"]["rules"] if r["id"] == "TL101"]
    assert rule["properties"]["security-severity"] == "5.5" and rule["defaultConfiguration"]["level"] == "warning"
    assert [(r["ruleId"], r["level"]) for r in run_["results"]] == [("TL101", "warning")]


@pytest.mark.parametrize("profile", ["baseline", "strict"])
def test_every_fixture_renders_valid_sarif(profile: str) -> None:
    result = run(RunOptions(paths=[str(FIXTURES)], profile=profile, base=ROOT))
    text = sarif.render(result, load_catalog(), sarif.SarifOptions(paths=RepoPaths(ROOT, ROOT),
                                                                   include_suppressed=True))
    doc = check_sarif(text, ROOT)
    assert doc["runs"][0]["results"], "the bad fixtures produce results"


def test_one_run_writes_text_to_stdout_and_sarif_to_a_file(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(BAD)
    p = cli(".", "--format", "text", "--format", "sarif", "--output", "-", "--output", "out.sarif", cwd=tmp_path)
    assert p.returncode == 1
    assert "main.tf:3:3  TL101  high" in p.stdout
    check_sarif((tmp_path / "out.sarif").read_text(), tmp_path)
    q = cli(".", "-f", "sarif=two.sarif", "-f", "json=two.json", "-f", "github", cwd=tmp_path)
    assert q.returncode == 1 and q.stdout.startswith("::error file=main.tf,line=3")
    check_sarif((tmp_path / "two.sarif").read_text(), tmp_path)
    assert json.loads((tmp_path / "two.json").read_text())["findings"][0]["rule_id"] == "TL101"


def test_report_plans() -> None:
    assert plan_reports(None, None) == [Report("text", "-")]
    assert plan_reports(["sarif"], ["x.sarif"]) == [Report("sarif", "x.sarif")]
    assert plan_reports(["text", "sarif"], ["-", "o.sarif"]) == [Report("text", "-"), Report("sarif", "o.sarif")]
    assert plan_reports(["text", "sarif=o.sarif"], None) == [Report("text", "-"), Report("sarif", "o.sarif")]
    assert plan_reports(["github", "sarif=o.sarif", "json"], ["-", "j.json"]) == [
        Report("github", "-"), Report("sarif", "o.sarif"), Report("json", "j.json")]
    for formats, outputs in ([["text", "sarif"], None], [["text", "sarif"], ["a"]], [["xml"], None],
                             [["github", "sarif=o", "json"], ["j.json"]], [["sarif=o"], ["p"]],
                             [["text", "json"], ["-", "-"]], [["sarif=a", "json=a"], None], [["sarif="], None]):
        with pytest.raises(ValueError):
            plan_reports(formats, outputs)


def test_report_plan_usage_errors_exit_2(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(BAD)
    p = cli(".", "--format", "text", "--format", "sarif", cwd=tmp_path)
    assert p.returncode == 2 and "--output per --format" in p.stderr
