"""Terraform plan / state JSON (`terraform show -json`): sniffing, spans, unknowns, modules,
references, and exact findings on real-shaped plans.

The fixtures in fixtures/TL101/bad-plan.json and fixtures/TL602/*-plan.json carry `#` marker
lines (the loader reads JSON as YAML 1.2 flow); here they are stripped, so each test also
proves the plain JSON Terraform writes gives the same sites.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from transit_lint.engine import RunOptions, RunResult, run
from transit_lint.frontends import LoadContext, SourceFile, sniff_candidates
from transit_lint.model import NativeResource
from transit_lint.terraform import plan
from transit_lint.tree import UNKNOWN, Reference

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def plain_json(fixture: str) -> str:
    """The fixture without its marker lines: what `terraform show -json | jq .` writes."""
    text = (FIXTURES / fixture).read_text("utf-8")
    out = "\n".join(ln for ln in text.split("\n") if not re.match(r"\s*#", ln))
    json.loads(out)  # real JSON once the markers are gone
    return out


def lint(tmp_path: Path, files: dict[str, str], select: list[str] | None = None) -> RunResult:
    for name, text in files.items():
        (tmp_path / name).write_text(text, "utf-8")
    return run(RunOptions(paths=[str(tmp_path)], base=tmp_path, select=select))


def sites(r: RunResult) -> set[tuple[str, int, str]]:
    return {(f.path, f.span.line, f.rule_id) for f in r.all_findings}


def load(text: str, name: str = "plan.json") -> list[NativeResource]:
    res = plan.load([SourceFile(Path(name), name, text)], LoadContext(Path("."), (Path("."),), 10_000_000))
    assert not res.errors
    return res.resources


# ---- sniffing ----------------------------------------------------------------------------------

def test_sniff_plan_and_state() -> None:
    assert plan.sniff(Path("p.json"), plain_json("TL101/bad-plan.json"))
    state = '{"format_version": "1.0", "terraform_version": "1.6.6", "values": {"root_module": {}}}'
    assert plan.sniff(Path("s.json"), state)


def test_sniff_rejects_other_json() -> None:
    cfn = '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}'
    k8s = '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}}'
    providers = '{"format_version": "1.0", "provider_schemas": {}}'  # terraform providers schema -json
    yaml_text = 'format_version: "1.2"\nterraform_version: "1.6.6"\nvalues: {}\n'
    for text in (cfn, k8s, providers, yaml_text, "[]", ""):
        assert not plan.sniff(Path("x.json"), text), text


def test_plan_is_sniffed_before_kubernetes() -> None:
    """A plan of kubernetes_manifest resources holds `apiVersion` and `kind` too."""
    assert sniff_candidates(Path("plan.json"))[0] == "terraform-plan"


def test_kubernetes_manifest_plan_is_a_plan(tmp_path: Path) -> None:
    text = json.dumps({"format_version": "1.2", "terraform_version": "1.6.6", "planned_values": {"root_module": {
        "resources": [{"address": "kubernetes_manifest.svc", "mode": "managed", "type": "kubernetes_manifest",
                       "name": "svc", "values": {"manifest": {"apiVersion": "v1", "kind": "Service"}}}]}}},
                      indent=2)
    r = lint(tmp_path, {"plan.json": text})
    assert r.files_parsed == 1 and not r.errors and r.files_skipped == 0


# ---- exact findings on real-shaped plans -------------------------------------------------------

def test_listeners_plan_exact_findings(tmp_path: Path) -> None:
    """Root listeners and a registry ALB module's for_each listeners (module.alb ... this["http"])."""
    r = lint(tmp_path, {"plan.json": plain_json("TL101/bad-plan.json")})
    assert sites(r) == {("plan.json", 30, "TL101"), ("plan.json", 149, "TL101")}
    ids = {f.resource.id for f in r.findings if f.resource}
    assert ids == {"aws_lb_listener.legacy", 'module.alb.aws_lb_listener.this["http"]'}


def test_security_groups_and_caches_plan_exact_findings(tmp_path: Path) -> None:
    """An inline aws_security_group, a registry security-group module's rules, and
    aws_elasticache_replication_group in nested child modules."""
    r = lint(tmp_path, {"plan.json": plain_json("TL602/bad-plan.json")})
    assert sites(r) == {
        ("plan.json", 23, "TL602"),  # aws_security_group.cache: 6379/tcp from 0.0.0.0/0
        ("plan.json", 90, "TL602"),  # module.sg ...ingress_with_cidr_blocks[0]: 21/tcp from 0.0.0.0/0
        ("plan.json", 172, "TL110"),  # module.cache ...this[0]: transit_encryption_enabled = false
    }
    ids = {f.resource.id for f in r.findings if f.resource}
    assert "module.sg.aws_security_group_rule.ingress_with_cidr_blocks[0]" in ids
    assert "module.cache.aws_elasticache_replication_group.this[0]" in ids


def test_state_json(tmp_path: Path) -> None:
    state = json.dumps({"format_version": "1.0", "terraform_version": "1.6.6", "values": {"root_module": {
        "resources": [{"address": "aws_elasticache_replication_group.sessions", "mode": "managed",
                       "type": "aws_elasticache_replication_group", "name": "sessions", "values": {
                           "engine": "redis", "replication_group_id": "sessions", "transit_encryption_enabled": False,
                           "transit_encryption_mode": None}}]}}}, indent=2)
    line = next(i for i, ln in enumerate(state.split("\n"), 1) if "transit_encryption_enabled" in ln)
    assert sites(lint(tmp_path, {"terraform.tfstate.json": state})) == {("terraform.tfstate.json", line, "TL110")}


def test_single_line_plan_points_at_columns(tmp_path: Path) -> None:
    """`terraform show -json` writes one line: findings are on line 1, at the value's column."""
    text = json.dumps(json.loads(plain_json("TL101/bad-plan.json")))
    r = lint(tmp_path, {"plan.json": text}, select=["TL101"])
    cols = sorted(f.span.column for f in r.findings)
    assert {f.span.line for f in r.findings} == {1} and len(cols) == 2
    assert all(text[c - 1 :].startswith('"protocol": "HTTP"') for c in cols)


# ---- spans, unknowns, modules, references -------------------------------------------------------

def test_spans_point_into_the_plan() -> None:
    text = plain_json("TL101/bad-plan.json")
    lines = text.split("\n")
    res = {r.address: r for r in load(text)}
    legacy = res["aws_lb_listener.legacy"]
    assert legacy.format == "terraform" and legacy.type == "aws_lb_listener"
    assert lines[legacy.span.line - 1].strip() == "{"  # the resource object in planned_values
    assert '"address": "aws_lb_listener.legacy"' in lines[legacy.header.line - 1]
    proto = legacy.body.get("protocol")
    assert proto is not None and proto.data == "HTTP" and proto.anchor.line == 30
    # nested blocks are lists of objects, as HCL blocks are in the tree
    action = legacy.body.get("default_action")
    assert action is not None and isinstance(action.data, list) and action.data[0].get("type") is not None
    # null values and empty blocks are absent, as unset ones are in a .tf file
    assert legacy.body.get("alpn_policy") is None and legacy.body.get("mutual_authentication") is None


def test_after_unknown_values_are_unknown(tmp_path: Path) -> None:
    text = plain_json("TL101/bad-plan.json")
    computed = {r.address: r for r in load(text)}["aws_lb_listener.computed"]
    proto = computed.body.get("protocol")
    assert proto is not None and proto.data is UNKNOWN and proto.origin == plan.KNOWN_AFTER_APPLY
    assert '"protocol": true' in text.split("\n")[proto.anchor.line - 1]  # its after_unknown mark
    # the provider default (HTTP) does not apply to a value the plan says is computed
    r = lint(tmp_path, {"plan.json": text})
    assert not [f for f in r.findings if f.resource and f.resource.id == "aws_lb_listener.computed"]
    assert any(rid == "aws_lb_listener.computed" and p == "TL101" for p, _, rid, _ in r.unknown_sites)


def test_child_modules_keep_their_addresses() -> None:
    res = {r.address: r for r in load(plain_json("TL602/bad-plan.json"))}
    nested = res["module.cache.module.replica.aws_elasticache_replication_group.this[0]"]
    assert nested.meta["prefix"] == "module.cache.module.replica."
    assert nested.via is not None and nested.via.startswith("module.cache.module.replica")
    transit = nested.body.get("transit_encryption_enabled")
    assert transit is not None and transit.data is UNKNOWN
    assert res["module.sg.aws_security_group_rule.ingress_with_cidr_blocks[0]"].meta["prefix"] == "module.sg."


def test_configuration_references_become_edges(tmp_path: Path) -> None:
    """Port 80 open on a load balancer whose port-80 listener redirects is no finding (R3): the
    group -> balancer -> listener path comes from `configuration` references."""
    text = plain_json("TL602/good-plan.json")
    res = {r.address: r for r in load(text)}
    lb_arn = res["aws_lb_listener.http"].body.get("load_balancer_arn")
    assert lb_arn is not None and lb_arn.data == Reference("aws_lb.web", "arn")
    assert res["aws_lb.web"].body.get("security_groups").data == Reference("aws_security_group.lb", "id")  # type: ignore[union-attr]
    with_config, without = tmp_path / "with", tmp_path / "without"
    with_config.mkdir()
    without.mkdir()
    r = lint(with_config, {"plan.json": text}, select=["TL602"])
    assert r.edges > 0 and not r.findings
    # without the configuration section the edges are gone, and port 80 is reported
    data = json.loads(text)
    del data["configuration"]
    stripped = json.dumps(data, indent=2)
    line = next(i for i, ln in enumerate(stripped.split("\n"), 1) if '"from_port": 80' in ln)
    assert sites(lint(without, {"noconfig.json": stripped}, select=["TL602"])) >= {("noconfig.json", line, "TL602")}


def test_references_parsing() -> None:
    from transit_lint.spans import NO_SPAN
    from transit_lint.tree import Value

    refs = Value([Value(s, NO_SPAN) for s in (
        "aws_lb.web[0].arn", "aws_lb.web[0]", "aws_lb.web", "var.x", "each.value",
        "data.aws_iam_policy_document.p.json", "module.alb.lb_arn", "local.y")], NO_SPAN)
    assert plan._references(refs) == [Reference("aws_lb.web[0]", "arn"),
                                      Reference("data.aws_iam_policy_document.p", "json"),
                                      Reference("module.alb", "lb_arn")]


# ---- bad input ----------------------------------------------------------------------------------

def test_broken_plan_is_tl000_and_others_go_on(tmp_path: Path) -> None:
    good = plain_json("TL602/bad-plan.json")
    broken = ('{\n  "format_version": "1.2",\n  "terraform_version": "1.6.6",\n'
              '  "planned_values": {\n    "x": [1, 2\n}\n')
    r = lint(tmp_path, {"broken.json": broken, "plan.json": good})
    assert [(e.path, e.rule_id) for e in r.errors] == [("broken.json", "TL000")]
    assert ("plan.json", 23, "TL602") in sites(r)


def test_document_without_values_is_a_note(tmp_path: Path) -> None:
    text = '{"format_version": "1.2", "terraform_version": "1.6.6", "values": null}'
    r = lint(tmp_path, {"plan.json": text})
    assert not r.errors and not r.findings and any("plan.json" in n for n in r.notes)
