"""Hardening policies that only some profiles ask for (issue 10, R15 and R16): the same
fixture yields the finding under the profiles of the requirement's row, and nothing elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from transit_lint.testing import run_fixture

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# (rule, fixture, profiles that report it, profiles that do not)
CASES = [
    # R15 ECH: ASVS 9.4.4 is level 3 only
    ("TL433", "bad.nginx.conf", ["strict", "asvs-l3"], ["baseline", "asvs-l2", "ccc-tlp-red"]),
    # R16 logging of TLS failures: strict only
    ("TL434", "bad.nginx.conf", ["strict"], ["baseline", "asvs-l3", "ccc-tlp-red"]),
    ("TL434", "bad.tf", ["strict"], ["baseline", "asvs-l3"]),
    ("TL434", "bad.cfn.yaml", ["strict"], ["baseline", "asvs-l3"]),
]


def _params() -> list[tuple[str, str, str, bool]]:
    out = []
    for rule, name, on, off in CASES:
        out += [(rule, name, p, True) for p in on] + [(rule, name, p, False) for p in off]
    return out


@pytest.mark.parametrize(("rule", "name", "profile", "fires"), _params(),
                         ids=[f"{r}/{n}@{p}" for r, n, p, _ in _params()])
def test_profile_scope(rule: str, name: str, profile: str, fires: bool) -> None:
    result = run_fixture(FIXTURES / rule / name, rule, profile=profile)
    assert not result.exit_errors, result.exit_errors
    if fires:
        # exactly the sites the fixture's markers expect
        assert result.actual == result.expected and result.expected, "\n" + result.explain()
    else:
        assert result.actual == set(), "\n" + result.explain()
