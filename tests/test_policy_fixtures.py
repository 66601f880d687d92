"""The one fixture test: every fixtures/<ID>/ entry, linted with only that policy, must produce
exactly the findings its inline markers expect (both ways)."""

from __future__ import annotations

from pathlib import Path

import pytest

from transit_lint.testing import run_fixture

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _cases() -> list[tuple[str, Path]]:
    out = []
    for d in sorted(FIXTURES.glob("TL[0-9][0-9][0-9]")):
        for entry in sorted(d.iterdir()):
            if entry.name.startswith(("bad", "good")):
                out.append((d.name, entry))
    return out


@pytest.mark.parametrize(("rule", "fixture"), _cases(), ids=[f"{r}/{p.name}" for r, p in _cases()])
def test_fixture(rule: str, fixture: Path) -> None:
    result = run_fixture(fixture, rule)
    assert result.passed, "\n" + result.explain()
    if fixture.name.startswith("good"):
        assert not result.expected, "good fixtures carry no `expect` markers"
    else:
        assert result.expected or result.todo, "bad fixtures carry at least one `expect` marker"
