"""The same input gives byte-identical JSON whatever the number of worker processes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from transit_lint import shards
from transit_lint.engine import RunOptions, run
from transit_lint.policy.loader import load_catalog
from transit_lint.report import mermaid
from transit_lint.report.json import render

ROOT = Path(__file__).resolve().parent.parent


def _tree(dest: Path) -> None:
    # every format: Terraform modules, CloudFormation templates (a shard each), Kubernetes, nginx
    files = [f for f in sorted((ROOT / "fixtures").glob("TL*/*")) if f.is_file() and f.parent.name != "TL000"]
    for i, f in enumerate(files):
        d = dest / f"m{i}"
        d.mkdir(parents=True)
        shutil.copy2(f, d / f.name)
    shutil.copytree(ROOT / "examples", dest / "examples")


def test_json_identical_with_one_and_two_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path)
    monkeypatch.setattr(shards, "PARALLEL_MIN_FILES", 2)
    catalog = load_catalog()
    outs = []
    for jobs, early in ((1, False), (2, False), (3, True)):
        result = run(RunOptions(paths=[str(tmp_path)], base=tmp_path, jobs=jobs, early_workers=early))
        assert result.findings, "the tree has findings"
        assert {f.path.rsplit(".", 2)[-2] for f in result.findings} >= {"cfn", "k8s", "nginx"}
        outs.append(render(result, catalog, deterministic=True) + mermaid.render(result, catalog))
    assert outs[0] == outs[1] == outs[2]
    # the CLI's workers ship no nodes unless a map is drawn: the report must not change
    lean = run(RunOptions(paths=[str(tmp_path)], base=tmp_path, jobs=2, keep_nodes=False))
    assert lean.nodes == []
    assert render(lean, catalog, deterministic=True) == outs[0].split("flowchart LR")[0]


def test_module_calls_keep_caller_and_callee_in_one_shard(tmp_path: Path) -> None:
    from transit_lint.frontends import SourceFile

    (tmp_path / "app" / "modules" / "lb").mkdir(parents=True)
    (tmp_path / "other").mkdir()
    files = {
        "app/main.tf": 'module "lb" {\n  source = "./modules/lb"\n}\n',
        "app/modules/lb/main.tf": 'variable "p" {}\n',
        "other/main.tf": 'resource "x" "y" {}\n',
    }
    for rel, text in files.items():
        (tmp_path / rel).write_text(text)
    groups = shards.shard_terraform([SourceFile((tmp_path / r).resolve(), r, "") for r in files])
    assert sorted(sorted(f.rel for f in g) for g in groups) == [["app/main.tf", "app/modules/lb/main.tf"],
                                                               ["other/main.tf"]]


K8S_SUPPRESSED = """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    transit-lint.io/ignore: "TL101: internal-only ingress class"
spec:
  rules:
    - host: example.com
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
CFN_SUPPRESSED = """AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Http:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Metadata:
      transit-lint:
        ignore:
          - id: TL101
            reason: the load balancer is reached through a private link only
    Properties:
      Port: 80
      Protocol: HTTP
"""


@pytest.mark.parametrize("jobs", [1, 2])
def test_suppressions_in_object_bodies_hold_in_worker_processes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    """Kubernetes annotations and CloudFormation Metadata live in the syntax trees, which workers
    do not ship back: the suppressions are applied where the trees are."""
    for i in range(3):
        (tmp_path / f"k{i}").mkdir()
        (tmp_path / f"k{i}" / "ingress.yaml").write_text(K8S_SUPPRESSED)
        (tmp_path / f"c{i}").mkdir()
        (tmp_path / f"c{i}" / "lb.yaml").write_text(CFN_SUPPRESSED)
    monkeypatch.setattr(shards, "PARALLEL_MIN_FILES", 2)
    result = run(RunOptions(paths=[str(tmp_path)], base=tmp_path, jobs=jobs))
    tl101 = [f for f in result.findings if f.rule_id == "TL101"]
    assert len(tl101) == 6 and all(f.suppressed for f in tl101)
    assert [f for f in result.findings if f.rule_id == "TL002"] == []


def test_no_early_workers_for_a_small_tree(tmp_path: Path) -> None:
    """Below the threshold no worker starts: the run lints in this process, gives the same
    report, and leaves no process behind."""
    import multiprocessing

    _tree(tmp_path)
    catalog = load_catalog()
    early = run(RunOptions(paths=[str(tmp_path)], base=tmp_path, jobs=2, early_workers=True))
    assert multiprocessing.active_children() == []
    plain = run(RunOptions(paths=[str(tmp_path)], base=tmp_path, jobs=1))
    assert render(early, catalog, deterministic=True) == render(plain, catalog, deterministic=True)


def test_early_workers_are_stopped_after_a_cache_hit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    _tree(tmp_path)
    monkeypatch.setattr(shards, "PARALLEL_MIN_FILES", 2)
    opts = {"paths": [str(tmp_path)], "base": tmp_path, "jobs": 2, "early_workers": True, "cache": True}
    first = run(RunOptions(**opts))  # type: ignore[arg-type]
    again = run(RunOptions(**opts))  # type: ignore[arg-type]
    assert again.cached and not first.cached
    assert multiprocessing.active_children() == []
    catalog = load_catalog()
    assert render(first, catalog, deterministic=True) == render(again, catalog, deterministic=True)



def test_manifests_parsed_ahead_give_the_plain_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first run hands each manifest to a worker as the walk finds it (those found before the
    pool starts wait for it), and that worker lints the Kubernetes shard: the report is the plain
    run's, parse errors and skipped templates included."""
    _tree(tmp_path)
    (tmp_path / "zz").mkdir()
    (tmp_path / "zz" / "broken.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: x\n")
    (tmp_path / "zz" / "chart.yaml").write_text("{{- if .Values.enabled }}\napiVersion: v1\nkind: Service\n"
                                                "metadata:\n  name: {{ .Release.Name }}\n{{- end }}\n")
    files = sum(1 for p in tmp_path.rglob("*") if p.is_file())
    monkeypatch.setattr(shards, "PARALLEL_MIN_FILES", files // 2)  # half the walk before the pool
    handed: list[tuple[int, bool]] = []
    ahead_done = shards.WorkerPool.ahead_done

    def spy(pool: shards.WorkerPool, shard: shards.Shard | None, *args: Any) -> Any:
        future = ahead_done(pool, shard, *args)
        handed.append((len(shard.files) if shard is not None else 0, future is not None))
        return future

    monkeypatch.setattr(shards.WorkerPool, "ahead_done", spy)
    catalog = load_catalog()
    ahead = run(RunOptions(paths=[str(tmp_path)], base=tmp_path, jobs=2, early_workers=True))
    plain = run(RunOptions(paths=[str(tmp_path)], base=tmp_path, jobs=1))
    assert len(handed) == 1 and handed[0][0] > 10 and handed[0][1], handed
    assert any(e.path == "zz/broken.yaml" for e in ahead.errors)
    assert any("zz/chart.yaml" in n for n in ahead.notes)
    assert render(ahead, catalog, deterministic=True) == render(plain, catalog, deterministic=True)
    # a cache from an earlier run may answer: the walk sorts nothing and no worker parses ahead
    handed.clear()
    opts = {"paths": [str(tmp_path)], "base": tmp_path, "jobs": 2, "early_workers": True, "cache": True}
    run(RunOptions(**opts))  # type: ignore[arg-type]
    (tmp_path / "zz" / "new.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n")
    edited = run(RunOptions(**opts))  # type: ignore[arg-type]
    assert len(handed) == 1 and handed[-1][1] and not edited.cached  # only the first, cache-less run
