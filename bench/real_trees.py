#!/usr/bin/env python3
"""transit-lint beside Checkov on whole real-world trees, as published (issue 11).

bench/perf.py measures trees built from this repository's fixtures: every file there is
infrastructure code, which is the worst case for the ratio to Checkov. A real repository also
holds source code, schemas, test data and documents, and both tools must walk past them. This
script fetches pinned source trees of public projects from the registries this machine reaches
(PyPI and Debian's archive), checks each download's SHA-256, unpacks it under
bench/real-trees/ (gitignored) and measures, in one run per tree:

  transit-lint wall (median of --repeats), its peak RSS, the raw parse of the same files
  (perf.raw_parse_seconds), a repeat run from the cache, and Checkov (the 122 transit checks,
  --skip-download, as in perf.py); then the two ratios (targets: >= 20x Checkov, <= 3x raw parse).

No real Terraform or nginx tree is reachable from these registries; the built trees of perf.py
stand in for them. Benchmarks print figures; they are not tests.
Usage: python bench/real_trees.py [--only NAME] [--repeats 3] [--skip-checkov]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import perf

# not a hidden folder: Checkov does not walk below one (it found nothing there)
HERE = perf.ROOT / "bench" / "real-trees"


@dataclass(frozen=True)
class Tree:
    name: str
    what: str  # what the tree is, for the printout
    sha256: str  # of the downloaded archive
    top: str  # the folder the archive unpacks to
    url: str = ""  # a direct download, or
    pypi_sdist: str = ""  # "project==version": the source distribution pip downloads


TREES = (
    Tree("cfn-lint-1.58.0", "cfn-lint's source distribution (PyPI): 239 CloudFormation test templates among "
         "2,301 JSON schemas and 1,058 Python files",
         "ba02cd7f7e06c8bc160936051a03ec931af52943fcc9cc72ad2748caa0f2a103", "cfn_lint-1.58.0",
         pypi_sdist="cfn-lint==1.58.0"),
    Tree("kubernetes-1.20.2", "the Kubernetes repository at v1.20.2 (Debian's orig tarball): ~1,300 manifests "
         "and API fixtures among 22,700 files, most of them Go",
         "b83c0780efb182d928dc63d46488a847f161f04e40a94b96bf5247dd671ecdfc", "kubernetes-1.20.2",
         url="http://deb.debian.org/debian/pool/main/k/kubernetes/kubernetes_1.20.5+really1.20.2.orig.tar.gz"),
)


def fetch(tree: Tree) -> Path:
    """The unpacked tree, downloaded and checked once."""
    dest = HERE / tree.name
    if (dest / tree.top).is_dir():
        # a checkout of its own, as a user runs the tools in one: the tree's own .gitignore files
        # apply (without this, the tree would sit inside this repository, in an ignored folder)
        (dest / tree.top / ".git").mkdir(exist_ok=True)
        return dest / tree.top
    HERE.mkdir(parents=True, exist_ok=True)
    if tree.pypi_sdist:
        got = HERE / f"{tree.name}.download"
        shutil.rmtree(got, ignore_errors=True)
        subprocess.run([perf.PY, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                        "-d", str(got), tree.pypi_sdist], check=True)
        archive = next(got.iterdir())
    else:
        archive = HERE / f"{tree.name}.tar.gz"
        print(f"downloading {tree.url} ...", flush=True)
        with urllib.request.urlopen(tree.url, timeout=300) as r, open(archive, "wb") as out:
            shutil.copyfileobj(r, out)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != tree.sha256:
        raise SystemExit(f"{archive}: SHA-256 {digest}, expected {tree.sha256}; not unpacked")
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    with tarfile.open(archive) as tf:
        tf.extractall(dest, filter="data")
    return fetch(tree)


def measure(tree: Tree, path: Path, repeats: int, checkov: bool) -> None:
    files = sum(1 for p in path.rglob("*") if p.is_file() and ".transit-lint-cache" not in p.parts)
    m = perf.measure_tree(path, repeats, edit=False)
    print(f"{tree.name}: {tree.what}")
    print(f"  {files} files: transit-lint {m.wall:.2f}s, peak {m.rss / 1024:.0f} MB, raw parse {m.raw:.2f}s "
          f"(x{m.wall / m.raw:.2f}, target <= 3x), repeat (cache) {m.cached:.2f}s", flush=True)
    ratio = None
    if checkov:
        ck, resources, failure = perf.checkov_run(path)
        if failure:
            print(f"  checkov ({len(perf.checks_list())} transit checks) FAILED after {ck:.1f}s ({failure}); "
                  "no ratio", flush=True)
        else:
            wall, runs = perf.wall_around(m, path, repeats)
            ratio = ck / wall
            print(f"  checkov ({len(perf.checks_list())} transit checks): {ck:.1f}s, {resources} resources read; "
                  f"transit-lint {wall:.2f}s (median of {runs} runs around it); transit-lint is "
                  f"{ratio:.1f}x faster (target >= 20x)", flush=True)
    print("  targets: " + "; ".join([
        perf.verdict(">= 20x Checkov", None if ratio is None else ratio >= 20,
                     "no ratio" if ratio is None else f"{ratio:.1f}x"),
        perf.verdict("<= 3x raw parse", m.wall / m.raw <= 3, f"x{m.wall / m.raw:.2f}"),
        perf.verdict("peak < 1 GB", m.rss < 1024 * 1024, f"{m.rss / 1024:.0f} MB"),
        # the target is for 5,000 files: a larger tree is shown, not judged
        perf.verdict("repeat < 1 s at 5,000 files", m.cached < 1 if files <= 5000 else None,
                     f"{m.cached:.2f}s at {files} files")]), flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=[t.name for t in TREES])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-checkov", action="store_true")
    a = ap.parse_args()
    subprocess.run([perf.PY, "-m", "compileall", "-q", str(perf.ROOT / "src")], check=False, env=perf._ENV)
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")
    for tree in TREES:
        if a.only in (None, tree.name):
            measure(tree, fetch(tree), a.repeats, not a.skip_checkov)
    return 0


if __name__ == "__main__":
    sys.exit(main())
