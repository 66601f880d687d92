"""Configuration files, ignored files, and the CLI inputs around them (stdin, tfvars)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from transit_lint.config import ConfigError, IgnoreRules, discover_config, load_config
from transit_lint.discover import discover

LISTENER = ('resource "aws_lb_listener" "{name}" {{\n  port     = 80\n  protocol = "HTTP"\n'
            '  default_action {{\n    type = "forward"\n  }}\n}}\n')
WEAK = ('resource "aws_lb_listener" "s" {\n  port       = 443\n  protocol   = "HTTPS"\n'
        '  ssl_policy = "ELBSecurityPolicy-2016-08"\n  default_action {\n    type = "forward"\n  }\n}\n')


def listener(name: str = "l") -> str:
    return LISTENER.format(name=name)


def cli(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "transit_lint", "--no-cache", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, input=stdin)


def paths_of(p: subprocess.CompletedProcess[str]) -> list[str]:
    return sorted({f["location"]["path"] for f in json.loads(p.stdout)["findings"]})


# ---- reading and checking ----

def test_unknown_keys_are_errors_that_name_the_key(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(listener())
    (tmp_path / ".transit-lint.yaml").write_text("fail_on: high\n")
    p = cli(".", cwd=tmp_path)
    assert p.returncode == 2
    assert "unknown key 'fail_on'" in p.stderr and "did you mean 'fail-on'" in p.stderr
    assert ".transit-lint.yaml" in p.stderr
    (tmp_path / ".transit-lint.yaml").unlink()
    (tmp_path / "pyproject.toml").write_text('[tool.transit-lint]\nprofile = "strict"\ncolour = true\n')
    p = cli(".", cwd=tmp_path)
    assert p.returncode == 2 and "unknown key 'colour'" in p.stderr and "pyproject.toml" in p.stderr


@pytest.mark.parametrize(("text", "needle"), [
    ("select: TL101\n", "select must be a list"),
    ("severity: {TL101: severe}\n", "unknown severity 'severe'"),
    ("severity: {TL999: low}\n", "unknown rule 'TL999'"),
    ("profile: nope\n", "unknown profile 'nope'"),
    ("ignore: [TL999]\n", "no rule matches 'TL999'"),
    ("fail-on: sometimes\n", "unknown severity 'sometimes'"),
    ("- a\n- b\n", "must be a mapping"),
    ("profile: [\n", "invalid YAML"),
])
def test_bad_values_are_errors(tmp_path: Path, text: str, needle: str) -> None:
    (tmp_path / "main.tf").write_text(listener())
    (tmp_path / ".transit-lint.yaml").write_text(text)
    p = cli(".", cwd=tmp_path)
    assert p.returncode == 2 and needle in p.stderr, p.stderr
    assert "Traceback" not in p.stderr


def test_found_upward_from_the_scanned_path_and_stopping_at_the_repository(tmp_path: Path) -> None:
    outside = tmp_path / ".transit-lint.yaml"
    outside.write_text("ignore: [TL101]\n")  # above the repository: never read
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    infra = repo / "infra" / "lb"
    infra.mkdir(parents=True)
    (infra / "main.tf").write_text(listener())
    assert cli("repo/infra", cwd=tmp_path).returncode == 1
    assert discover_config([infra]).source is None
    (repo / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # no table: keep looking
    (repo / "infra" / "pyproject.toml").write_text("[tool.transit-lint]\nignore = ['TL101']\n")
    assert discover_config([infra]).source == (repo / "infra" / "pyproject.toml").resolve()
    assert cli("repo/infra/lb", cwd=tmp_path).returncode == 0, "config found from the scanned path, not cwd"
    assert cli(".", "--no-config", cwd=infra).returncode == 1
    (tmp_path / "strict.yaml").write_text("select: [TL2]\n")
    assert cli(".", "--config", str(tmp_path / "strict.yaml"), cwd=infra).returncode == 0
    assert cli(".", "--config", "nope.yaml", cwd=infra).returncode == 2


def test_command_line_wins_over_the_file(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(listener() + WEAK)
    (tmp_path / ".transit-lint.yaml").write_text("select: [TL2]\nfail-on: critical\nprofile: strict\n")
    assert cli(".", cwd=tmp_path).returncode == 0, "fail-on critical from the file"
    assert cli(".", "--fail-on", "high", cwd=tmp_path).returncode == 1
    p = cli(".", "--format", "json", "--select", "TL101", "--fail-on", "info", cwd=tmp_path)
    doc = json.loads(p.stdout)
    assert {f["rule_id"] for f in doc["findings"]} == {"TL101"} and doc["summary"]["profile"] == "strict"


def test_severity_overrides(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(listener())
    (tmp_path / ".transit-lint.yaml").write_text("severity:\n  tl101: low\nfail-on: medium\n")
    p = cli(".", "--format", "json", cwd=tmp_path)
    assert p.returncode == 0
    assert [f["severity"] for f in json.loads(p.stdout)["findings"]] == ["low"]


def test_nginx_version_reaches_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from transit_lint import engine
    from transit_lint.cli import main

    seen: dict[str, object] = {}
    real = engine.run

    def spy(opts: engine.RunOptions) -> engine.RunResult:
        seen.update(opts.options)
        return real(opts)

    monkeypatch.setattr(engine, "run", spy)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".transit-lint.yaml").write_text("nginx-version: 1.24.0\n")
    (tmp_path / "main.tf").write_text("")
    with pytest.raises(SystemExit):
        main([".", "--no-cache"])
    from_file = seen.pop("nginx_version")
    with pytest.raises(SystemExit):
        main([".", "--no-cache", "--nginx-version", "1.27.1"])
    assert (from_file, seen["nginx_version"]) == ("1.24.0", "1.27.1")


def test_load_config_values(tmp_path: Path) -> None:
    f = tmp_path / ".transit-lint.yml"
    f.write_text("profile: strict\nexclude: [legacy/]\nnginx-version: 1.25\nrespect-gitignore: false\n"
                 "baseline: b.json\n")
    cfg = load_config(f)
    assert (cfg.profile, cfg.exclude, cfg.nginx_version, cfg.respect_gitignore) == ("strict", ["legacy/"], "1.25",
                                                                                    False)
    assert cfg.baseline == (tmp_path / "b.json").resolve()
    with pytest.raises(ConfigError, match="respect-gitignore must be true or false"):
        f.write_text("respect-gitignore: maybe\n")
        load_config(f)


# ---- skipped files ----

def _tree(root: Path) -> None:
    (root / ".git").mkdir()
    for rel in ("main.tf", "build/out.tf", "legacy/old.tf", "mods/keep.tf", "mods/gen/x.tf", "mods/tmp.tf",
                "mods/important.tf"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(listener(Path(rel).stem))


def test_gitignored_files_are_skipped_with_nested_files_and_negation(tmp_path: Path) -> None:
    _tree(tmp_path)
    (tmp_path / ".gitignore").write_text("build/\n/mods/tmp.tf\n*.tf.bak\n")
    (tmp_path / "mods" / ".gitignore").write_text("gen/\n")
    (tmp_path / ".git" / "info").mkdir()
    (tmp_path / ".git" / "info" / "exclude").write_text("important.tf\n")
    (tmp_path / "mods" / ".gitignore").write_text("gen/\n!important.tf\n")
    p = cli(".", "--format", "json", cwd=tmp_path)
    assert paths_of(p) == ["legacy/old.tf", "main.tf", "mods/important.tf", "mods/keep.tf"]
    assert paths_of(cli(".", "--format", "json", "--no-gitignore", cwd=tmp_path)) == [
        "build/out.tf", "legacy/old.tf", "main.tf", "mods/gen/x.tf", "mods/important.tf", "mods/keep.tf",
        "mods/tmp.tf"]
    # a file named on the command line is linted even when .gitignore'd
    assert paths_of(cli("build/out.tf", "--format", "json", cwd=tmp_path)) == ["build/out.tf"]
    assert paths_of(cli("build", "--format", "json", cwd=tmp_path)) == ["build/out.tf"]
    assert paths_of(cli(".", "--format", "json", cwd=tmp_path / "mods")) == ["important.tf", "keep.tf"]


GITIGNORES = {
    ".gitignore": "build/\n*.log\n/top-only.txt\n!keep.log\ndocs/**/draft-*\n\\#literal\n[Tt]mp*/\nspaced.txt \n",
    "app/.gitignore": "*.gen.yaml\n!important.gen.yaml\n/local/\nvendor\n",
    "app/deep/.gitignore": "!*.log\nsecret?.yaml\n**/cache/\n",
    "docs/.gitignore": "*.md\n!README.md\n",
}
FILES = ("main.tf", "top-only.txt", "app/top-only.txt", "x.log", "keep.log", "app/x.log", "app/deep/x.log",
         "build/a.tf", "app/build/b.tf", "docs/a/b/draft-1.yaml", "docs/draft-2.yaml", "docs/README.md",
         "docs/notes.md", "#literal", "Tmp1/a.yaml", "tmp2/b.yaml", "spaced.txt", "app/c.gen.yaml",
         "app/important.gen.yaml", "app/local/d.yaml", "app/sub/local/e.yaml", "app/vendor/f.yaml",
         "app/deep/vendor", "app/deep/secret1.yaml", "app/deep/secret12.yaml", "app/deep/x/cache/g.yaml",
         "app/deep/cache/h.yaml", "app/ok.yaml")


def test_ignored_files_are_the_ones_git_ignores(tmp_path: Path) -> None:
    """Discovery with the .gitignore rules finds exactly the files `git ls-files --others
    --exclude-standard` lists, across nested .gitignore files, negations, anchors, `**`, classes
    and escapes."""
    import shutil

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for rel, text in GITIGNORES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    for rel in FILES:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x\n")
    listed = subprocess.run(["git", "ls-files", "--others", "--exclude-standard"], cwd=tmp_path, check=True,
                            capture_output=True, text=True).stdout.split("\n")
    git_kept = {p for p in listed if p and not p.endswith(".gitignore")}
    found = discover([str(tmp_path)], ignore=IgnoreRules(tmp_path, [])).files
    kept = {x.relative_to(tmp_path.resolve()).as_posix() for x in found if x.name != ".gitignore"}
    assert kept == git_kept
    assert "app/important.gen.yaml" in kept and "app/c.gen.yaml" not in kept  # the test means something


def test_config_excludes_are_gitignore_style_and_apply_to_named_files(tmp_path: Path) -> None:
    _tree(tmp_path)
    (tmp_path / ".transit-lint.yaml").write_text("exclude: [legacy/, 'mods/**/x.tf', tmp.tf]\n"
                                                 "respect-gitignore: false\n")
    (tmp_path / ".gitignore").write_text("build/\n")
    p = cli(".", "--format", "json", cwd=tmp_path)
    assert paths_of(p) == ["build/out.tf", "main.tf", "mods/important.tf", "mods/keep.tf"]
    p = cli("legacy/old.tf", "main.tf", "--format", "json", cwd=tmp_path)
    assert paths_of(p) == ["main.tf"], "pre-commit passes excluded files too: they are skipped"
    p = cli("mods", "--format", "json", "--exclude", "keep.tf", cwd=tmp_path)
    assert paths_of(p) == ["mods/important.tf"]


def test_an_ignored_folder_named_to_scan_is_scanned_with_the_excludes_only(tmp_path: Path) -> None:
    _tree(tmp_path)
    (tmp_path / ".gitignore").write_text("build/\n")
    rules = IgnoreRules(tmp_path, [])
    assert rules.for_root(tmp_path / "build") is None  # nothing below it can be left out: no checks
    assert rules.for_root(tmp_path) is rules
    found = sorted(f.relative_to(tmp_path.resolve()).as_posix() for f in discover([str(tmp_path)], ignore=rules).files)
    assert "build/out.tf" not in found and "main.tf" in found and not [f for f in found if f.startswith(".git/")]
    assert [f.name for f in discover([str(tmp_path / "build")], ignore=rules).files] == ["out.tf"]


# ---- inputs ----

def test_stdin_is_linted_as_the_named_file_with_its_directory_as_context(tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "vars.tf").write_text('variable "proto" {\n  default = "HTTP"\n}\n')
    (infra / "other.tf").write_text(listener("other"))
    (infra / "main.tf").write_text("# on disk: nothing\n")
    text = listener("edited").replace('"HTTP"', "var.proto")
    p = cli("-", "--stdin-name", "infra/main.tf", "--format", "json", cwd=tmp_path, stdin=text)
    assert p.returncode == 1, p.stderr
    doc = json.loads(p.stdout)
    assert [(f["location"]["path"], f["location"]["start_line"], f["resource"]["id"]) for f in doc["findings"]] == [
        ("infra/main.tf", 3, "aws_lb_listener.edited")]
    t = cli("-", "--stdin-name", "infra/main.tf", cwd=tmp_path, stdin=text)
    assert "infra/main.tf:3:3  TL101" in t.stdout and "protocol = var.proto" in t.stdout
    # without a name the variable's file is not beside it: the protocol is unknown, nothing to report
    bare = cli("-", "--format", "json", cwd=tmp_path, stdin=text)
    assert bare.returncode == 0, bare.stderr
    assert json.loads(bare.stdout)["summary"]["files_parsed"] == 1
    assert cli("-", ".", "--stdin-name", "x.tf", cwd=tmp_path, stdin=text).returncode == 2
    assert cli(".", "--stdin-name", "x.tf", cwd=tmp_path).returncode == 2


K8S_INGRESS = """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
"""


def test_stdin_without_a_name_is_read_by_its_content(tmp_path: Path) -> None:
    """`helm template . | transit-lint -`: rendered manifests on standard input, no file name."""
    p = cli("-", "--format", "json", cwd=tmp_path, stdin=K8S_INGRESS)
    assert p.returncode == 1, p.stderr
    doc = json.loads(p.stdout)
    assert [(f["rule_id"], f["location"]["path"], f["location"]["start_line"]) for f in doc["findings"]] == [
        ("TL101", "stdin", 7)]
    # a name whose suffix says nothing: the content still decides, the name is what is reported
    named = cli("-", "--stdin-name", "chart/rendered", "--format", "json", cwd=tmp_path, stdin=K8S_INGRESS)
    assert [(f["rule_id"], f["location"]["path"]) for f in json.loads(named.stdout)["findings"]] == [
        ("TL101", "chart/rendered")]
    nginx = cli("-", "--format", "json", cwd=tmp_path,
                stdin="server {\n  listen 80;\n  location / { proxy_pass http://10.0.0.1; }\n}\n")
    assert [(f["rule_id"], f["location"]["start_line"]) for f in json.loads(nginx.stdout)["findings"]] == [
        ("TL101", 2)]


def test_terraform_plan_json_on_stdin(tmp_path: Path) -> None:
    """`terraform show -json plan.out | transit-lint -`"""
    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "TL101" / "bad-plan.json"
    plan = "\n".join(ln for ln in fixture.read_text().splitlines() if not ln.lstrip().startswith("#"))
    p = cli("-", "--format", "json", cwd=tmp_path, stdin=plan)
    assert p.returncode == 1, p.stderr
    assert {(f["rule_id"], f["location"]["path"]) for f in json.loads(p.stdout)["findings"]} == {("TL101", "stdin")}


def test_stdin_in_no_known_format_says_so(tmp_path: Path) -> None:
    p = cli("-", cwd=tmp_path, stdin="hello: world\n")
    assert p.returncode == 0
    assert "standard input is none of the formats transit-lint reads" in p.stderr
    assert "Traceback" not in p.stderr


def test_a_tfvars_file_named_alone_lints_its_module(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(listener().replace('"HTTP"', "var.proto"))
    (tmp_path / "vars.tf").write_text('variable "proto" {\n  default = "HTTPS"\n}\n')
    (tmp_path / "terraform.tfvars").write_text('proto = "HTTP"\n')
    p = cli("terraform.tfvars", "--format", "json", cwd=tmp_path)
    assert p.returncode == 1 and paths_of(p) == ["main.tf"]


def test_the_gitignore_prefilter_never_hides_a_match() -> None:
    """_Spec answers "no pattern matches" without pathspec only where pathspec agrees: random
    pattern sets (negations, anchors, `**`, classes, escapes) against random paths, files and
    folders."""
    import random

    import pathspec

    from transit_lint.config import _Spec

    rng = random.Random(7)
    names = ["a", "b", "build", "x.log", "keep.log", "tmp1", "Tmp", "#f", "a b", "c.yaml", "d.gen.yaml", "q\nr"]
    patterns = ["*.log", "!keep.log", "build/", "/a", "a/**/b", "**/c.yaml", "[Tt]mp*/", "\\#f", "?.log", "a/b/",
                "*", "b", "*.gen.*", "/build", "**/build/**", "x*", "!*.yaml", "d*/", "a b", "r"]
    checked = matched = 0
    for _ in range(300):
        spec = pathspec.GitIgnoreSpec.from_lines(rng.sample(patterns, rng.randint(1, 6)))
        fast = _Spec(spec)
        for _ in range(60):
            rel = "/".join(rng.choice(names) for _ in range(rng.randint(1, 4))) + rng.choice(["", "/"])
            want = spec.check_file(rel).include
            assert fast.check(rel) == want, (spec, rel)
            checked += 1
            matched += want is not None
    assert matched > checked // 4  # the sample exercises both answers


def test_folders_discovery_skips_are_not_scanned_when_something_is_ignored(tmp_path: Path) -> None:
    """With a .gitignore'd entry beside them, a checkout's .git, a virtualenv, node_modules and
    the cache are still never scanned (they were passed on as paths of their own and walked, and
    the cache's own files then changed every run's file names)."""
    _tree(tmp_path)
    (tmp_path / ".gitignore").write_text("build/\n")
    for rel in (".git/objects/ab/x.tf", ".venv/lib/site/x.tf", "node_modules/m/main.tf"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(listener("hidden"))

    def lint() -> dict[str, Any]:
        p = subprocess.run([sys.executable, "-m", "transit_lint", ".", "--format", "json"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
        doc: dict[str, Any] = json.loads(p.stdout)
        return doc

    first, second = lint(), lint()
    for doc in (first, second):
        assert sorted({f["location"]["path"] for f in doc["findings"]}) == [
            "legacy/old.tf", "main.tf", "mods/gen/x.tf", "mods/important.tf", "mods/keep.tf", "mods/tmp.tf"]
        assert doc["summary"]["files_skipped"] == 1  # .gitignore


def test_findings_in_a_skipped_folder_do_not_depend_on_what_else_is_ignored(tmp_path: Path) -> None:
    """A local module under a folder discovery never walks (here node_modules/) is still read
    through its call, and its findings are shown alike whether or not something beside it is
    .gitignore'd."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text('module "m" {\n  source = "./node_modules/m"\n}\n')
    (tmp_path / "node_modules" / "m").mkdir(parents=True)
    (tmp_path / "node_modules" / "m" / "main.tf").write_text(listener("m"))
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "ok.tf").write_text("# nothing\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "out.tf").write_text(listener("b"))
    plain = paths_of(cli(".", "--format", "json", cwd=tmp_path))
    (tmp_path / ".gitignore").write_text("build/\n")
    assert paths_of(cli(".", "--format", "json", cwd=tmp_path)) == [p for p in plain if not p.startswith("build/")]
    assert "node_modules/m/main.tf" in plain


def _shown_by_every_folder(rules: IgnoreRules, path: Path, roots: list[Path]) -> bool:
    """`IgnoreRules.shown` as first written: every folder from the root down, each time."""
    from transit_lint.discover import SKIP_DIRS, inside

    root = next((r for r in roots if path != r and inside(path, (r,))), None)
    own = rules.for_root(root) if root is not None else None
    if root is None or own is None:
        return True
    for folder in [*reversed(path.parents[: len(path.parents) - len(root.parents) - 1]), path]:
        if folder.name in SKIP_DIRS and folder != path:
            return True
        if own.ignored(folder, folder != path):
            return False
    return True


def test_shown_decides_once_per_folder_as_it_did_per_file(tmp_path: Path) -> None:
    """Findings' files are judged per folder, remembered (a finding's folder is asked for again
    and again): the same verdicts as judging every folder down from the root for each file, with
    nested .gitignore files, re-included entries, a skipped folder and a second named root."""
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("build/\n*.gen.tf\n!keep.gen.tf\n")
    (tmp_path / "app" / "sub").mkdir(parents=True)
    (tmp_path / "app" / ".gitignore").write_text("sub/\nlocal.tf\n")
    (tmp_path / "other").mkdir()
    rules = IgnoreRules(tmp_path, [])
    discover([str(tmp_path)], ignore=rules)  # the walk the rules are asked about afterwards
    assert rules.met_patterns()
    roots = [tmp_path.resolve(), (tmp_path / "app").resolve()]
    names = ["main.tf", "x.gen.tf", "keep.gen.tf", "local.tf", "sub/a.tf", "sub/keep.gen.tf", "build/b.tf",
             "node_modules/m/main.tf", "build/node_modules/n.tf", "node_modules/build/c.tf"]
    paths = [tmp_path.resolve() / d / n for d in ("", "app", "other", "app/sub") for n in names]
    expected = [_shown_by_every_folder(rules, p, roots) for p in paths]
    assert [rules.shown(p, roots) for p in paths] == expected
    assert [rules.shown(p, roots) for p in reversed(paths)] == expected[::-1]  # remembered, not changed
    assert expected.count(False) >= 10 and expected.count(True) >= 10


def test_a_walk_that_met_no_pattern_hides_nothing(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "app").mkdir()
    rules = IgnoreRules(tmp_path, [])
    discover([str(tmp_path)], ignore=rules)
    assert not rules.met_patterns()
    (tmp_path / "app" / ".gitignore").write_text("*.tf\n")
    again = IgnoreRules(tmp_path, [])
    discover([str(tmp_path)], ignore=again)
    assert again.met_patterns() and IgnoreRules(tmp_path, [(tmp_path, ["x"])]).met_patterns()  # an exclude
