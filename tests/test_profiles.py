"""What each profile adds or removes, on the same files (issue 10): thresholds and scope follow
the standards' own levels (REQUIREMENTS.md, profile column)."""

from __future__ import annotations

from pathlib import Path

import pytest

from transit_lint.engine import RunOptions, run

PROJECT = {
    # TLS 1.2 minimum with forward-secret AEAD suites only: fine at baseline, not where 1.3 is required
    "tls12.tf": '''
resource "aws_lb_listener" "tls12" {
  port       = 443
  protocol   = "HTTPS"
  ssl_policy = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
  default_action {
    type = "forward"
  }
}
''',
    # TLS 1.3 only, no client certificates: only mTLS profiles object
    "tls13.tf": '''
resource "aws_lb_listener" "tls13" {
  port       = 8443
  protocol   = "HTTPS"
  ssl_policy = "ELBSecurityPolicy-TLS13-1-3-2021-06"
  default_action {
    type = "forward"
  }
}
''',
    # an in-VPC plaintext hop: only profiles that require every internal hop encrypted
    "tg.tf": '''
resource "aws_lb_target_group" "app" {
  port     = 8080
  protocol = "HTTP"
}
''',
    # a plaintext port open to a VPC-sized private range: internal exposure
    "sg.tf": '''
resource "aws_security_group" "cache" {
  ingress {
    from_port   = 6379
    to_port     = 6379
    protocol    = "tcp"
    cidr_blocks = ["10.20.0.0/16"]
  }
}
''',
}

# profile -> (resource, rule) pairs expected
EXPECTED: dict[str, set[tuple[str, str]]] = {
    "baseline": set(),
    "asvs-l1": set(),
    "ccc-tlp-clear": set(),
    "asvs-l2": {("aws_lb_target_group.app", "TL501"), ("aws_security_group.cache/ingress[0]", "TL612")},
    "ccc-tlp-green": {("aws_lb_listener.tls12", "TL201"), ("aws_security_group.cache/ingress[0]", "TL612")},
    "asvs-l3": {("aws_lb_target_group.app", "TL501"), ("aws_security_group.cache/ingress[0]", "TL612"),
                ("aws_lb_listener.tls12", "TL302"), ("aws_lb_listener.tls13", "TL302")},
    "ccc-tlp-amber": {("aws_lb_listener.tls12", "TL201"), ("aws_lb_target_group.app", "TL501"),
                      ("aws_security_group.cache/ingress[0]", "TL612"),
                      ("aws_lb_listener.tls12", "TL302"), ("aws_lb_listener.tls13", "TL302")},
    "strict": {("aws_lb_listener.tls12", "TL201"), ("aws_lb_target_group.app", "TL501"),
               ("aws_security_group.cache/ingress[0]", "TL612"),
               ("aws_lb_listener.tls12", "TL302"), ("aws_lb_listener.tls13", "TL302")},
}
EXPECTED["ccc-tlp-red"] = EXPECTED["ccc-tlp-amber"]


@pytest.mark.parametrize("profile", sorted(EXPECTED))
def test_what_each_profile_reports_on_the_same_files(tmp_path: Path, profile: str) -> None:
    for name, text in PROJECT.items():
        (tmp_path / name).write_text(text)
    result = run(RunOptions(paths=[str(tmp_path)], base=tmp_path, profile=profile))
    got = {(f.resource.id if f.resource else "", f.rule_id) for f in result.findings}
    assert got == EXPECTED[profile]


def test_every_profile_is_covered() -> None:
    from transit_lint.policy.loader import load_catalog

    assert set(load_catalog().profiles) == set(EXPECTED)
