"""Command line: `transit-lint [PATHS]...`.

Exit codes: 0 clean (nothing at or above --fail-on), 1 findings at or above --fail-on, 2 usage,
configuration or parse errors (2 wins over 1; every other file's findings are still reported).

Several reports in one run: `--format` may be repeated, and each report goes to its own place.
Either name the destination inline, `--format sarif=results.sarif`, or give one `--output` per
`--format`, matched in order (`--format text --format sarif --output - --output results.sarif`).
`-` is standard output; at most one report may go there. With a single format, `--output` is
optional (default: standard output).

Settings come from the command line, then the config file (`.transit-lint.yaml` or
`[tool.transit-lint]` in pyproject.toml, found upward from the scanned path; see config.py),
then the defaults.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from . import __version__

if TYPE_CHECKING:
    from .config import Config, IgnoreRules, RepoPaths
    from .engine import RunOptions, RunResult
    from .findings import Severity
    from .policy.loader import Catalog

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github", "mermaid", "dot")
MAP_FORMATS = ("mermaid", "dot")  # need the graph, which the run cache does not keep
STDIN_NAME = "stdin"  # reported path of standard input without --stdin-name
STDOUT = "-"


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _fail(message: str) -> NoReturn:
    print(f"transit-lint: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_ERROR)


@dataclass
class Report:
    format: str
    dest: str  # a file path, or "-" for standard output


def plan_reports(formats: list[str] | None, outputs: list[str] | None) -> list[Report]:
    """Pair formats with destinations (see the module docstring); raise ValueError on ambiguity."""
    specs: list[list[str | None]] = []
    for item in formats or ["text"]:
        name, sep, dest = item.partition("=")
        name = name.strip().lower()
        if name not in FORMATS:
            raise ValueError(f"unknown format {name!r}; use one of {', '.join(FORMATS)}")
        if sep and not dest.strip():
            raise ValueError(f"--format {item!r}: name a file after '=' (or '-' for standard output)")
        specs.append([name, dest.strip() if sep else None])
    outs = list(outputs or [])
    pending = [s for s in specs if s[1] is None]
    if len(specs) == 1 and pending and len(outs) <= 1:
        pending[0][1] = outs[0] if outs else STDOUT
    elif len(outs) == len(pending):
        for spec, dest in zip(pending, outs, strict=True):
            spec[1] = dest
    elif not outs and len(pending) == 1:
        pending[0][1] = STDOUT
    else:
        raise ValueError(f"{len(specs)} --format and {len(outs)} --output: give one --output per --format, "
                         "in the same order, or write --format FORMAT=PATH")
    reports = [Report(str(s[0]), str(s[1])) for s in specs]
    if sum(r.dest == STDOUT for r in reports) > 1:
        raise ValueError("only one report can go to standard output; send the others to files with --output")
    files = [os.path.abspath(r.dest) for r in reports if r.dest != STDOUT]
    if len(files) != len(set(files)):
        raise ValueError("two reports would write the same file")
    return reports


def build_parser() -> argparse.ArgumentParser:
    """The command line. argparse, not typer: typer 0.29 imports pydantic (~170 ms measured),
    more than half of a pre-commit run's 0.3 s budget (docs/architecture.md)."""
    p = argparse.ArgumentParser(
        prog="transit-lint",
        description="Find unprotected data in transit in Terraform, CloudFormation, Kubernetes and nginx "
                    "before anything is deployed.",
        epilog="Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage, configuration or parse errors.")
    add = p.add_argument
    add("paths", nargs="*", metavar="PATH",
        help="files or directories to lint (default: .); '-' reads one file from standard input")
    add("--format", "-f", action="append", metavar="FORMAT",
        help="text, json, sarif, github, or a transit map as mermaid or dot; repeat for several "
             "reports, each with its own --output or inline as FORMAT=PATH")
    add("--output", "-o", action="append", metavar="PATH",
        help="where the report goes ('-' = standard output); one per --format, in order")
    add("--fail-on", metavar="SEVERITY", help="lowest severity that fails the run (exit 1); default info")
    add("--select", action="append", metavar="RULES", help="only these rule ids or prefixes (TL2, TL101)")
    add("--ignore", action="append", metavar="RULES", help="skip these rule ids or prefixes")
    add("--profile", help="baseline, strict, asvs-l1..l3, ccc-tlp-clear..red (see --list-profiles)")
    add("--var-file", action="append", type=Path, metavar="FILE", help="Terraform variable file")
    add("--cfn-parameter", action="append", metavar="KEY=VALUE",
        help="CloudFormation parameter value (overrides the template's default; repeatable)")
    add("--exclude", action="append", metavar="PATTERN",
        help="gitignore-style pattern of paths to skip (relative to the working directory)")
    add("--max-file-size", type=int, default=5_000_000, metavar="BYTES",
        help="skip (and report) files larger than this (default 5000000)")
    add("--nginx-version", help="nginx version the configuration runs on (its defaults depend on it)")
    add("--jobs", "-j", type=int, metavar="N", help="worker processes for large Terraform trees (default: cores)")
    add("--config", type=Path, help="use this config file instead of searching for one")
    add("--no-config", action="store_true", help="ignore config files")
    add("--no-gitignore", action="store_true", help="lint files .gitignore excludes too")
    add("--root", type=Path,
        help="repository root that SARIF, GitHub and baseline paths are relative to (default: git top level)")
    add("--sarif-category", help="SARIF automationDetails.id (GitHub code scanning keeps one analysis per category)")
    add("--sarif-include-suppressed", action="store_true", help="keep suppressed findings in SARIF")
    add("--baseline", type=Path, metavar="FILE", help="report only findings not recorded in this baseline")
    add("--write-baseline", type=Path, metavar="FILE",
        help="record the current findings in this baseline file (exit 0 unless a file failed to parse)")
    add("--stdin-name", metavar="PATH",
        help="path that standard input ('-') stands for: decides the format and the reported path")
    add("--no-cache", action="store_true", help="do not read or write .transit-lint-cache/")
    add("--show-unknown", action="store_true", help="list values that could not be judged")
    add("--list-rules", action="store_true", help="list the rules and exit")
    add("--list-profiles", action="store_true", help="list the profiles and exit")
    add("--explain", metavar="RULE", help="explain a rule (id or name) and exit")
    add("--version", action="store_true", help="print the version and exit")
    return p


def lint(a: argparse.Namespace) -> int:
    """One run of the command line; returns the exit code."""
    paths: list[str] | None = a.paths or None
    format, output, fail_on, profile = a.format, a.output, a.fail_on, a.profile
    select, ignore, var_file, exclude = a.select, a.ignore, a.var_file, a.exclude
    max_file_size, nginx_version, config, no_config = a.max_file_size, a.nginx_version, a.config, a.no_config
    no_gitignore, root, sarif_category = a.no_gitignore, a.root, a.sarif_category
    sarif_include_suppressed, baseline, write_baseline = a.sarif_include_suppressed, a.baseline, a.write_baseline
    stdin_name, no_cache, show_unknown = a.stdin_name, a.no_cache, a.show_unknown
    list_rules, list_profiles, explain, version = a.list_rules, a.list_profiles, a.explain, a.version
    from .policy.loader import PolicyError, load_catalog

    if version:
        print(f"transit-lint {__version__}")
        return EXIT_CLEAN
    try:
        catalog = load_catalog()
    except PolicyError as e:
        _fail(str(e))
    if list_rules or list_profiles or explain:
        _info(catalog, list_rules, list_profiles, explain)

    from .config import ConfigError, RepoPaths, discover_config, resolve_root

    try:
        reports = plan_reports(format, output)
    except ValueError as e:
        _fail(str(e))
    targets = paths or ["."]
    stdin = STDOUT in targets
    if stdin and len(targets) > 1:
        _fail("'-' reads one file from standard input: give it alone (with --stdin-name PATH to name it)")
    if stdin_name and not stdin:
        _fail("--stdin-name needs '-' among the paths")
    scan = [stdin_name] if stdin and stdin_name else targets
    for t in scan:
        if not stdin and not Path(t).exists():
            _fail(f"no such file or directory: {t}")
    if baseline and write_baseline:
        _fail("use --baseline or --write-baseline, not both")
    try:
        cfg = discover_config(scan, config) if not no_config else _empty_config()
    except ConfigError as e:
        _fail(str(e))
    settings = _settings(catalog, cfg, profile, select, ignore, fail_on)
    threshold = settings.fail_on
    if root is not None and not root.is_dir():
        _fail(f"--root {root}: no such directory")
    repo = RepoPaths(Path.cwd().resolve(), resolve_root(scan, root))

    from .engine import RunOptions

    options: dict[str, object] = {}
    nginx = nginx_version or cfg.nginx_version
    if nginx:
        options["nginx_version"] = nginx
    var_files = [str(v) for v in var_file or []]
    for v in var_files:
        if not Path(v).is_file():
            _fail(f"--var-file {v}: no such file")
    if a.cfn_parameter:
        params: dict[str, str] = {}
        for item in a.cfn_parameter:
            key, eq, value = item.partition("=")
            if not eq or not key.strip():
                _fail(f"--cfn-parameter {item!r}: use KEY=VALUE")
            params[key.strip()] = value  # a later value for the same key wins
        options["cfn_parameters"] = params
    if a.jobs is not None and a.jobs < 1:
        _fail("--jobs must be at least 1")
    opts = RunOptions(paths=scan, profile=settings.profile, select=settings.select, ignore=settings.ignore,
                      var_files=var_files, max_file_size=max_file_size, options=options,
                      cache=not no_cache and not any(r.format in MAP_FORMATS for r in reports),
                      keep_nodes=any(r.format in MAP_FORMATS for r in reports),
                      jobs=a.jobs, early_workers=True)

    stdin_text: str | None = None
    if stdin:
        stdin_text = sys.stdin.read()
        stdin_name = stdin_name or STDIN_NAME
        result = _run_stdin(opts, stdin_name, stdin_text)
    else:
        rules = _ignore_rules(scan, cfg, _split(exclude) or [],
                              use_gitignore=cfg.respect_gitignore and not no_gitignore)
        # named paths are left out by the configured excludes only (pre-commit relies on them to
        # skip files it passes); below a named folder, discovery leaves out what is ignored
        opts.paths = [p for p in _tfvars_to_module(scan)
                      if not (Path(p).exists() and rules.excluded_by_config(Path(p), Path(p).is_dir()))]
        opts.path_rules = rules if rules.active else None
        result = _run(opts)
        if opts.path_rules is not None:
            result = _ignored_hidden(result, rules, [Path(p).resolve() for p in opts.paths if Path(p).is_dir()])
    _override_severities(result, settings.severity)

    extra_lines: list[str] = []
    sarif_props: dict[str, object] = {}
    baseline_file = baseline or (cfg.baseline if not write_baseline else None)
    if write_baseline is not None:
        from . import baseline as bl

        try:
            n = bl.write(result, repo, write_baseline)
        except bl.BaselineError as e:
            _fail(str(e))
        print(f"transit-lint: wrote {n} finding(s) to baseline {write_baseline}", file=sys.stderr)
    elif baseline_file is not None:
        from . import baseline as bl

        try:
            applied = bl.apply(result, bl.load(baseline_file), repo)
        except bl.BaselineError as e:
            _fail(str(e))
        result = applied.result
        sarif_props["baseline"] = {"matched": applied.matched, "stale": applied.stale}
        extra_lines.append(f"baseline {baseline_file}: {applied.matched} known finding(s) not reported"
                           + (f"; {applied.stale} entr{'y' if applied.stale == 1 else 'ies'} no longer match"
                              if applied.stale else ""))

    # the offending lines are shown by the text report only
    source = _source_lines(result) if any(r.format == "text" for r in reports) else {}
    if stdin_name is not None and stdin_text is not None:
        source[stdin_name] = stdin_text.splitlines()
    for rep in reports:
        text = _render(rep, result, catalog, repo, source, extra_lines, sarif_props, settings.severity,
                       sarif_category, sarif_include_suppressed, show_unknown)
        _emit(rep, text)

    if result.errors:
        return EXIT_ERROR
    if write_baseline is None and any(f.severity >= threshold and not f.suppressed for f in result.findings):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _info(catalog: Catalog, list_rules: bool, list_profiles: bool, explain: str | None) -> NoReturn:
    from .explain import explain_rule, profiles_table, rules_table

    if list_rules:
        sys.stdout.write(rules_table(catalog))
    elif list_profiles:
        sys.stdout.write(profiles_table(catalog))
    elif explain:
        text = explain_rule(catalog, explain)
        if text is None:
            _fail(f"no rule {explain!r}; see --list-rules")
        sys.stdout.write(text)
    raise SystemExit(EXIT_CLEAN)


def _empty_config() -> Config:
    from .config import Config

    return Config()


@dataclass
class Settings:
    profile: str
    select: list[str] | None
    ignore: list[str] | None
    fail_on: Severity
    severity: dict[str, Severity]


def _settings(catalog: Catalog, cfg: Config, profile: str | None, select: list[str] | None,
              ignore: list[str] | None, fail_on: str | None) -> Settings:
    """Command line over config file over defaults, each value checked against the catalog."""
    from .findings import Severity

    where = f" (in {cfg.source})" if cfg.source else ""

    def check_rules(ids: list[str] | None, origin: str) -> list[str] | None:
        for rid in ids or []:
            if not any(p.id.startswith(rid) or p.name == rid for p in catalog.policies.values()):
                _fail(f"no rule matches {rid!r}{origin}; see --list-rules")
        return ids

    sel = check_rules(_split(select), "") if select else check_rules(cfg.select, where)
    ign = check_rules(_split(ignore), "") if ignore else check_rules(cfg.ignore, where)
    prof = profile or cfg.profile or "baseline"
    if prof not in catalog.profiles:
        _fail(f"unknown profile {prof!r}{'' if profile else where}; use one of {', '.join(catalog.profiles)}")
    try:
        threshold = Severity.parse(fail_on or cfg.fail_on or "info")
    except ValueError as e:
        _fail(f"{e}{'' if fail_on else where}")
    overrides: dict[str, Severity] = {}
    for rid, sev in cfg.severity.items():
        if rid not in catalog.policies:
            _fail(f"severity override for unknown rule {rid!r}{where}; see --list-rules")
        try:
            overrides[rid] = Severity.parse(sev)
        except ValueError as e:
            _fail(f"severity.{rid}: {e}{where}")
    return Settings(prof, sel, ign, threshold, overrides)


def _override_severities(result: RunResult, overrides: dict[str, Severity]) -> None:
    if overrides:
        for f in result.findings + result.errors:
            if f.rule_id in overrides:
                f.severity = overrides[f.rule_id]


def _ignore_rules(scan: list[str], cfg: Config, cli_excludes: list[str], use_gitignore: bool) -> IgnoreRules:
    from .config import IgnoreRules, common_start, find_repo_root

    excludes: list[tuple[Path, list[str]]] = []
    if cfg.exclude and cfg.directory is not None:
        excludes.append((cfg.directory, cfg.exclude))
    if cli_excludes:
        excludes.append((Path.cwd(), cli_excludes))
    repo = find_repo_root(common_start(scan)) if use_gitignore else None
    return IgnoreRules(repo, excludes)


def _ignored_hidden(result: RunResult, rules: IgnoreRules, roots: list[Path]) -> RunResult:
    """Terraform reads a whole module directory, ignored files included (as Terraform would):
    they are context, but findings in them are not reported (`IgnoreRules.shown`)."""
    from dataclasses import replace

    if not rules.met_patterns():
        return result  # the walk met no pattern: nothing it walked is ignored (most checkouts)
    base = Path.cwd().resolve()
    verdict: dict[str, bool] = {}

    def shown(path: str) -> bool:
        if path not in verdict:
            verdict[path] = rules.shown(base / path, roots)
        return verdict[path]

    return replace(result, findings=[f for f in result.findings if shown(f.path)],
                   errors=[e for e in result.errors if shown(e.path)])


def _tfvars_to_module(paths: list[str]) -> list[str]:
    """A variables file named alone (pre-commit passes the changed files) changes what its
    module's .tf files mean: lint those instead, as the files whose findings are reported."""
    out: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_file() and p.name.endswith((".tfvars", ".tfvars.json")):
            out += [str(p.parent / f.name) for f in sorted(p.parent.glob("*.tf")) if f.is_file()]
        else:
            out.append(raw)
    return list(dict.fromkeys(out))


def _run(opts: RunOptions) -> RunResult:
    from .engine import run

    try:
        return run(opts)
    except FileNotFoundError as e:
        _fail(f"no such file or directory: {e}")
    except ValueError as e:
        _fail(str(e))


# Terraform judges a file with its module directory, so the stand-in for standard input gets
# copies of its siblings. Until the engine accepts in-memory files, local child modules are not
# resolved for standard input.
_CONTEXT_SUFFIXES = (".tf", ".tfvars", ".tfvars.json")


def _run_stdin(opts: RunOptions, name: str, text: str) -> RunResult:
    """Lint `text` as if it were the file `name`, reporting `name`. The format comes from the
    name when its suffix claims the text, else from the content (`helm template . | transit-lint -`)."""
    from .frontends import module, sniff_candidates, sniff_text

    real = Path(name)
    rel = Path(os.path.relpath(real.absolute(), Path.cwd()))
    if rel.is_absolute() or rel.parts[:1] == ("..",):
        rel = Path(real.name)
    named = real.name.endswith(".tf") or any(
        (m := module(fmt)) is not None and m.sniff(real, text) for fmt in sniff_candidates(real))
    suffix = None if named else sniff_text(text)
    if suffix is not None:
        rel = rel.with_name(rel.name + suffix)
    with tempfile.TemporaryDirectory(prefix="transit-lint-stdin-") as tmp:
        target = Path(tmp) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        src_dir = real.absolute().parent
        if real.name.endswith(".tf") and src_dir.is_dir():
            for sib in sorted(src_dir.iterdir()):
                if (sib.name != real.name and sib.is_file() and sib.name.endswith(_CONTEXT_SUFFIXES)
                        and sib.stat().st_size <= opts.max_file_size):
                    shutil.copyfile(sib, target.parent / sib.name)
        target.write_text(text, encoding="utf-8")
        opts.paths, opts.base, opts.cache = [str(target)], Path(tmp), False
        result = _run(opts)
    shown = rel.as_posix()
    for f in result.findings + result.errors:
        if f.path == shown:
            f.path = name
    if result.files_parsed == 0 and not result.errors:
        print(f"transit-lint: {name}: standard input is none of the formats transit-lint reads "
              "(Terraform, CloudFormation, Kubernetes, nginx); nothing was checked", file=sys.stderr)
    for n in result.nodes:
        if n.path == shown:
            n.path = name
    result.links = [(name if sp == shown else sp, s, name if dp == shown else dp, d, t)
                    for sp, s, dp, d, t in result.links]
    return result


def _render(rep: Report, result: RunResult, catalog: Catalog, repo: RepoPaths, source: dict[str, list[str]],
            extra_lines: list[str], sarif_props: dict[str, object], overrides: dict[str, Severity],
            category: str | None, include_suppressed: bool, show_unknown: bool) -> str:
    if rep.format == "json":
        from .report import json as json_report

        return json_report.render(result, catalog)
    if rep.format == "sarif":
        from .report import sarif

        return sarif.render(result, catalog, sarif.SarifOptions(
            paths=repo, category=category, include_suppressed=include_suppressed, severity=overrides,
            properties=sarif_props))
    if rep.format in MAP_FORMATS:
        from .report import dot, mermaid

        if rep.format == "dot":
            return dot.render(result, catalog)
        text = mermaid.render(result, catalog)
        # to a Markdown file (for a PR comment or the job summary) as a block GitHub renders
        markdown = rep.dest != STDOUT and rep.dest.lower().endswith((".md", ".markdown"))
        return f"```mermaid\n{text}```\n" if markdown else text
    if rep.format == "github":
        from .report import github

        return github.render(result, catalog, github.GithubOptions(paths=repo, extra=extra_lines))
    from .report import text as text_report

    colour = rep.dest == STDOUT and sys.stdout.isatty()
    text = text_report.render(result, catalog, colour=colour, source=source)
    if show_unknown and result.unknown_sites:
        text += "\nNot judged (values unknown statically):\n" + "".join(
            f"  {path}:{getattr(span, 'line', '?')}  {pid}  {rid}\n"
            for pid, path, rid, span in result.unknown_sites
        )
    return text + "".join(line + "\n" for line in extra_lines)


def _emit(rep: Report, text: str) -> None:
    if rep.dest == STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        Path(rep.dest).write_text(text, encoding="utf-8")
    except OSError as e:
        _fail(f"cannot write {rep.dest}: {e.strerror or e}")


def _source_lines(result: RunResult) -> dict[str, list[str]]:
    """The lines of files that have findings, to show the offending line."""
    out: dict[str, list[str]] = {}
    for f in result.all_findings:
        if f.path in out:
            continue
        try:
            out[f.path] = Path(f.path).read_text("utf-8", "replace").splitlines()
        except OSError:
            out[f.path] = []
    return out


def main(argv: list[str] | None = None) -> None:
    """The command line (`argv` None: this process is the CLI, and ends with the run)."""
    args = build_parser().parse_args(argv)
    import gc

    from .engine import fewer_collections

    try:
        if argv is None:
            # the collector stays off to the end, and the run's objects are out of its reach when
            # the interpreter exits: its pass at exit walks every object the run made (0.13 s of a
            # 2,500-file run in one process) to free memory the ending process gives back anyway
            gc.disable()
            code = lint(args)
            gc.freeze()
        else:
            with fewer_collections():  # the report too: it is built while the run's objects still live
                code = lint(args)
    except KeyboardInterrupt:
        code = 130
    sys.stdout.flush()
    raise SystemExit(code)
