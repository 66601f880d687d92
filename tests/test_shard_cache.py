"""Per-shard results in the cache: after an edit only the shards whose files changed are linted
again, and the report is the one a run without any cache gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from transit_lint import shards
from transit_lint.engine import RunOptions, RunResult, run
from transit_lint.policy.loader import load_catalog
from transit_lint.report.json import render

LISTENER = '''resource "aws_lb_listener" "web" {
  port     = PORT
  protocol = "HTTP"
}
'''
VARIABLE_LISTENER = '''variable "proto" {
  default = "HTTPS"
}
resource "aws_lb_listener" "web" {
  port       = 443
  protocol   = var.proto
  ssl_policy = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
}
'''
TEMPLATE = '''AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      Port: PORT
      Protocol: HTTP
'''
# a manifest with findings (an Ingress serving plaintext); an edit appends a comment to it
MANIFEST = (Path(__file__).resolve().parent.parent / "fixtures" / "TL101" / "bad.k8s.yaml").read_text()


TF_DIRS = [f"t{i:02}" for i in range(20)]
# independent folders are packed 16 files to a shard (shards.BIN_FILES), in path order: t00-t15
# make one shard, t16-t19 and v another; a shard is the unit the cache keeps
SECOND_BIN = {f"t{i}/main.tf" for i in range(16, 20)} | {"v/main.tf"}
ALL = {f"{d}/main.tf" for d in TF_DIRS} | {"v/main.tf", "cfn/lb.yaml", "k8s/ingress.yaml"}


def _tree(root: Path) -> None:
    for name in TF_DIRS:
        (root / name).mkdir(parents=True)
        (root / name / "main.tf").write_text(LISTENER.replace("PORT", "80"))
    (root / "v").mkdir()
    (root / "v" / "main.tf").write_text(VARIABLE_LISTENER)
    (root / "cfn").mkdir()
    (root / "cfn" / "lb.yaml").write_text(TEMPLATE.replace("PORT", "80"))
    (root / "k8s").mkdir()
    (root / "k8s" / "ingress.yaml").write_text(MANIFEST)


@pytest.fixture
def linted(monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """The files of each shard linted (not answered from the cache), run by run."""
    runs: list[set[str]] = []
    real = shards.lint_shard

    def spy(shard: shards.Shard, ctx: object, scope: shards.RunScope) -> shards.ShardOut:
        runs[-1].update(f.rel for f in shard.files)
        return real(shard, ctx, scope)  # type: ignore[arg-type]

    monkeypatch.setattr(shards, "lint_shard", spy)
    return runs


def _lint(root: Path, runs: list[set[str]], cache: bool = True, **options: object) -> RunResult:
    runs.append(set())
    return run(RunOptions(paths=[str(root)], base=root, cache=cache, jobs=1, **options))  # type: ignore[arg-type]


def _report(result: RunResult) -> dict[str, object]:
    doc = json.loads(render(result, load_catalog(), deterministic=True))
    return {k: doc[k] for k in ("findings", "errors", "summary")}


def _fresh(root: Path, runs: list[set[str]]) -> dict[str, object]:
    report = _report(_lint(root, runs, cache=False))
    runs.pop()
    return report


def test_an_edit_relints_only_its_shard(tmp_path: Path, linted: list[set[str]]) -> None:
    _tree(tmp_path)
    first = _lint(tmp_path, linted)
    assert linted[-1] == ALL
    assert {f.path for f in first.findings} >= {"t00/main.tf", "cfn/lb.yaml", "k8s/ingress.yaml"}

    (tmp_path / "t18" / "main.tf").write_text(LISTENER.replace("PORT", "8080"))
    second = _lint(tmp_path, linted)
    assert linted[-1] == SECOND_BIN and not second.cached
    assert _report(second) == _fresh(tmp_path, linted)

    (tmp_path / "cfn" / "lb.yaml").write_text(TEMPLATE.replace("PORT", "8080"))
    third = _lint(tmp_path, linted)
    assert linted[-1] == {"cfn/lb.yaml"}
    assert _report(third) == _fresh(tmp_path, linted)

    (tmp_path / "k8s" / "ingress.yaml").write_text(MANIFEST + "# edited\n")
    fourth = _lint(tmp_path, linted)
    assert linted[-1] == {"k8s/ingress.yaml"}
    assert _report(fourth) == _fresh(tmp_path, linted)

    assert _lint(tmp_path, linted).cached and linted[-1] == set()  # unchanged: the whole run


def test_a_new_file_anywhere_relints_every_shard(tmp_path: Path, linted: list[set[str]]) -> None:
    """A shard cannot see files it would have read had they existed (a new terraform.tfvars
    beside its .tf, a new file an nginx include glob matches): any new file is a miss for all."""
    _tree(tmp_path)
    _lint(tmp_path, linted)
    (tmp_path / "v" / "terraform.tfvars").write_text('proto = "HTTP"\n')
    after = _lint(tmp_path, linted)
    assert linted[-1] == ALL
    assert "TL101" in {f.rule_id for f in after.findings if f.path == "v/main.tf"}
    assert _report(after) == _fresh(tmp_path, linted)


def test_a_changed_file_read_as_context_relints_its_shard(tmp_path: Path, linted: list[set[str]]) -> None:
    """terraform.tfvars is read by its module, not linted as a file of the shard: its digest is
    kept with the entry, and a change misses."""
    _tree(tmp_path)
    (tmp_path / "v" / "terraform.tfvars").write_text('proto = "HTTPS"\n')
    before = _lint(tmp_path, linted)
    assert not [f for f in before.findings if f.path == "v/main.tf"]
    (tmp_path / "v" / "terraform.tfvars").write_text('proto = "HTTP"\n')
    after = _lint(tmp_path, linted)
    assert linted[-1] == SECOND_BIN
    assert "TL101" in {f.rule_id for f in after.findings if f.path == "v/main.tf"}
    assert _report(after) == _fresh(tmp_path, linted)


def test_other_options_do_not_share_entries(tmp_path: Path, linted: list[set[str]]) -> None:
    _tree(tmp_path)
    _lint(tmp_path, linted)
    strict = _lint(tmp_path, linted, profile="strict")
    assert linted[-1] == ALL and strict.profile == "strict"


def test_a_tampered_shard_entry_is_not_trusted(tmp_path: Path, linted: list[set[str]]) -> None:
    _tree(tmp_path)
    _lint(tmp_path, linted)
    for entry in (tmp_path / ".transit-lint-cache").rglob("shards/*.json"):
        entry.write_text(entry.read_text().replace("TL101", "TL999"))
    (tmp_path / "t00" / "main.tf").write_text(LISTENER.replace("PORT", "81"))
    after = _lint(tmp_path, linted)
    assert linted[-1] == ALL
    assert "TL999" not in {f.rule_id for f in after.findings}
    assert _report(after) == _fresh(tmp_path, linted)


def test_an_unchanged_tree_comes_from_the_run_index(tmp_path: Path, linted: list[set[str]]) -> None:
    """The run's entry is an index of its shards' entries: an unchanged tree lints nothing; if
    one of those entries is gone the run is linted again, with the same report."""
    _tree(tmp_path)
    first = _lint(tmp_path, linted)
    again = _lint(tmp_path, linted)
    assert again.cached and linted[-1] == set()
    assert _report(again) == _report(first)
    shard_entries = sorted((tmp_path / ".transit-lint-cache").rglob("shards/*.json"))
    assert len(shard_entries) == 4  # two packed Terraform shards, the template, the Kubernetes files
    shard_entries[0].unlink()
    third = _lint(tmp_path, linted)
    assert not third.cached and linted[-1] != set()
    assert _report(third) == _report(first)


def test_the_cache_keeps_its_newest_entries(tmp_path: Path, linted: list[set[str]],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from transit_lint import runcache
    from transit_lint.cache import Cache

    monkeypatch.setattr(runcache, "KEEP_RUNS", 2)
    _tree(tmp_path)
    for port in ("81", "82", "83"):
        (tmp_path / "t00" / "main.tf").write_text(LISTENER.replace("PORT", port))
        _lint(tmp_path, linted)
    assert len(list((tmp_path / ".transit-lint-cache").rglob("runs/*.json"))) == 2

    cache = Cache(tmp_path / "other")
    for i in range(5):
        cache.put("ns", f"k{i}", "{}")
        os.utime(cache.dir / "ns" / f"k{i}.json", ns=(i * 10**9, i * 10**9))
    cache.prune("ns", 2)
    assert sorted(p.name for p in (cache.dir / "ns").iterdir()) == ["k3.json", "k4.json"]


def test_a_new_file_beside_a_file_named_alone_is_seen(tmp_path: Path, linted: list[set[str]]) -> None:
    """A file named on its own (pre-commit) is linted with its folder as context, but only it is
    discovered: the folders a front end listed are kept with the entry, so a terraform.tfvars
    created beside it is not answered from the cache."""
    folder = tmp_path / "v"
    folder.mkdir()
    (folder / "main.tf").write_text('variable "proto" {}\n' + VARIABLE_LISTENER.split("}\n", 1)[1])

    def lint() -> RunResult:
        linted.append(set())
        return run(RunOptions(paths=[str(folder / "main.tf")], base=tmp_path, cache=True, jobs=1))

    assert [f.rule_id for f in lint().findings] == []
    assert lint().cached
    (folder / "terraform.tfvars").write_text('proto = "HTTP"\n')
    after = lint()
    assert not after.cached and "TL101" in {f.rule_id for f in after.findings}


def test_an_edit_to_a_file_no_front_end_reads_keeps_the_whole_run(tmp_path: Path, linted: list[set[str]]) -> None:
    """Only the names of files that are no format's input are in the run's key (a repository's
    sources and documents): editing one keeps the run; adding one still misses (names count)."""
    _tree(tmp_path)
    (tmp_path / "README.md").write_text("# infra\n")
    (tmp_path / "v" / "app.go").write_text("package main\n")
    first = _lint(tmp_path, linted)
    (tmp_path / "README.md").write_text("# infra, edited\n")
    (tmp_path / "v" / "app.go").write_text("package main // edited\n")
    again = _lint(tmp_path, linted)
    assert again.cached and linted[-1] == set()
    assert _report(again) == _report(first)
    (tmp_path / "NOTES.md").write_text("new\n")
    assert not _lint(tmp_path, linted).cached and linted[-1] == ALL


def test_an_edit_to_an_included_file_of_no_format_relints_its_shard(tmp_path: Path, linted: list[set[str]]) -> None:
    """A file read only as another's context (an nginx include with no suffix) is not hashed
    for the run's key; its shard's entry holds its digest, and an edit is a miss for that shard."""
    _tree(tmp_path)
    (tmp_path / "nginx" / "snippets").mkdir(parents=True)
    (tmp_path / "nginx" / "nginx.conf").write_text(
        "events {}\nhttp {\n  server {\n    listen 443 ssl;\n    include snippets/tls;\n  }\n}\n")
    (tmp_path / "nginx" / "snippets" / "tls").write_text("ssl_protocols TLSv1.2 TLSv1.3;\n")
    before = _lint(tmp_path, linted)
    assert "nginx/nginx.conf" in linted[-1]
    assert "TL201" not in {f.rule_id for f in before.findings if f.path == "nginx/nginx.conf"}
    (tmp_path / "nginx" / "snippets" / "tls").write_text("ssl_protocols TLSv1 TLSv1.2;\n")
    after = _lint(tmp_path, linted)
    assert not after.cached and linted[-1] == {"nginx/nginx.conf"}
    assert "TL201" in {f.rule_id for f in after.findings if f.path == "nginx/nginx.conf"}
    assert _report(after) == _fresh(tmp_path, linted)


def _memo_digests(tmp_path: Path, names: list[str]) -> tuple[dict[str, str] | None, int]:
    from transit_lint import runcache
    from transit_lint.cache import Cache

    memo = runcache.StatMemo(Cache(tmp_path))
    digests = runcache.file_digests([(n, tmp_path / n) for n in names], 1 << 20, memo)
    memo.save()
    return digests, memo.hashed


def test_the_stat_memo_hashes_only_changed_files_and_never_trusts_a_recent_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A repeat run reads and hashes only the files whose stat changed; a file changed within the
    memo's racy window (here: every file, written just now) is hashed again, so an edit that keeps
    the size and lands in the same clock tick is still seen."""
    import time

    from transit_lint import runcache

    names = ["a.tf", "b.yaml", "c.conf"]
    for n in names:
        (tmp_path / n).write_text(f"{n} one\n")
    first, hashed = _memo_digests(tmp_path, names)
    assert hashed == 3
    (tmp_path / "a.tf").write_text("a.tf two\n")  # the same size, in the racy window
    again, hashed = _memo_digests(tmp_path, names)
    assert hashed == 3 and again is not None and first is not None
    assert again["a.tf"] != first["a.tf"] and again["b.yaml"] == first["b.yaml"]
    # the files' last changes now lie well before the memo: it answers for them
    real = time.time_ns
    monkeypatch.setattr(runcache.time, "time_ns", lambda: real() + 10 * runcache.StatMemo.RACY_NS)
    assert _memo_digests(tmp_path, names) == (again, 3)  # made now, in the future of every change
    monkeypatch.setattr(runcache.time, "time_ns", real)
    assert _memo_digests(tmp_path, names) == (again, 0)
    (tmp_path / "b.yaml").write_text("b.yaml three, longer\n")
    changed, hashed = _memo_digests(tmp_path, names)
    assert hashed == 1 and changed is not None and changed["b.yaml"] != again["b.yaml"]
    assert {k: v for k, v in changed.items() if k != "b.yaml"} == {k: v for k, v in again.items() if k != "b.yaml"}
