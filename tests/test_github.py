"""GitHub Actions annotations (`--format github`): format, levels, paths, escaping."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from transit_lint.config import RepoPaths
from transit_lint.findings import Severity, make_finding
from transit_lint.policy.loader import load_catalog
from transit_lint.report.github import annotation, escape_data, escape_property
from transit_lint.spans import Span

BAD = ('resource "aws_lb_listener" "l" {\n  port     = 80\n  protocol = "HTTP"\n'
       '  default_action {\n    type = "forward"\n  }\n}\n')
WEAK = ('resource "aws_lb_listener" "s" {\n  port       = 443\n  protocol   = "HTTPS"\n'
        '  ssl_policy = "ELBSecurityPolicy-TLS13-1-2-2021-06"\n  default_action {\n    type = "forward"\n  }\n}\n')
LINE = re.compile(r"^::(error|warning|notice) (?P<props>[^:]*)::(?P<msg>.*)$")


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "transit_lint", "--no-cache", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def props(line: str) -> tuple[str, dict[str, str], str]:
    m = LINE.match(line)
    assert m, line
    fields = dict(kv.split("=", 1) for kv in m.group("props").split(","))
    return m.group(1), fields, m.group("msg")


def test_escaping_follows_actions_toolkit() -> None:
    assert escape_data("100% sure\r\nnext") == "100%25 sure%0D%0Anext"
    assert escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    assert escape_data("a:b,c") == "a:b,c", "message data keeps : and ,"


def test_annotation_escapes_properties_and_message() -> None:
    f = make_finding(rule_id="TL101", rule_name="plaintext-listener", severity=Severity.HIGH,
                     message="50% of traffic: plaintext,\nsee below", path="dir,odd/a:b.tf", span=Span(3, 5, 3, 12))
    line = annotation(f, RepoPaths(Path("/r"), Path("/r")), load_catalog())
    assert line.startswith("::error file=dir%2Codd/a%3Ab.tf,line=3,col=5,endLine=3,endColumn=12,"
                           "title=TL101 plaintext-listener (high)::50%25 of traffic: plaintext,%0Asee below%0Afix: ")
    assert "\n" not in line and "\r" not in line


def test_cli_annotations_levels_and_repo_relative_paths(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    sub = tmp_path / "infra"
    sub.mkdir()
    (sub / "main.tf").write_text(BAD + WEAK.replace("TLS13-1-2-2021-06", "2016-08"))
    (sub / "broken.tf.d").mkdir()
    (sub / "broken.tf.d" / "x.tf").write_text('resource "x" "y" {\n  a = \n')
    p = cli(".", "--format", "github", cwd=sub)
    assert p.returncode == 2
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("::")]
    parsed = [props(ln) for ln in lines]
    got = sorted((lvl, f["file"], f["line"], f["title"].split()[0]) for lvl, f, _ in parsed)
    assert ("error", "infra/main.tf", "3", "TL101") in got
    assert ("error", "infra/main.tf", "11", "TL201") in got
    assert ("warning", "infra/main.tf", "11", "TL202") in got
    assert any(lvl == "error" and title == "TL000" and file == "infra/broken.tf.d/x.tf"
               for lvl, file, _, title in got)
    for _, f, _ in parsed:
        assert {"file", "line", "col", "endLine", "endColumn", "title"} <= set(f)
    assert p.stdout.splitlines()[-1].startswith(f"{len([x for x in got if x[3] != 'TL000'])} finding(s)")


def test_suppressed_findings_are_not_annotated_and_low_is_a_notice(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        BAD.replace("  protocol", "  # transit-lint: ignore[TL101] VPC-internal health checks\n  protocol")
        + "# transit-lint: ignore[TL201] nothing to waive here\n" + WEAK.replace('"s"', '"t"'))
    p = cli(".", "--format", "github", cwd=tmp_path)
    parsed = [props(ln) for ln in p.stdout.splitlines() if ln.startswith("::")]
    assert not any(f["title"].startswith("TL101") for _, f, _ in parsed)
    assert [(lvl, f["title"].split()[0]) for lvl, f, _ in parsed if f["title"].startswith("TL002")] == [
        ("notice", "TL002")]


def test_clean_run_prints_only_the_summary(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(BAD.replace('"forward"', '"redirect"\n    redirect {\n      protocol = "HTTPS"\n'
                                                  '    }'))
    p = cli(".", "--format", "github", cwd=tmp_path)
    assert p.returncode == 0, p.stdout
    assert not [ln for ln in p.stdout.splitlines() if ln.startswith("::")]
    assert p.stdout.startswith("0 finding(s)")
