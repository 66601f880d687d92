"""The nginx corpus: Mozilla's generated configurations must be clean, and every gixy-ng TLS
check that maps onto a transit-lint policy (plus the gaps gixy-ng leaves) has a fixture that
makes the policy fire (tests/test_policy_fixtures.py runs them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from transit_lint.engine import RunOptions, run
from transit_lint.testing import read_markers

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MOZILLA = ["TL201/good-mozilla-intermediate.nginx.conf", "TL201/good-mozilla-modern.nginx.conf"]


@pytest.mark.parametrize("profile", ["baseline", "asvs-l1", "asvs-l2", "ccc-tlp-clear"])
@pytest.mark.parametrize("name", MOZILLA)
def test_mozilla_generator_output_is_clean(name: str, profile: str) -> None:
    path = FIXTURES / name
    r = run(RunOptions(paths=[str(path)], profile=profile, base=path.parent))
    assert not r.errors
    assert not r.findings, [(f.rule_id, f.span.line, f.message) for f in r.findings]
    assert r.unknown == 0


def test_mozilla_intermediate_is_not_tls13_only() -> None:
    """Strict (TLS 1.3 only) tells intermediate apart from modern."""
    results = {}
    for name in MOZILLA:
        path = FIXTURES / name
        r = run(RunOptions(paths=[str(path)], profile="strict", select=["TL201"], base=path.parent))
        results[name] = [f.span.line for f in r.findings]
    assert results == {MOZILLA[0]: [21], MOZILLA[1]: []}


# (gixy-ng 0.2.59 check, or "gap" for what gixy-ng does not check) -> the fixture and rule
SCENARIOS = [
    ("weak_ssl_tls: insecure ssl_protocols", "TL201/bad.nginx.conf", "TL201"),
    ("weak_ssl_tls: ssl_protocols missing (version default)", "TL201/bad-default.nginx.conf", "TL201"),
    ("weak_ssl_tls: weak cipher selectors (RC4, 3DES, ALL)", "TL202/bad.nginx.conf", "TL202"),
    ("weak_ssl_tls: ssl_ciphers missing (default HIGH:!aNULL:!MD5)", "TL202/bad.nginx.conf", "TL202"),
    ("hsts_header: no Strict-Transport-Security", "TL430/bad.nginx.conf", "TL430"),
    ("hsts_header: max-age too short", "TL430/bad.nginx.conf", "TL430"),
    ("add_header_redefinition: a location drops HSTS", "TL430/bad-project/conf.d/api.conf", "TL430"),
    ("ssl_stapling_without_resolver", "TL431/bad.nginx.conf", "TL431"),
    ("gap: listen 443 without ssl", "TL601/bad.nginx.conf", "TL601"),
    ("gap: no HTTP to HTTPS redirect", "TL101/bad.nginx.conf", "TL101"),
    ("gap: proxy_ssl_verify off", "TL301/bad.nginx.conf", "TL301"),
    ("gap: stream proxy_ssl without proxy_ssl_verify", "TL301/bad.nginx.conf", "TL301"),
    ("gap: plaintext proxy_pass / fastcgi_pass to remote hosts", "TL501/bad.nginx.conf", "TL501"),
    ("gap: ssl_verify_client optional_no_ca", "TL330/bad.nginx.conf", "TL330"),
    ("gap: ssl_key_log", "TL432/bad.nginx.conf", "TL432"),
    ("gap: include trees and http-level inheritance", "TL201/bad-project/conf.d/app.conf", "TL201"),
]


@pytest.mark.parametrize(("check", "fixture", "rule"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_scenario_has_a_firing_fixture(check: str, fixture: str, rule: str) -> None:
    path = FIXTURES / fixture
    marks = read_markers(path.read_text(), path.name)
    assert any(site[2] == rule for site in marks.expect), f"{fixture} expects no {rule}"
