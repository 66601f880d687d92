#!/usr/bin/env python3
"""Speed and memory of transit-lint beside Checkov, measured in the same run (issue 11).

Builds trees from the repository's own examples and fixtures (and the KICS corpus in ../shared
when present) replicated to N, 2N and 4N files (or uses a real tree given with --tree), installs
Checkov into a bench venv (bench/.venv-checkov) unless --skip-checkov, and prints:

  whole tree:   transit-lint wall, Checkov wall (transit checks only), ratio (target >= 20x)
  vs raw parse: transit-lint wall / raw parse time of the same files (target <= 3x)
  one file:     pre-commit wall time, start-up included (target < 0.3 s)
  memory:       peak RSS for the largest tree (target < 1 GB for 5,000 files)
  linearity:    time and memory at 1x, 2x, 4x
  repeat run:   unchanged tree from the cache (target < 1 s for 5,000 files), and after one edit

Benchmarks are not tests: they print figures, they do not assert.
Usage: python bench/perf.py [--files 1250] [--tree DIR] [--skip-checkov] [--repeats 3] [--single-runs 5]
CI runs a smoke version (tests/test_bench_smoke.py): a few files, no Checkov.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
VENV = ROOT / "bench" / ".venv-checkov"
PY = sys.executable
SUFFIXES = (".tf", ".yaml", ".yml", ".json", ".conf")

# Run the CLI in a child that reports its own peak RSS (ru_maxrss of the process itself).
_MEASURE = (
    "import resource, runpy, sys, time\n"
    "sys.argv = ['transit-lint'] + sys.argv[1:]\n"
    "t = time.perf_counter()\n"
    "try:\n    runpy.run_module('transit_lint', run_name='__main__')\n"
    "except SystemExit:\n    pass\n"
    "own, kid = (resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))\n"
    "print(f'@@ {time.perf_counter() - t} {own} {kid}', file=sys.stderr)\n"
)


def sources() -> list[Path]:
    # realistic input only: the hostile parse-error fixtures (TL000: alias bombs, deep nesting)
    # measure robustness, not speed, and hang some peers (Checkov's Kubernetes runner: > 100 s)
    out = [p for p in sorted((ROOT / "fixtures").rglob("*")) if _source(p) and "TL000" not in p.parts
           and "parsers" not in p.parts]
    out += [p for p in sorted((ROOT / "examples").rglob("*")) if _source(p)]
    kics = SHARED / "peer-corpus" / "kics"
    if kics.is_dir():
        out += [p for p in sorted(kics.rglob("*")) if p.is_file() and p.suffix in SUFFIXES
                and p.name.startswith(("positive", "negative")) and not p.name.endswith("_expected_result.json")]
    return out


def _source(p: Path) -> bool:
    # not a cache a run left in examples/ (its entries are JSON; a run from outside the paths it
    # lints keeps its cache beside them): the tree must not depend on what ran in this checkout
    return p.is_file() and p.suffix in SUFFIXES and ".transit-lint-cache" not in p.parts


def build_tree(dest: Path, n: int) -> int:
    """n files: each source file copied into its own folder (a module of its own), repeated. The
    tree is a checkout (an empty `.git`), as a user runs the tools in one: the .gitignore pass
    runs, as it does there (it found nothing to leave out here)."""
    (dest / ".git").mkdir(parents=True, exist_ok=True)
    src = sources()
    count = 0
    rep = 0
    while count < n:
        for i, p in enumerate(src):
            if count >= n:
                break
            d = dest / f"r{rep}" / f"m{i}"
            d.mkdir(parents=True, exist_ok=True)
            shutil.copy2(p, d / p.name)
            count += 1
        rep += 1
    return count


# as installed by pip, which compiles the bytecode at install time: a machine that sets
# PYTHONDONTWRITEBYTECODE would otherwise recompile every module on every run (~80 ms)
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def tl(*args: str, cwd: Path) -> tuple[float, int]:
    """(wall seconds, peak RSS KB) of one transit-lint run: the main process plus, when it starts
    worker processes, one per core at the largest worker's peak (an upper bound: the workers'
    peaks need not coincide)."""
    t = time.perf_counter()
    p = subprocess.run([PY, "-c", _MEASURE, *args], cwd=cwd, capture_output=True, text=True, env=_ENV)
    wall = time.perf_counter() - t
    rss = 0
    for line in p.stderr.splitlines():
        if line.startswith("@@ "):
            own, kid = int(line.split()[2]), int(line.split()[3])
            rss = own + (os.cpu_count() or 1) * kid if kid else own
    return wall, rss


def raw_parse_seconds(tree: Path) -> tuple[float, float]:
    """Each file parsed by its format's parsing library, nothing built on top: tree-sitter-hcl for
    .tf, PyYAML's C composer for YAML, json for JSON, crossplane for nginx .conf (our own nginx
    lexer is ~3.5x faster than crossplane's parse: 0.02 s against 0.07 s for the 171 .conf files
    of the 2,500-file tree; docs/performance.md gives the ratio both ways). Returns (all files,
    the nginx files' share)."""
    code = (
        "import sys, time, json, yaml, crossplane\nfrom pathlib import Path\n"
        "import tree_sitter_hcl\nfrom tree_sitter import Language, Parser\n"
        "p = Parser(Language(tree_sitter_hcl.language()))\n"
        "files = [f for f in Path(sys.argv[1]).rglob('*') if f.is_file()]\n"
        "data = [(f.suffix, f.read_bytes(), f) for f in files]\n"
        "t = time.perf_counter()\n"
        "conf = 0.0\n"
        "for sfx, b, f in data:\n"
        "    if sfx == '.tf': p.parse(b)\n"
        "    elif sfx in ('.yaml', '.yml'):\n"
        "        try: list(yaml.compose_all(b, Loader=yaml.CSafeLoader))\n"
        "        except Exception: pass\n"
        "    elif sfx == '.json':\n"
        "        try: json.loads(b)\n"
        "        except Exception: pass\n"
        "    elif sfx == '.conf':\n"
        "        c = time.perf_counter()\n"
        "        crossplane.parse(str(f), single=True, catch_errors=True, check_ctx=False, check_args=False)\n"
        "        conf += time.perf_counter() - c\n"
        "print(time.perf_counter() - t, conf)\n"
    )
    out = subprocess.run([PY, "-c", code, str(tree)], capture_output=True, text=True, check=True)
    total, conf = out.stdout.split()
    return float(total), float(conf)


def checkov_exe() -> Path:
    """Checkov in the bench venv, installed there on first use."""
    exe = VENV / "bin" / "checkov"
    if not exe.exists():
        print("installing checkov into bench/.venv-checkov (once) ...", flush=True)
        subprocess.run([PY, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "checkov"], check=True)
    return exe


def checkov_run(path: Path) -> tuple[float, int, str]:
    """(seconds, resources Checkov read, why it failed or ""). A run that exits with an error, or
    reads no resource at all (Checkov does not walk below a hidden folder), is no comparison."""
    exe = checkov_exe()
    t = time.perf_counter()
    p = subprocess.run([str(exe), "-d", str(path), "--framework", "terraform", "cloudformation", "kubernetes",
                        "--check", ",".join(checks_list()), "--skip-download", "--compact", "--quiet",
                        "-o", "json"], capture_output=True, text=True)
    took = time.perf_counter() - t
    try:
        reports = json.loads(p.stdout)
    except ValueError:
        last = (p.stderr.strip().splitlines() or ["no output"])[-1]
        return took, 0, f"exit {p.returncode}: {last[:160]}"
    reports = reports if isinstance(reports, list) else [reports]
    resources = sum(int(r.get("summary", r).get("resource_count", 0)) for r in reports)
    return took, resources, "" if resources else "it read no resource"


def _edit_and_lint(tree: Path) -> float:
    """A run after one file's content changed (the cached shards of the others are reused)."""
    files = sorted(p for p in tree.rglob("*") if p.is_file() and ".transit-lint-cache" not in p.parts)
    edited = next((p for p in files if p.suffix == ".tf"), files[0])
    with open(edited, "a", encoding="utf-8") as fh:
        fh.write("\n# edited by the bench\n")
    return tl(".", "--format", "json", "--output", os.devnull, cwd=tree)[0]


@dataclass(frozen=True)
class Measured:
    wall: float  # median, --no-cache
    rss: int  # KB, the largest run's
    raw: float  # raw parse, median
    nginx: float  # the nginx files' share of it
    cached: float  # repeat from the cache, median
    edited: float  # after one edit, median (0 when not measured)
    walls: tuple[float, ...] = ()  # every --no-cache run's


def measure_tree(tree: Path, repeats: int, edit: bool) -> Measured:
    """transit-lint's figures on one tree; the tree is left without a cache."""
    runs = [tl(".", "--no-cache", "--format", "json", "--output", os.devnull, cwd=tree) for _ in range(repeats)]
    raws = [raw_parse_seconds(tree) for _ in range(repeats)]
    tl(".", "--format", "json", "--output", os.devnull, cwd=tree)  # fill the cache
    cached = median([tl(".", "--format", "json", "--output", os.devnull, cwd=tree)[0] for _ in range(repeats)])
    edited = median([_edit_and_lint(tree) for _ in range(repeats)]) if edit else 0.0
    shutil.rmtree(tree / ".transit-lint-cache", ignore_errors=True)
    return Measured(median([w for w, _ in runs]), max(r for _, r in runs), median([r[0] for r in raws]),
                    median([r[1] for r in raws]), cached, edited, tuple(w for w, _ in runs))


def wall_around(m: Measured, tree: Path, repeats: int) -> tuple[float, int]:
    """(median wall, runs) of the tree's runs before Checkov's and as many again after it: a
    machine that slows down during the bench slows both tools."""
    walls = list(m.walls) + [tl(".", "--no-cache", "--format", "json", "--output", os.devnull, cwd=tree)[0]
                             for _ in range(repeats)]
    return median(walls), len(walls)


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def verdict(target: str, met: bool | None, figure: str) -> str:
    return f"{target} {'MET' if met else 'not met' if met is not None else 'not judged'} ({figure})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=1250, help="files in the 1x tree (4x is 4 times that)")
    ap.add_argument("--tree", type=Path, help="a real tree to measure instead of the built ones")
    ap.add_argument("--skip-checkov", action="store_true")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--single-runs", type=int, default=5, help="runs per one-file case (median)")
    ap.add_argument("--checkov-tree", choices=("1x", "2x", "4x"), default="2x",
                    help="which built tree Checkov runs on (default 2x: at least 2,000 files by default)")
    a = ap.parse_args()

    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "src")], check=False, env=_ENV)
    work = Path(tempfile.mkdtemp(prefix="tl-bench-"))
    try:
        trees: list[tuple[str, Path, int]] = []
        if a.tree:
            trees.append(("real", a.tree.resolve(), sum(1 for p in a.tree.rglob("*") if p.is_file())))
        else:
            for mult in (1, 2, 4):
                d = work / f"x{mult}"
                trees.append((f"{mult}x", d, build_tree(d, a.files * mult)))
        print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")
        rows = []
        measured: list[Measured] = []
        ratio: float | None = None
        for label, tree, n in trees:
            # never an edit on a real tree given with --tree: the bench does not write into it
            m = measure_tree(tree, a.repeats, edit=not a.tree)
            measured.append(m)
            rows.append((label, n, m.wall, m.rss, m.raw, m.cached, m.edited))
            print(f"{label:>4} {n:6} files: transit-lint {m.wall:6.2f}s  peak {m.rss / 1024:6.0f} MB  "
                  f"raw parse {m.raw:5.2f}s, nginx {m.nginx:4.2f}s of it (x{m.wall / m.raw:.2f})  "
                  f"repeat (cache) {m.cached:5.2f}s" + (f", after one edit {m.edited:5.2f}s" if m.edited else ""),
                  flush=True)
        singles = {}
        for one in ("bad.tf", "bad.cfn.yaml", "bad.k8s.yaml", "bad.nginx.conf"):
            path = ROOT / "fixtures" / "TL101" / one
            singles[one] = median([tl(str(path), "--no-cache", cwd=ROOT)[0] for _ in range(a.single_runs)])
        single = max(singles.values())
        print("one file (pre-commit), start-up included (target < 0.3 s): "
              + ", ".join(f"{k} {v:.3f}s" for k, v in singles.items()))
        if len(rows) == 3:
            t1, t4 = rows[0][2], rows[2][2]
            m1, m4 = rows[0][3], rows[2][3]
            print(f"linearity: time 4x/1x = {t4 / t1:.2f} (4.0 is linear); memory 4x/1x = {m4 / m1:.2f}")
        if not a.skip_checkov:
            which = 0 if a.tree else ("1x", "2x", "4x").index(a.checkov_tree)
            label, tree, n = trees[which]
            ck, resources, failure = checkov_run(tree)
            if failure:
                print(f"checkov on the {label} tree ({n} files) FAILED after {ck:.1f}s ({failure}); no ratio")
            else:
                mine, runs = wall_around(measured[which], tree, a.repeats)
                ratio = ck / mine
                print(f"checkov on the {label} tree ({n} files, {len(checks_list())} transit checks): {ck:.1f}s, "
                      f"{resources} resources read; transit-lint {mine:.2f}s (median of {runs} runs around "
                      f"it); transit-lint is {ratio:.1f}x faster (target >= 20x)")
        big = max(measured, key=lambda m: m.rss)
        largest = max(rows, key=lambda r: r[1])
        # both tree targets on the tree Checkov ran on (the "same tree")
        on = measured[0 if a.tree else ("1x", "2x", "4x").index(a.checkov_tree)]
        print("targets: " + "; ".join([
            verdict(">= 20x Checkov", None if ratio is None else ratio >= 20,
                    "no ratio" if ratio is None else f"{ratio:.1f}x"),
            verdict("<= 3x raw parse", on.wall / on.raw <= 3, f"x{on.wall / on.raw:.2f}"),
            verdict("one file < 0.3 s", single < 0.3, f"{single:.3f}s"),
            verdict(f"peak < 1 GB at {largest[1]} files", big.rss < 1024 * 1024, f"{big.rss / 1024:.0f} MB"),
            verdict(f"repeat < 1 s at {largest[1]} files", measured[rows.index(largest)].cached < 1,
                    f"{measured[rows.index(largest)].cached:.2f}s")]))
        print(json.dumps({"rows": rows, "single_file_seconds": single}))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def checks_list() -> list[str]:
    return (ROOT / "bench" / "checkov_transit_checks.txt").read_text().strip().split(",")


if __name__ == "__main__":
    sys.exit(main())
