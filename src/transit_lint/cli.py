"""Command line: `transit-lint [PATHS]...`.

Exit codes: 0 clean (nothing at or above --fail-on), 1 findings at or above --fail-on, 2 usage,
configuration or parse errors (2 wins over 1; every other file's findings are still reported).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__

app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]})

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json")


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _fail(message: str) -> None:
    typer.echo(f"transit-lint: error: {message}", err=True)
    raise typer.Exit(EXIT_ERROR)


@app.command()
def lint(
    paths: Annotated[Optional[list[str]], typer.Argument(help="Files or directories to lint (default: .)")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report here")] = None,
    fail_on: Annotated[str, typer.Option(help="Lowest severity that fails the run (exit 1)")] = "info",
    select: Annotated[Optional[list[str]], typer.Option(help="Only these rule ids or prefixes (TL2, TL101)")] = None,
    ignore: Annotated[Optional[list[str]], typer.Option(help="Skip these rule ids or prefixes")] = None,
    profile: Annotated[str, typer.Option(help="baseline, strict, asvs-l1..l3, ccc-tlp-clear..red")] = "baseline",
    var_file: Annotated[Optional[list[Path]], typer.Option("--var-file", help="Terraform variable file")] = None,
    exclude: Annotated[Optional[list[str]], typer.Option(help="Glob of paths to skip")] = None,
    max_file_size: Annotated[int, typer.Option(help="Skip (and report) files larger than this many bytes")] = 5_000_000,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the parse cache")] = False,
    show_unknown: Annotated[bool, typer.Option("--show-unknown", help="List values that could not be judged")] = False,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="List the rules and exit")] = False,
    list_profiles: Annotated[bool, typer.Option("--list-profiles", help="List the profiles and exit")] = False,
    explain: Annotated[Optional[str], typer.Option("--explain", help="Explain a rule (id or name) and exit")] = None,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit")] = False,
) -> None:
    """Find unprotected data in transit in Terraform (and, as they land, CloudFormation,
    Kubernetes and nginx) before anything is deployed."""
    from .policy.loader import PolicyError, load_catalog

    if version:
        typer.echo(f"transit-lint {__version__}")
        raise typer.Exit(EXIT_CLEAN)
    try:
        catalog = load_catalog()
    except PolicyError as e:
        _fail(str(e))
        return
    if list_rules:
        from .explain import rules_table

        typer.echo(rules_table(catalog), nl=False)
        raise typer.Exit(EXIT_CLEAN)
    if list_profiles:
        from .explain import profiles_table

        typer.echo(profiles_table(catalog), nl=False)
        raise typer.Exit(EXIT_CLEAN)
    if explain:
        from .explain import explain_rule

        text = explain_rule(catalog, explain)
        if text is None:
            _fail(f"no rule {explain!r}; see --list-rules")
        typer.echo(text, nl=False)
        raise typer.Exit(EXIT_CLEAN)

    from .findings import Severity

    if format not in FORMATS:
        _fail(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    try:
        threshold = Severity.parse(fail_on)
    except ValueError as e:
        _fail(str(e))
        return
    sel, ign = _split(select), _split(ignore)
    for rid in (sel or []) + (ign or []):
        if not any(p.id.startswith(rid) or p.name == rid for p in catalog.policies.values()):
            _fail(f"no rule matches {rid!r}; see --list-rules")
    if profile not in catalog.profiles:
        _fail(f"unknown profile {profile!r}; use one of {', '.join(catalog.profiles)}")

    from .engine import RunOptions, run

    opts = RunOptions(
        paths=paths or ["."],
        profile=profile,
        select=sel,
        ignore=ign,
        var_files=[str(v) for v in var_file or []],
        excludes=_split(exclude) or [],
        max_file_size=max_file_size,
    )
    for v in opts.var_files:
        if not Path(v).is_file():
            _fail(f"--var-file {v}: no such file")
    try:
        result = run(opts)
    except FileNotFoundError as e:
        _fail(f"no such file or directory: {e}")
        return

    if format == "json":
        from .report import json as json_report

        text = json_report.render(result, catalog)
    else:
        from .report import text as text_report

        colour = output is None and sys.stdout.isatty()
        text = text_report.render(result, catalog, colour=colour, source=_source_lines(result))
        if show_unknown and result.unknown_sites:
            text += "\nNot judged (values unknown statically):\n" + "".join(
                f"  {path}:{getattr(span, 'line', '?')}  {pid}  {rid}\n"
                for pid, path, rid, span in result.unknown_sites
            )
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as e:
            _fail(f"cannot write {output}: {e.strerror or e}")
    else:
        sys.stdout.write(text)

    if result.errors:
        raise typer.Exit(EXIT_ERROR)
    if any(f.severity >= threshold and not f.suppressed for f in result.findings):
        raise typer.Exit(EXIT_FINDINGS)
    raise typer.Exit(EXIT_CLEAN)


def _source_lines(result: object) -> dict[str, list[str]]:
    """The lines of files that have findings, to show the offending line."""
    out: dict[str, list[str]] = {}
    for f in getattr(result, "all_findings", []):
        if f.path in out:
            continue
        try:
            out[f.path] = Path(f.path).read_text("utf-8", "replace").splitlines()
        except OSError:
            out[f.path] = []
    return out


def main() -> None:
    app(prog_name="transit-lint")
