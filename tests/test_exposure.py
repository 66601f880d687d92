"""Firewall rules as `firewall_rule` nodes and the exposure policies (TL602, TL610-TL612).

The fixtures (fixtures/TL60x, TL61x) check where findings land; these tests check the canonical
attributes each provider's rule becomes, and the pieces the hook is built from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from transit_lint.engine import RunOptions, RunResult, run
from transit_lint.model import Node
from transit_lint.normalize.hooks_network import (
    classify_peer,
    parse_port_spec,
    peer_scope,
    plaintext_in,
    ports_text,
)
from transit_lint.tree import UNKNOWN

# ---- pieces -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "ranges"),
    [
        (80, [(80, 80)]),
        ("80", [(80, 80)]),
        ("1000-2000", [(1000, 2000)]),
        ("19/20", [(19, 20)]),  # Alibaba Cloud
        ("-1/-1", [(0, 65535)]),
        ("*", [(0, 65535)]),
        ("ALL", [(0, 65535)]),
        ("23, 245", [(23, 23), (245, 245)]),
        ("46-146, 18-36", [(46, 146), (18, 36)]),
        ("2000-1000", [(1000, 2000)]),
        (-1, [(0, 65535)]),
        ("http", None),
        (UNKNOWN, None),
        (True, None),
    ],
)
def test_parse_port_spec(raw: Any, ranges: list[tuple[int, int]] | None) -> None:
    assert parse_port_spec(raw) == ranges


@pytest.mark.parametrize(
    ("raw", "kind", "cidrs"),
    [
        ("0.0.0.0/0", "cidr", ["0.0.0.0/0"]),
        ("::/0", "cidr", ["::/0"]),
        ("/0", "cidr", ["0.0.0.0/0"]),  # a /0 has no network bits
        ("10.0.0.1/0", "cidr", ["0.0.0.0/0"]),
        ("*", "cidr", ["0.0.0.0/0", "::/0"]),
        ("Internet", "cidr", ["0.0.0.0/0"]),
        ("10.68.0.0", "cidr", ["10.68.0.0/32"]),
        ("VirtualNetwork", "ref", ["VirtualNetwork"]),
        ("/26", "invalid", []),  # no address
        ("any", "invalid", []),  # not an Azure keyword
        (UNKNOWN, "unknown", []),
        ("${var.x}", "unknown", []),
    ],
)
def test_classify_peer(raw: Any, kind: str, cidrs: list[str]) -> None:
    assert classify_peer(raw) == (kind, cidrs)


@pytest.mark.parametrize(
    ("cidr", "scope"),
    [
        ("0.0.0.0/0", "internet"),
        ("::/0", "internet"),
        ("52.94.76.0/24", "public"),
        ("0.0.0.0/5", "public"),
        ("2600:1f18::/32", "public"),
        ("10.0.0.0/8", "wide-private"),
        ("172.16.0.0/12", "wide-private"),
        ("192.168.0.0/16", "wide-private"),
        ("fc00::/7", "wide-private"),
        ("10.0.0.0/16", "private"),
        ("172.16.0.0/16", "private"),
        ("100.64.0.0/10", "private"),
        ("fd00::/8", "private"),
        ("127.0.0.1/32", "none"),
        ("0.0.0.0/28", "none"),
        ("169.254.0.0/16", "none"),
    ],
)
def test_peer_scope(cidr: str, scope: str) -> None:
    assert peer_scope(cidr) == scope


def test_plaintext_ports_depend_on_the_transport() -> None:
    tcp = [p for p, _ in plaintext_in([(0, 65535)], ("tcp",))]
    udp = [p for p, _ in plaintext_in([(0, 65535)], ("udp",))]
    assert 143 in tcp and 143 not in udp  # IMAP is TCP only
    assert 53 in tcp and 53 in udp
    assert 22 not in tcp and 443 not in tcp and 636 not in tcp
    assert 465 not in udp  # SMTPS's UDP twin carries nothing
    assert dict(plaintext_in([(20, 25)], ("tcp",))) == {20: "ftp-data", 21: "ftp", 23: "telnet", 25: "smtp"}


def test_ports_text_is_short_for_long_lists() -> None:
    assert ports_text([21, 80]) == "21 (ftp→990), 80 (http→443)"
    every = [p for p, _ in plaintext_in([(0, 65535)], ("tcp",))]
    text = ports_text(every)
    assert text.startswith("20 (ftp-data→989), 21 (ftp→990)")
    assert text.endswith(f"… and {len(every) - 6} more ({len(every)} plaintext ports)")


# ---- nodes per provider -----------------------------------------------------------------------


def _lint(tmp_path: Path, name: str, text: str, profile: str = "baseline") -> RunResult:
    (tmp_path / name).write_text(text)
    return run(RunOptions(paths=[str(tmp_path)], base=tmp_path, profile=profile))


def _rules(result: RunResult) -> list[Node]:
    return [n for n in result.nodes if n.kind == "firewall_rule"]


def _attrs(node: Node, *names: str) -> dict[str, Any]:
    return {n: node.value(n) for n in names}


def test_aws_inline_ingress_blocks_become_one_node_each(tmp_path: Path) -> None:
    result = _lint(tmp_path, "main.tf", """
resource "aws_security_group" "web" {
  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    from_port       = 5432
    to_port         = 5432
    protocol        = "TCP"
    security_groups = [aws_security_group.app.id]
    prefix_list_ids = ["pl-123"]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
""")
    first, second = _rules(result)
    assert first.id == "aws_security_group.web/ingress[0]"
    assert first.header.line == 3
    assert _attrs(first, "direction", "action", "protocol", "port_range", "sources", "source_scope",
                  "plaintext_ports", "targets") == {
        "direction": "ingress", "action": "allow", "protocol": "tcp", "port_range": [80, 80],
        "sources": ["0.0.0.0/0"], "source_scope": "internet", "plaintext_ports": [80],
        "targets": ["aws_security_group.web"]}
    assert second.value("protocol") == "tcp"
    assert second.value("sources") == []
    assert second.value("source_scope") == "none"
    assert second.value("source_refs") == ["aws_security_group.app.id", "pl-123"]
    assert not any(k.startswith("native.") for k in first.attrs)
    assert [f.rule_id for f in result.findings] == ["TL602"]
    assert result.findings[0].span.line == 4
    assert result.findings[0].message == (
        "aws_security_group.web/ingress[0] opens plaintext service port(s) 80 (http→443) to the internet")


def test_protocol_all_opens_every_port_on_aws_but_not_on_azure(tmp_path: Path) -> None:
    result = _lint(tmp_path, "main.tf", """
resource "aws_security_group_rule" "all" {
  type              = "ingress"
  security_group_id = "sg-1"
  from_port         = 2200
  to_port           = 2300
  protocol          = -1
  cidr_blocks       = ["0.0.0.0/0"]
}
resource "azurerm_network_security_rule" "star" {
  name                       = "star"
  direction                  = "Inbound"
  access                     = "Allow"
  protocol                   = "*"
  destination_port_range     = "20-25"
  source_address_prefix      = "*"
  destination_address_prefix = "*"
}
""")
    aws, azure = _rules(result)
    assert _attrs(aws, "protocol", "port_range", "all_traffic") == {
        "protocol": "all", "port_range": [0, 65535], "all_traffic": True}
    assert _attrs(azure, "protocol", "port_range", "sources", "remote_access_ports", "plaintext_service_ports") == {
        "protocol": "all", "port_range": [20, 25], "sources": ["0.0.0.0/0", "::/0"],
        "remote_access_ports": [23], "plaintext_service_ports": [20, 21, 25]}
    assert azure.value("targets") is None  # network_security_group_name is absent here


def test_gcp_rule_without_source_admits_everyone(tmp_path: Path) -> None:
    result = _lint(tmp_path, "main.tf", """
resource "google_compute_firewall" "open" {
  name    = "open"
  network = "default"
  allow {
    protocol = "tcp"
    ports    = ["21", "8000-8100"]
  }
}
resource "google_compute_firewall" "tagged" {
  name        = "tagged"
  network     = "default"
  source_tags = ["lb"]
  allow {
    protocol = "tcp"
    ports    = ["21"]
  }
}
""")
    open_, tagged = _rules(result)
    assert _attrs(open_, "port_ranges", "sources", "source_scope", "plaintext_ports") == {
        "port_ranges": [[21, 21], [8000, 8100]], "sources": ["0.0.0.0/0"], "source_scope": "internet",
        "plaintext_ports": [21, 8080]}
    assert "port_range" not in open_.attrs  # two ranges
    assert open_.get("sources").origin == "provider default when no source is set"  # type: ignore[union-attr]
    assert _attrs(tagged, "sources", "source_refs", "source_scope") == {
        "sources": [], "source_refs": ["lb"], "source_scope": "none"}


def test_unknown_values_never_fire(tmp_path: Path) -> None:
    result = _lint(tmp_path, "main.tf", """
variable "port" {}
resource "aws_security_group_rule" "unknown_port" {
  type              = "ingress"
  security_group_id = "sg-1"
  from_port         = var.port
  to_port           = var.port
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
}
resource "aws_security_group_rule" "unknown_source" {
  type              = "ingress"
  security_group_id = "sg-1"
  from_port         = 80
  to_port           = 80
  protocol          = "tcp"
  cidr_blocks       = ["52.94.76.0/24", aws_vpc.main.cidr_block]
}
resource "aws_security_group_rule" "known_internet" {
  type              = "ingress"
  security_group_id = "sg-1"
  from_port         = 21
  to_port           = 21
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0", aws_vpc.main.cidr_block]
}
""")
    port, source, internet = _rules(result)
    assert port.value("plaintext_ports") is UNKNOWN
    assert source.value("source_scope") is UNKNOWN
    assert internet.value("source_scope") == "internet"  # an unknown peer cannot narrow a /0
    assert [(f.rule_id, f.span.line) for f in result.findings] == [("TL602", 22)]
    assert result.unknown >= 2


def test_stateless_acls_judge_only_the_well_known_ports_they_name(tmp_path: Path) -> None:
    result = _lint(tmp_path, "main.tf", """
resource "aws_network_acl" "public" {
  vpc_id = "vpc-1"
  ingress {
    protocol   = "tcp"
    rule_no    = 100
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 65535
  }
  ingress {
    protocol   = "-1"
    rule_no    = 200
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
  }
}
""")
    ranged, everything = _rules(result)
    assert ranged.value("layer") == "subnet"
    assert 80 in ranged.value("plaintext_ports") and 3306 not in ranged.value("plaintext_ports")
    assert everything.value("all_traffic") is True
    assert everything.value("plaintext_ports") == []


def test_internal_exposure_only_in_the_profiles_that_ask_for_it(tmp_path: Path) -> None:
    text = """
resource "aws_security_group" "db" {
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["10.20.0.0/16"]
  }
}
"""
    assert not _lint(tmp_path, "main.tf", text).findings
    for profile in ("strict", "asvs-l2", "ccc-tlp-green"):
        found = _lint(tmp_path, "main.tf", text, profile).findings
        assert [(f.rule_id, f.span.line) for f in found] == [("TL612", 4)], profile
        assert found[0].message == (
            "aws_security_group.db/ingress[0] opens plaintext port(s) 5432 (postgresql)"
            " to the private network(s) 10.20.0.0/16")
    # a whole private block is judged at the baseline too
    wide = _lint(tmp_path, "main.tf", text.replace("10.20.0.0/16", "10.0.0.0/8")).findings
    assert [(f.rule_id, f.span.line) for f in wide] == [("TL612", 4)]


def test_cloudformation_security_group(tmp_path: Path) -> None:
    result = _lint(tmp_path, "template.yaml", """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: g
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 23
          ToPort: 21
          CidrIp: 52.94.76.0/24
  Ingress:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref Group
      IpProtocol: "-1"
      CidrIpv6: ::/0
""")
    inline, standalone = _rules(result)
    assert inline.id == "Group/SecurityGroupIngress[0]"
    assert _attrs(inline, "port_range", "source_scope", "remote_access_ports", "plaintext_service_ports") == {
        "port_range": [21, 23], "source_scope": "public", "remote_access_ports": [23],
        "plaintext_service_ports": [21]}
    assert _attrs(standalone, "protocol", "all_traffic", "source_scope") == {
        "protocol": "all", "all_traffic": True, "source_scope": "internet"}
    assert sorted((f.rule_id, f.span.line) for f in result.findings) == [
        ("TL602", 17), ("TL610", 10), ("TL611", 10), ("TL611", 17)]


# ---- exposures through the graph (link_exposures: not wired into the engine yet) ------------

ALB_TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  LbGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: load balancer
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 80
          ToPort: 80
          CidrIp: 0.0.0.0/0
        - IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          CidrIp: 0.0.0.0/0
  Balancer:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      SecurityGroups: [!Ref LbGroup]
  Http:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Balancer
      Port: 80
      Protocol: HTTP
      DefaultActions:
        - Type: ACTION
          RedirectConfig: {Protocol: HTTPS, Port: "443", StatusCode: HTTP_301}
  Https:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Balancer
      Port: 443
      Protocol: HTTPS
      Certificates: [{CertificateArn: arn:aws:acm:eu-west-1:1:certificate/x}]
      DefaultActions:
        - Type: forward
          TargetGroupArn: arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/x
EXTRA
"""

INSTANCE = """
  Server:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-1
      SecurityGroupIds: [!GetAtt LbGroup.GroupId]
"""


def _linked(tmp_path: Path, text: str) -> tuple[list[str], dict[str, Node], list[tuple[str, str, str, str]]]:
    """The engine's steps by hand, with link_exposures between the graph and the policies."""
    from transit_lint.cloudformation.frontend import load
    from transit_lint.frontends import LoadContext, SourceFile
    from transit_lint.graph import build_graph
    from transit_lint.normalize import normalize_all
    from transit_lint.normalize.hooks_network import link_exposures
    from transit_lint.policy.evaluate import evaluate
    from transit_lint.policy.loader import load_catalog

    (tmp_path / "t.yaml").write_text(text)
    res = load([SourceFile(tmp_path / "t.yaml", "t.yaml", text)], LoadContext(tmp_path, (tmp_path,), 10**6))
    nodes, _errors = normalize_all(res.resources, "cloudformation")
    graph = build_graph(nodes)
    link_exposures(graph, res.resources)
    cat = load_catalog()
    by_kind: dict[str, list[Node]] = {}
    for n in nodes:
        by_kind.setdefault(n.kind, []).append(n)
    findings, _ = evaluate([cat.policies["TL602"]], by_kind, cat.profiles["baseline"], graph)
    return [f"{f.rule_id}:{f.span.line}" for f in findings], {n.id: n for n in nodes}, sorted(graph.edges)


def test_port_80_on_a_redirecting_load_balancer_is_not_reported(tmp_path: Path) -> None:
    found, nodes, edges = _linked(tmp_path, ALB_TEMPLATE.replace("ACTION", "redirect").replace("EXTRA", ""))
    assert found == []
    rule = nodes["LbGroup/SecurityGroupIngress[0]"]
    assert rule.value("redirected_ports") == [80]
    assert ("LbGroup/SecurityGroupIngress[0]", "Http", "exposes", "port") in edges
    assert ("LbGroup/SecurityGroupIngress[1]", "Https", "exposes", "port") in edges
    assert nodes["Http"].value("exposure") == "public"


def test_port_80_is_reported_when_the_listener_forwards(tmp_path: Path) -> None:
    found, _, _ = _linked(tmp_path, ALB_TEMPLATE.replace("ACTION", "forward").replace("EXTRA", ""))
    assert found == ["TL602:10"]


def test_port_80_is_reported_when_the_group_also_protects_an_instance(tmp_path: Path) -> None:
    found, _, _ = _linked(tmp_path, ALB_TEMPLATE.replace("ACTION", "redirect").replace("EXTRA", INSTANCE))
    assert found == ["TL602:10"]


# ---- Kubernetes Services (the table row is inert until mapping.load_table merges `Type#label`)


def _service_rules(tmp_path: Path, text: str) -> list[Node]:
    from transit_lint.frontends import LoadContext, SourceFile
    from transit_lint.kubernetes.frontend import load
    from transit_lint.normalize import derive
    from transit_lint.normalize.mapping import _apply, load_table

    (tmp_path / "svc.yaml").write_text(text)
    res = load([SourceFile(tmp_path / "svc.yaml", "svc.yaml", text)], LoadContext(tmp_path, (tmp_path,), 10**6))
    specs = load_table("kubernetes").get("core/Service") or ()
    specs = tuple(s for s in specs if s.kind == "firewall_rule") or load_table("kubernetes")["core/Service#exposure"]
    out = []
    for r in res.resources:
        if r.type == "core/Service":
            for spec in specs:
                for n in _apply(spec, r):
                    derive.finish(n)
                    out.append(n)
    return out


def test_load_balancer_services(tmp_path: Path) -> None:
    rules = _service_rules(tmp_path, (Path(__file__).parent.parent / "fixtures/TL602/bad.k8s.yaml").read_text()
                           + "\n---\n" + (Path(__file__).parent.parent / "fixtures/TL602/good.k8s.yaml").read_text())
    got = {n.id: _attrs(n, "source_scope", "plaintext_service_ports") for n in rules}
    assert got == {
        "Service/data/redis/ports[0]": {"source_scope": "internet", "plaintext_service_ports": [6379]},
        "Service/broker/ports[0]": {"source_scope": "internet", "plaintext_service_ports": [5672]},
        "Service/broker/ports[1]": {"source_scope": "internet", "plaintext_service_ports": []},
        # the HTTP port beside HTTPS: the workload decides whether it only redirects
        "Service/ingress-nginx-controller/ports[0]": {"source_scope": "internet", "plaintext_service_ports": UNKNOWN},
        "Service/ingress-nginx-controller/ports[1]": {"source_scope": "internet", "plaintext_service_ports": []},
        "Service/db/ports[0]": {"source_scope": "private", "plaintext_service_ports": [5432]},
    }
    redis = next(n for n in rules if n.id == "Service/data/redis/ports[0]")
    assert redis.get("plaintext_service_ports").span.line == 15  # type: ignore[union-attr]
    assert redis.value("sources") == ["0.0.0.0/0", "::/0"]
