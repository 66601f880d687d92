"""Hostile and broken input: clear TL000 errors with file and line, no traceback, every good
file's findings still reported, nothing outside the tree read or written, bounded time/memory."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

BAD_LISTENER = ('resource "aws_lb_listener" "l" {\n  port     = 80\n  protocol = "HTTP"\n'
                '  default_action {\n    type = "forward"\n  }\n}\n')


def _tree(root: Path) -> dict[str, int | None]:
    """Writes the hostile tree; returns {bad file: expected error line (None = any)}."""
    (root / "good").mkdir(parents=True)
    (root / "good" / "main.tf").write_text(BAD_LISTENER)
    (root / "crlf").mkdir()
    (root / "crlf" / "main.tf").write_bytes(BAD_LISTENER.replace("\n", "\r\n").encode())
    (root / "bom").mkdir()
    (root / "bom" / "main.tf").write_bytes(b"\xef\xbb\xbf" + BAD_LISTENER.encode())
    (root / "empty").mkdir()
    (root / "empty" / "main.tf").write_text("")
    bad: dict[str, int | None] = {}
    (root / "binary").mkdir()
    (root / "binary" / "main.tf").write_bytes(bytes(range(256)) * 8)
    bad["binary/main.tf"] = 1
    (root / "truncated").mkdir()
    (root / "truncated" / "main.tf").write_text('resource "aws_lb_listener" "t" {\n  port = 80\n  protocol = "HT')
    bad["truncated/main.tf"] = None
    (root / "unbalanced").mkdir()
    (root / "unbalanced" / "main.tf").write_text('resource "a" "b" {\n  x = [1, 2\n}\n}\n}\n')
    bad["unbalanced/main.tf"] = None
    (root / "utf8").mkdir()
    (root / "utf8" / "main.tf").write_bytes(b'# caf\xe9\n' + BAD_LISTENER.encode())
    bad["utf8/main.tf"] = 1
    (root / "deep").mkdir()
    deep = "locals {\n  x = " + "[" * 5000 + "]" * 5000 + "\n}\n" + "a {" * 3000 + "}" * 3000
    (root / "deep" / "main.tf").write_text(deep)
    bad["deep/main.tf"] = None
    (root / "huge").mkdir()
    (root / "huge" / "main.tf").write_text("# " + "x" * 2_000_000 + "\n")
    bad["huge/main.tf"] = 1
    # YAML: an alias bomb (billion laughs), an unknown tag in a CloudFormation template, a
    # pre-processor form, an unclosed nginx block; a Kubernetes List and a non-object document
    (root / "yaml").mkdir()
    bomb = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  a: &a [x, x, x, x, x, x, x, x, x]\n"
    prev = "a"
    for i in range(12):
        bomb += f"  l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
        prev = f"l{i}"
    (root / "yaml" / "bomb.k8s.yaml").write_text(bomb)
    bad["yaml/bomb.k8s.yaml"] = None
    (root / "yaml" / "tag.cfn.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  L:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n'
        '    Properties:\n      Protocol: !Mystery HTTP\n')
    bad["yaml/tag.cfn.yaml"] = None
    (root / "yaml" / "rain.cfn.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  M:\n    Type: !Rain::Module "./bucket.yaml"\n')
    bad["yaml/rain.cfn.yaml"] = None
    (root / "nginx").mkdir()
    (root / "nginx" / "site.conf").write_text("server {\n    listen 80;\n    location / {\n        root /srv;\n")
    bad["nginx/site.conf"] = None
    (root / "yaml" / "list.k8s.yaml").write_text(
        "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: networking.k8s.io/v1\n    kind: Ingress\n"
        "    metadata: {name: web, namespace: shop}\n    spec:\n      rules:\n        - host: shop.example.com\n"
        "          http:\n            paths:\n              - path: /\n                pathType: Prefix\n"
        "                backend: {service: {name: web, port: {number: 80}}}\n")
    (root / "yaml" / "scalar.yaml").write_text("--- just a string\n--- [1, 2]\n")
    # a symlink loop and a link out of the tree
    (root / "loop").mkdir()
    os.symlink(root / "loop", root / "loop" / "again")
    outside = root.parent / f"{root.name}-outside"
    outside.mkdir()
    (outside / "secret.tf").write_text(BAD_LISTENER)
    os.symlink(outside, root / "escape")
    os.symlink(outside / "secret.tf", root / "good" / "linked.tf")
    return bad


def test_hostile_tree(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    bad = _tree(root)
    outside = tmp_path / "tree-outside"
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if not p.is_symlink()}
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c",
         "import resource, sys\n"
         "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
         "from transit_lint.cli import main\nsys.argv[0] = 'transit-lint'\nmain()",
         ".", "--format", "json", "--max-file-size", "1000000", "--no-cache"],
        cwd=root, capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    doc = json.loads(proc.stdout)
    errors = {e["location"]["path"]: e for e in doc["errors"]}
    assert set(errors) == set(bad), (sorted(errors), sorted(bad))
    for path, line in bad.items():
        assert errors[path]["rule_id"] == "TL000"
        if line is not None:
            assert errors[path]["location"]["start_line"] == line
        assert errors[path]["message"]
    found = sorted((f["location"]["path"], f["location"]["start_line"], f["rule_id"]) for f in doc["findings"])
    # good, CRLF, BOM and invalid-UTF-8 files are linted normally (the UTF-8 one is shifted a line)
    for expected in [("good/main.tf", 3, "TL101"), ("crlf/main.tf", 3, "TL101"), ("bom/main.tf", 3, "TL101"),
                     ("utf8/main.tf", 4, "TL101")]:
        assert expected in found
    # the List's Ingress is judged like any Ingress; the non-object documents are skipped silently
    assert any(path == "yaml/list.k8s.yaml" and rule == "TL101" for path, _, rule in found)
    assert "yaml/scalar.yaml" not in errors
    assert not any("outside" in f[0] or "escape" in f[0] or "linked" in f[0] for f in found)
    assert elapsed < 60
    # with --no-cache nothing at all is written (the report goes to stdout)
    after = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if not p.is_symlink()}
    assert {p: m for p, m in after.items() if p in before} == {p: m for p, m in before.items() if p in after}
    assert set(after) - set(before) == set()
    assert outside.exists()


def test_memory_bound_on_hostile_tree(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    _tree(root)
    from transit_lint.engine import RunOptions, run

    run(RunOptions(paths=[str(root)], base=root, max_file_size=1_000_000))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert peak_mb < 1024


def test_cache_is_the_only_thing_written_and_is_gitignored(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(BAD_LISTENER)
    args = [sys.executable, "-m", "transit_lint", ".", "--format", "json"]
    first = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    entries = sorted(p.name for p in tmp_path.iterdir())
    assert entries == [".transit-lint-cache", "main.tf"]
    assert (tmp_path / ".transit-lint-cache" / ".gitignore").read_text().strip().endswith("*")
    second = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    strip = lambda out: {k: v for k, v in json.loads(out)["summary"].items() if k != "elapsed_seconds"}  # noqa: E731
    assert first.returncode == second.returncode == 1
    assert json.loads(first.stdout)["findings"] == json.loads(second.stdout)["findings"]
    assert strip(first.stdout) == strip(second.stdout)
    # a tampered cache entry is ignored, never trusted
    for entry in (tmp_path / ".transit-lint-cache").rglob("*.json"):
        entry.write_text(entry.read_text().replace("TL101", "TL999"))
    third = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert [f["rule_id"] for f in json.loads(third.stdout)["findings"]] == ["TL101"]


def test_cached_result_is_dropped_when_a_context_file_changes(tmp_path: Path) -> None:
    """The run key hashes the files discovery found; a module under an excluded folder and a
    --var-file outside the tree are read as context, so a change there must not be answered from
    the cache."""
    from transit_lint.engine import RunOptions, RunResult, run

    infra, outside = tmp_path / "infra", tmp_path / "outside"
    (infra / "modules" / "lb").mkdir(parents=True)
    outside.mkdir()
    (infra / "main.tf").write_text('module "lb" {\n  source = "./modules/lb"\n}\n'
                                   'variable "proto" {}\nresource "aws_lb_listener" "edge" {\n'
                                   '  port       = 443\n  protocol   = var.proto\n'
                                   '  ssl_policy = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"\n}\n')
    (infra / "modules" / "lb" / "main.tf").write_text(BAD_LISTENER)
    var_file = outside / "prod.tfvars"
    var_file.write_text('proto = "HTTPS"\n')

    def lint() -> RunResult:
        return run(RunOptions(paths=[str(infra)], base=infra, excludes=["modules"], cache=True,
                              var_files=[str(var_file)]))

    def ids(r: RunResult) -> list[str]:
        return sorted(f"{f.rule_id} {f.resource.id if f.resource else ''}" for f in r.findings)

    first = lint()
    assert ids(first) == ["TL101 module.lb.aws_lb_listener.l"], ids(first)
    assert lint().cached
    (infra / "modules" / "lb" / "main.tf").write_text(BAD_LISTENER.replace('80', '443').replace(
        '"HTTP"', '"HTTPS"\n  ssl_policy = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"'))
    after_module = lint()
    assert not after_module.cached and ids(after_module) == []
    var_file.write_text('proto = "HTTP"\n')
    after_var_file = lint()
    assert not after_var_file.cached
    assert ids(after_var_file) == ["TL101 aws_lb_listener.edge", "TL601 aws_lb_listener.edge"]


def test_a_large_file_of_no_format_is_skipped_and_a_large_manifest_is_reported(tmp_path: Path) -> None:
    """Over --max-file-size, a file whose first 64 KiB no sniffer claims (a package-lock.json)
    is skipped like any file of no format; one that they show to be a manifest is still
    reported unread (TL000, exit 2)."""
    lock = '{\n  "name": "app",\n  "lockfileVersion": 3,\n  "packages": {\n' + "".join(
        f'    "node_modules/p{i}": {{"version": "1.0.{i}"}},\n' for i in range(400)) + '    "": {}\n  }\n}\n'
    (tmp_path / "package-lock.json").write_text(lock)
    (tmp_path / "main.tf").write_text('resource "aws_lb_listener" "a" {\n  port = 80\n  protocol = "HTTP"\n}\n')

    def lint() -> tuple[int, dict[str, object]]:
        p = subprocess.run([sys.executable, "-m", "transit_lint", ".", "--format", "json", "--no-cache",
                            "--max-file-size", "5000"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
        return p.returncode, json.loads(p.stdout)

    # an OpenAPI document names apiVersion and kind as properties, not as its own keys
    (tmp_path / "swagger.json").write_text('{"swagger": "2.0", "definitions": {' + ", ".join(
        f'"io.k8s.T{i}": {{"properties": {{"apiVersion": {{"type": "string"}}, "kind": {{"type": "string"}}}}}}'
        for i in range(100)) + "}}\n")
    code, doc = lint()
    assert len(lock) > 5000 and code == 1 and doc["errors"] == []  # the listener's finding only
    (tmp_path / "big.json").write_text('{"apiVersion": "v1", "kind": "ConfigMap", "data": {'
                                       + ", ".join(f'"k{i}": "v"' for i in range(1000)) + "}}\n")
    code, doc = lint()
    errors = doc["errors"]
    assert code == 2 and isinstance(errors, list)
    assert [(e["location"]["path"], e["rule_id"]) for e in errors] == [("big.json", "TL000")]
