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

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional

import typer

from . import __version__

if TYPE_CHECKING:
    from .config import Config, IgnoreRules, RepoPaths
    from .engine import RunOptions, RunResult
    from .findings import Severity
    from .policy.loader import Catalog

app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]})

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github")
STDOUT = "-"


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _fail(message: str) -> NoReturn:
    typer.echo(f"transit-lint: error: {message}", err=True)
    raise typer.Exit(EXIT_ERROR)


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


@app.command()
def lint(
    paths: Annotated[Optional[list[str]], typer.Argument(
        help="Files or directories to lint (default: .); '-' reads one file from standard input")] = None,
    format: Annotated[Optional[list[str]], typer.Option(
        "--format", "-f", help="text, json, sarif or github; repeat for several reports, "
        "each with its own --output or inline as FORMAT=PATH")] = None,
    output: Annotated[Optional[list[str]], typer.Option(
        "--output", "-o", help="Where the report goes ('-' = standard output); one per --format, in order")] = None,
    fail_on: Annotated[Optional[str], typer.Option(help="Lowest severity that fails the run (exit 1)")] = None,
    select: Annotated[Optional[list[str]], typer.Option(help="Only these rule ids or prefixes (TL2, TL101)")] = None,
    ignore: Annotated[Optional[list[str]], typer.Option(help="Skip these rule ids or prefixes")] = None,
    profile: Annotated[Optional[str], typer.Option(
        help="baseline, strict, asvs-l1..l3, ccc-tlp-clear..red")] = None,
    var_file: Annotated[Optional[list[Path]], typer.Option("--var-file", help="Terraform variable file")] = None,
    exclude: Annotated[Optional[list[str]], typer.Option(
        help="gitignore-style pattern of paths to skip (relative to the working directory)")] = None,
    max_file_size: Annotated[int, typer.Option(help="Skip (and report) files larger than this many bytes")] = 5_000_000,
    nginx_version: Annotated[Optional[str], typer.Option(
        help="nginx version the configuration runs on (its defaults depend on it)")] = None,
    config: Annotated[Optional[Path], typer.Option(
        "--config", help="Use this config file instead of searching for one")] = None,
    no_config: Annotated[bool, typer.Option("--no-config", help="Ignore config files")] = False,
    no_gitignore: Annotated[bool, typer.Option("--no-gitignore", help="Lint files .gitignore excludes too")] = False,
    root: Annotated[Optional[Path], typer.Option(
        help="Repository root that SARIF, GitHub and baseline paths are relative to (default: git top level)")] = None,
    sarif_category: Annotated[Optional[str], typer.Option(
        help="SARIF automationDetails.id category (GitHub code scanning keeps one analysis per category)")] = None,
    sarif_include_suppressed: Annotated[bool, typer.Option(
        "--sarif-include-suppressed", help="Keep suppressed findings in SARIF (with suppressions[])")] = False,
    baseline: Annotated[Optional[Path], typer.Option(
        help="Report only findings not recorded in this baseline file")] = None,
    write_baseline: Annotated[Optional[Path], typer.Option(
        help="Record the current findings in this baseline file (exit 0 unless a file failed to parse)")] = None,
    stdin_name: Annotated[Optional[str], typer.Option(
        help="Path that standard input ('-') stands for: decides the format and the reported path")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the parse cache")] = False,
    show_unknown: Annotated[bool, typer.Option("--show-unknown", help="List values that could not be judged")] = False,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="List the rules and exit")] = False,
    list_profiles: Annotated[bool, typer.Option("--list-profiles", help="List the profiles and exit")] = False,
    explain: Annotated[Optional[str], typer.Option("--explain", help="Explain a rule (id or name) and exit")] = None,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit")] = False,
) -> None:
    """Find unprotected data in transit in Terraform, CloudFormation, Kubernetes and nginx before
    anything is deployed."""
    from .policy.loader import PolicyError, load_catalog

    if version:
        typer.echo(f"transit-lint {__version__}")
        raise typer.Exit(EXIT_CLEAN)
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
    if stdin and (len(targets) > 1 or not stdin_name):
        _fail("'-' reads one file from standard input: give it alone, with --stdin-name PATH")
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
    opts = RunOptions(paths=scan, profile=settings.profile, select=settings.select, ignore=settings.ignore,
                      var_files=var_files, max_file_size=max_file_size, options=options, cache=not no_cache)

    stdin_text: str | None = None
    if stdin and stdin_name:
        stdin_text = sys.stdin.read()
        result = _run_stdin(opts, stdin_name, stdin_text)
    else:
        rules = _ignore_rules(scan, cfg, _split(exclude) or [],
                              use_gitignore=cfg.respect_gitignore and not no_gitignore)
        wanted = _tfvars_to_module(scan)
        opts.paths = _skip_ignored(wanted, rules)
        result = _run(opts) if opts.paths == wanted else _only_under(_run(opts), opts.paths)
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
        typer.echo(f"transit-lint: wrote {n} finding(s) to baseline {write_baseline}", err=True)
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

    source = _source_lines(result)
    if stdin_name is not None and stdin_text is not None:
        source[stdin_name] = stdin_text.splitlines()
    for rep in reports:
        text = _render(rep, result, catalog, repo, source, extra_lines, sarif_props, settings.severity,
                       sarif_category, sarif_include_suppressed, show_unknown)
        _emit(rep, text)

    if result.errors:
        raise typer.Exit(EXIT_ERROR)
    if write_baseline is None and any(f.severity >= threshold and not f.suppressed for f in result.findings):
        raise typer.Exit(EXIT_FINDINGS)
    raise typer.Exit(EXIT_CLEAN)


def _info(catalog: Catalog, list_rules: bool, list_profiles: bool, explain: str | None) -> NoReturn:
    from .explain import explain_rule, profiles_table, rules_table

    if list_rules:
        typer.echo(rules_table(catalog), nl=False)
    elif list_profiles:
        typer.echo(profiles_table(catalog), nl=False)
    elif explain:
        text = explain_rule(catalog, explain)
        if text is None:
            _fail(f"no rule {explain!r}; see --list-rules")
        typer.echo(text, nl=False)
    raise typer.Exit(EXIT_CLEAN)


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


def _skip_ignored(scan: list[str], rules: IgnoreRules) -> list[str]:
    from .config import expand_paths

    return expand_paths(scan, rules)


def _only_under(result: RunResult, kept: list[str]) -> RunResult:
    """Terraform reads a whole module directory, ignored files included (as Terraform would):
    they are context, but only findings in the files and folders that were kept are reported."""
    from dataclasses import replace

    base = Path.cwd()
    roots = {Path(os.path.normpath(os.path.abspath(k))) for k in kept}
    verdict: dict[str, bool] = {}

    def shown(path: str) -> bool:
        if path not in verdict:
            full = Path(os.path.normpath(base / path))
            verdict[path] = full in roots or any(p in roots for p in full.parents)
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
    """Lint `text` as if it were the file `name`, reporting `name`."""
    real = Path(name)
    rel = Path(os.path.relpath(real.absolute(), Path.cwd()))
    if rel.is_absolute() or rel.parts[:1] == ("..",):
        rel = Path(real.name)
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


def main() -> None:
    app(prog_name="transit-lint")
