"""The fixture harness: inline markers in fixture files are the expected results.

A comment line directly above a line (other marker lines may sit between) says what must start
on that line:
    # expect: TL101        a finding of TL101 must start there
    # ok: TL101            a near miss that must not fire (documents intent)
    # todo: TL101          a known gap: must not fire yet (strict xfail: fails once it fires)
    # profile: strict      (anywhere) run the fixture with this profile
`//` works in HCL too. Each fixture file is copied alone into a fresh folder, so Terraform files
never share a module; a fixture *directory* is linted as one project.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

_MARK = re.compile(r"^\s*(?:#|//)\s*(expect|ok|todo|profile):\s*([\w, .-]+?)\s*$")

Site = tuple[str, int, str]  # (relative file, line, rule id)


@dataclass
class Markers:
    expect: set[Site] = field(default_factory=set)
    ok: set[Site] = field(default_factory=set)
    todo: set[Site] = field(default_factory=set)
    profile: str | None = None


def read_markers(text: str, rel: str) -> Markers:
    out = Markers()
    pending: list[tuple[str, list[str]]] = []
    for i, line in enumerate(text.splitlines(), start=1):
        m = _MARK.match(line)
        if m:
            kind, ids = m.group(1), [x.strip() for x in m.group(2).split(",") if x.strip()]
            if kind == "profile":
                out.profile = ids[0]
            else:
                pending.append((kind, ids))
            continue
        if pending and line.strip():
            for kind, ids in pending:
                getattr(out, kind).update((rel, i, rid) for rid in ids)
            pending = []
    return out


@dataclass
class FixtureResult:
    fixture: Path
    rule: str
    expected: set[Site]
    actual: set[Site]
    todo: set[Site]
    exit_errors: list[str]

    @property
    def missing(self) -> set[Site]:
        return self.expected - self.actual

    @property
    def unexpected(self) -> set[Site]:
        return self.actual - self.expected - self.todo

    @property
    def todo_fired(self) -> set[Site]:
        return self.actual & self.todo

    @property
    def passed(self) -> bool:
        return not self.missing and not self.unexpected and not self.todo_fired and not self.exit_errors

    def explain(self) -> str:
        """The fixture with missing/unexpected findings annotated in place."""
        lines = []
        files = sorted({s[0] for s in self.expected | self.actual | self.todo})
        for rel in files or [self.fixture.name]:
            src = (self.fixture if self.fixture.is_file() else self.fixture / rel)
            try:
                text = src.read_text("utf-8", "replace").splitlines()
            except OSError:
                text = []
            lines.append(f"--- {rel}")
            for i, ln in enumerate(text, start=1):
                tags = [f"<<< missing {r}" for (f, n, r) in sorted(self.missing) if f == rel and n == i]
                tags += [f"<<< unexpected {r}" for (f, n, r) in sorted(self.unexpected) if f == rel and n == i]
                tags += [f"<<< todo fired {r}" for (f, n, r) in sorted(self.todo_fired) if f == rel and n == i]
                lines.append(f"{i:4} {ln}  {'  '.join(tags)}".rstrip())
        lines.extend(self.exit_errors)
        return "\n".join(lines)


def fixture_files(fixture: Path) -> list[Path]:
    if fixture.is_file():
        return [fixture]
    return sorted(p for p in fixture.rglob("*") if p.is_file())


def run_fixture(fixture: Path, rule: str, profile: str | None = None) -> FixtureResult:
    """Lint one fixture (file or directory) with only `rule` selected; compare with its markers."""
    from .engine import RunOptions, run

    expected: set[Site] = set()
    todo: set[Site] = set()
    marker_profile: str | None = None
    for f in fixture_files(fixture):
        rel = f.name if fixture.is_file() else f.relative_to(fixture).as_posix()
        mk = read_markers(f.read_text("utf-8", "replace"), rel)
        expected |= {s for s in mk.expect if s[2] == rule}
        todo |= {s for s in mk.todo if s[2] == rule}
        marker_profile = marker_profile or mk.profile
    with tempfile.TemporaryDirectory(prefix="tl-fixture-") as tmp:
        work = Path(tmp) / "project"
        if fixture.is_file():
            work.mkdir()
            shutil.copy2(fixture, work / fixture.name)
        else:
            shutil.copytree(fixture, work)
        select = None if rule.startswith("TL0") else [rule]
        result = run(RunOptions(paths=[str(work)], profile=profile or marker_profile or "baseline",
                                select=select, base=work))
        actual = {(f.path, f.span.line, f.rule_id) for f in result.all_findings if f.rule_id == rule}
        errors = [] if rule == "TL000" else [f"TL000 {e.path}:{e.span.line}: {e.message}" for e in result.errors]
    return FixtureResult(fixture, rule, expected, actual, todo, errors)
