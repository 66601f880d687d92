"""The pre-commit hooks, installed for real and run offline (research-notes/integration.md §4.4).

A session fixture downloads the wheels of the runtime dependencies and of the build backend once
(the only step that uses the package index, as a CI setup step would). Each hook run then happens
in a scrubbed environment with `PIP_NO_INDEX=1` and the wheelhouse as the only source, inside a
network namespace without interfaces (`unshare -n`) when the test runs as root: pre-commit builds
the hook's virtualenv from the repository, pip installs the package from source with its
dependencies, and the hook runs on files of a temporary git repository. `pre-commit try-repo`
builds a fresh virtualenv every time (~35 s here), so it runs once; the other cases use
`pre-commit run` with a config naming the same hook repository, which builds its virtualenv once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BAD = ('resource "aws_lb_listener" "l" {\n  port     = 80\n  protocol = "HTTP"\n'
       '  default_action {\n    type = "forward"\n  }\n}\n')
GOOD = ('resource "aws_lb_listener" "g" {\n  port     = 80\n  protocol = "HTTP"\n  default_action {\n'
        '    type = "redirect"\n    redirect {\n      protocol    = "HTTPS"\n      status_code = "HTTP_301"\n'
        '    }\n  }\n}\n')
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")


def _pre_commit_available() -> bool:
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        return False
    return True


def test_manifest_is_valid() -> None:
    if not _pre_commit_available():
        pytest.skip("pre-commit is not installed (pip install -e .[test])")
    p = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr


def _requirements() -> list[str]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    doc = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    return list(doc["build-system"]["requires"]) + list(doc["project"]["dependencies"])


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not _pre_commit_available():
        pytest.skip("pre-commit is not installed (pip install -e .[test])")
    d = tmp_path_factory.mktemp("wheelhouse")
    p = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "-d", str(d),
                        *_requirements()], capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        pytest.skip("cannot build the wheelhouse (no package index reachable from this machine?): "
                    + (p.stderr.strip().splitlines() or ["?"])[-1])
    return d


def _git(*args: str, cwd: Path, env: dict[str, str]) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main",
                    "-c", "commit.gpgsign=false", *args], cwd=cwd, env=env, check=True, capture_output=True,
                   timeout=60)


def _copy_project(dest: Path) -> None:
    """The files the package is built from; copying (not try-repo on this tree) avoids try-repo's
    untracked-file trap and the developer's uncommitted changes."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".mypy_cache", ".ruff_cache")
    dest.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml"):
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(ROOT / "src", dest / "src", ignore=ignore)


def _offline() -> list[str]:
    """`unshare -n` (a network namespace with no interfaces) when it works here."""
    if (shutil.which("unshare") and hasattr(os, "geteuid") and os.geteuid() == 0
            and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0):
        return ["unshare", "-n"]
    return []


@dataclass
class Setup:
    env: dict[str, str]
    hooks: Path
    target: Path


@pytest.fixture(scope="session")
def setup(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Setup:
    tmp = tmp_path_factory.mktemp("precommit")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp / "home"),
        "PRE_COMMIT_HOME": str(tmp / "cache"),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "VIRTUALENV_NO_PERIODIC_UPDATE": "1",
        "GIT_CONFIG_NOSYSTEM": "1",
        "LANG": "C.UTF-8",
    }
    (tmp / "home").mkdir()
    hooks = tmp / "hooks"
    _copy_project(hooks)
    _git("init", "-q", ".", cwd=hooks, env=env)
    _git("add", "-A", cwd=hooks, env=env)
    _git("commit", "-q", "-m", "hooks", cwd=hooks, env=env)
    target = tmp / "target"
    target.mkdir()
    (target / "bad.tf").write_text(BAD)
    (target / "good").mkdir()
    (target / "good" / "main.tf").write_text(GOOD)
    (target / "good" / "workflow.yml").write_text("on: push\njobs: {}\n")  # not IaC: skipped silently
    (target / "good" / "data.json").write_text('{"k": 1}\n')
    (target / "broken").mkdir()
    (target / "broken" / "main.tf").write_text('resource "x" "y" {\n  a = \n')
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hooks, env=env, capture_output=True, text=True,
                         check=True).stdout.strip()
    # for `pre-commit run`: the same hooks from a persistent store, so the virtualenv is built once
    (target / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks}\n    rev: {sha}\n    hooks:\n      - id: transit-lint\n"
        "      - id: transit-lint-all\n")
    _git("init", "-q", ".", cwd=target, env=env)
    _git("add", "-A", cwd=target, env=env)
    return Setup(env, hooks, target)


def _try_repo(setup: Setup, hook: str, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [*_offline(), sys.executable, "-m", "pre_commit", "try-repo", str(setup.hooks), hook, *args]
    return subprocess.run(cmd, cwd=setup.target, env=setup.env, capture_output=True, text=True, timeout=900)


def _run(setup: Setup, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [*_offline(), sys.executable, "-m", "pre_commit", "run", *args]
    return subprocess.run(cmd, cwd=setup.target, env=setup.env, capture_output=True, text=True, timeout=900)


def test_hook_fails_on_a_bad_file_offline(setup: Setup) -> None:
    p = _try_repo(setup, "transit-lint", "--files", "bad.tf")
    out = p.stdout + p.stderr
    assert p.returncode == 1, out
    assert "TL101" in out and "bad.tf:3:3" in out
    assert "exit code: 1" in out


def test_hook_passes_on_good_files_and_skips_other_yaml_and_json(setup: Setup) -> None:
    p = _run(setup, "transit-lint", "--files", "good/main.tf", "good/workflow.yml", "good/data.json")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Passed" in p.stdout


def test_hook_reports_a_parse_error_with_exit_code_2(setup: Setup) -> None:
    p = _run(setup, "transit-lint", "--files", "broken/main.tf")
    out = p.stdout + p.stderr
    assert p.returncode == 1 and "exit code: 2" in out and "TL000" in out, out


def test_whole_repository_hook(setup: Setup) -> None:
    p = _run(setup, "transit-lint-all", "--all-files", "--hook-stage", "manual")
    out = p.stdout + p.stderr
    assert p.returncode == 1, out
    assert "bad.tf:3:3" in out and "TL000" in out and "good/main.tf" not in out
